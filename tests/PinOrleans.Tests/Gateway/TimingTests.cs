using System.Diagnostics;
using System.Net;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Refusals that answer the same code must not tell by their duration whether the account or PIN session exists.
/// The yardstick is the cost of one password hash (the only large cost on these paths), measured in the same run;
/// samples are interleaved so both sides see the same machine noise, and medians are compared.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TimingTests(ClusterFixture fixture)
{
    private const int Rounds = 15;
    private Api Api => fixture.Api;

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call, int status, int code)
    {
        var watch = Stopwatch.StartNew();
        var response = await call();
        watch.Stop();
        await Api.ExpectErrorAsync(response, status, code);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> samples)
    {
        var sorted = samples.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    [Fact]
    public async Task Refusals_take_as_long_whether_or_not_the_account_or_pin_session_exists()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 100 } });
        var (email, _, _) = await Api.NewLoggedInAccountAsync(tenant);
        var (_, goneUid, goneLogin) = await Api.NewLoggedInAccountAsync(tenant);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{goneUid}?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        var goneSession = goneLogin.GetProperty("session_token").GetString()!;

        Task<HttpResponseMessage> PasswordLogin(string who) =>
            Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = who, password = "not-the-password" });

        var (unknownAccount, knownAccount, unknownSession, deadSession) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var i = 0; i < Rounds; i++)
        {
            unknownAccount.Add(await TimeAsync(() => PasswordLogin($"{Guid.NewGuid():N}@example.com"), 401, 966));
            knownAccount.Add(await TimeAsync(() => PasswordLogin(email), 401, 966));
            unknownSession.Add(await TimeAsync(() => Api.PinLoginAsync(tenant, Guid.NewGuid().ToString(), "1234"), 403, 1245));
            deadSession.Add(await TimeAsync(() => Api.PinLoginAsync(tenant, goneSession, "1234"), 403, 1245));
        }

        // A wrong password for a real account costs one hash plus the gateway and grain hops: the yardstick.
        var hash = Median(knownAccount) - Median(unknownSession);
        Assert.True(hash > 0, $"a password check should cost something: known {Median(knownAccount):F1} ms, session refusal {Median(unknownSession):F1} ms");
        Assert.True(Math.Abs(Median(unknownAccount) - Median(knownAccount)) < hash / 2,
            $"unknown account {Median(unknownAccount):F1} ms vs known account {Median(knownAccount):F1} ms (one hash {hash:F1} ms)");
        Assert.True(Math.Abs(Median(unknownSession) - Median(deadSession)) < hash / 2,
            $"unknown session {Median(unknownSession):F1} ms vs session of a deleted account {Median(deadSession):F1} ms (one hash {hash:F1} ms)");
    }
}
