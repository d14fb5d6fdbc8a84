using System.Net;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Refusals that answer the same code must not tell by their duration whether the account or PIN session exists.
/// The only large cost on these paths is a hash, so what is compared is the work each refusal does (its answer and
/// how many hashes it cost, as in <see cref="EnumerationTests"/>), which unlike a duration does not depend on how
/// busy the machine is; every round is compared, not an average.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TimingTests(ClusterFixture fixture)
{
    private const int Rounds = 3;
    private Api Api => fixture.Api;

    [Fact]
    public async Task Refusals_do_the_same_work_whether_or_not_the_account_or_pin_session_exists()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 100 } });
        var (email, _, _) = await Api.NewLoggedInAccountAsync(tenant);
        var (_, goneUid, goneLogin) = await Api.NewLoggedInAccountAsync(tenant);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{goneUid}?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        var goneSession = goneLogin.GetProperty("session_token").GetString()!;

        Task<HttpResponseMessage> PasswordLogin(string who) =>
            Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = who, password = "not-the-password" });

        for (var i = 0; i < Rounds; i++)
        {
            var unknownAccount = await fixture.MeasureAsync(() => PasswordLogin($"{Guid.NewGuid():N}@example.com"));
            var knownAccount = await fixture.MeasureAsync(() => PasswordLogin(email));
            var unknownSession = await fixture.MeasureAsync(() => Api.PinLoginAsync(tenant, Guid.NewGuid().ToString(), "1234"));
            var deadSession = await fixture.MeasureAsync(() => Api.PinLoginAsync(tenant, goneSession, "1234"));

            // A wrong password for a real account costs one hash; a made-up account costs the same one.
            Assert.Equal((401, 1), (knownAccount.Status, knownAccount.Hashes));
            Assert.Contains("\"ErrorCode\":966", knownAccount.Body, StringComparison.Ordinal);
            Assert.Equal(knownAccount, unknownAccount);
            // A PIN session nobody has and one whose account is gone are both refused before any hashing.
            Assert.Equal((403, 0), (unknownSession.Status, unknownSession.Hashes));
            Assert.Contains("\"ErrorCode\":1245", unknownSession.Body, StringComparison.Ordinal);
            Assert.Equal(unknownSession, deadSession);
        }
    }
}
