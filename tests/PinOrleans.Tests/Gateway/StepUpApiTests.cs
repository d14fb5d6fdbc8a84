using System.Net;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Step-up by PIN: re-enter the PIN for a short-lived, single-use proof the server can check.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StepUpApiTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task A_reentered_pin_yields_a_proof_that_validates_once_for_its_uid()
    {
        var tenant = await fixture.NewTenantAsync(new PinOrleans.Tenants.TenantSettings { Pin = new PinOrleans.Tenants.PinPolicy { PINLogin = false } });
        var (_, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        var bearer = new Dictionary<string, string> { ["Authorization"] = $"Bearer {login.GetProperty("access_token").GetString()}" };
        var secret = new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

        var proof = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/account/reauth/pin?apikey={tenant.ApiKey}&smsTemplate2FA=x", """{"pin":"7890"}""", headers: bearer), HttpStatusCode.OK);
        var token = proof.GetProperty("SecondFactorValidationToken").GetString()!;
        Assert.True(Guid.TryParse(token, out _));
        var expires = DateTimeOffset.Parse(proof.GetProperty("ExpireIn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - fixture.Clock.GetUtcNow(), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));

        var check = $"/identity/v2/manage/account/{uid}/reauth/pin?apikey={tenant.ApiKey}";
        var otherUid = $"/identity/v2/manage/account/{Guid.NewGuid():N}/reauth/pin?apikey={tenant.ApiKey}";
        Assert.False((await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, otherUid, $$"""{"SecondFactorValidationToken":"{{token}}"}""", headers: secret), HttpStatusCode.OK)).GetProperty("IsValid").GetBoolean());
        Assert.True((await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, check, $$"""{"SecondFactorValidationToken":"{{token}}"}""", headers: secret), HttpStatusCode.OK)).GetProperty("IsValid").GetBoolean());
        Assert.False((await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, check, $$"""{"secondfactorvalidationtoken":"{{token}}"}""", headers: secret), HttpStatusCode.OK)).GetProperty("IsValid").GetBoolean());
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, check, "{}", headers: secret), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, check, $$"""{"SecondFactorValidationToken":"{{token}}"}"""), 403, 908);
    }

    [Fact]
    public async Task Wrong_pins_at_step_up_count_toward_the_lock()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);
        var bearer = new Dictionary<string, string> { ["Authorization"] = $"Bearer {login.GetProperty("access_token").GetString()}" };
        var url = $"/identity/v2/auth/account/reauth/pin?apikey={tenant.ApiKey}";

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, "{}", headers: bearer), 403, 1234);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"PIN":"7890"}"""), 400, 1060);
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"PIN":"0000"}""", headers: bearer), 401, 1236);
        }

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"PIN":"7890"}""", headers: bearer), 403, 1198);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, login.GetProperty("session_token").GetString()!, "7890"), 403, 1198);
    }
}
