using System.Net;
using System.Text.Json;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>PIN required at login, set with a PINAuthToken, changed with an access token.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PinLifecycleTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private async Task<(TestTenant Tenant, string Email)> AccountWithoutPinAsync(PinPolicy policy)
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Pin = policy });
        var email = $"{Guid.NewGuid():N}@example.com";
        await Api.CreateAccountAsync(tenant, email, pin: null);
        return (tenant, email);
    }

    private Task<HttpResponseMessage> SetPinAsync(TestTenant tenant, string pinAuthToken, string body) =>
        Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/pin/set/pinauthtoken?apiKey={tenant.ApiKey}&pinAuthToken={pinAuthToken}", body);

    [Fact]
    public async Task A_mandatory_pin_is_set_with_a_single_use_pinauthtoken_then_used_to_log_in()
    {
        var (tenant, email) = await AccountWithoutPinAsync(new PinPolicy { IsRequired = true });

        var login = await Api.LoginAsync(tenant, email);
        Assert.False(login.TryGetProperty("access_token", out _));
        Assert.False(login.TryGetProperty("session_token", out _));
        var pinAuthToken = login.GetProperty("PINAuthToken").GetString()!;
        Assert.True(Guid.TryParse(pinAuthToken, out _));

        await Api.ExpectErrorAsync(await SetPinAsync(tenant, pinAuthToken, """{"PIN":"12"}"""), 403, 1134);
        await Api.ExpectErrorAsync(await SetPinAsync(tenant, pinAuthToken, "{}"), 403, 1234);
        var set = await Api.ExpectAsync(await SetPinAsync(tenant, pinAuthToken, """{"pin":"4321"}"""), HttpStatusCode.OK);
        foreach (var name in new[] { "access_token", "refresh_token", "session_token" })
        {
            Assert.True(Guid.TryParse(set.GetProperty(name).GetString(), out _), name);
        }

        Assert.NotEqual(JsonValueKind.Null, set.GetProperty("session_expires_in").ValueKind);
        await Api.ExpectErrorAsync(await SetPinAsync(tenant, pinAuthToken, """{"pin":"5555"}"""), 403, 1239);
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, set.GetProperty("session_token").GetString()!, "4321"), HttpStatusCode.OK);

        // With the PIN set, password logins are ordinary again.
        var next = await Api.LoginAsync(tenant, email);
        Assert.False(next.TryGetProperty("PINAuthToken", out _));
        Assert.True(next.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Unknown_foreign_expired_and_missing_pinauthtokens_are_refused()
    {
        var (tenant, email) = await AccountWithoutPinAsync(new PinPolicy { IsRequired = true });
        var other = await fixture.NewTenantAsync();
        var token = (await Api.LoginAsync(tenant, email)).GetProperty("PINAuthToken").GetString()!;
        var uid = (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account?apikey={tenant.ApiKey}&email={email}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK)).GetProperty("Uid").GetString()!;
        var expired = SecretToken.New();
        var past = fixture.Clock.GetUtcNow().AddHours(-1);
        await fixture.Grains.GetGrain<IPinAuthTokenGrain>(SecretToken.KeyOf(expired)!).StartAsync(new TokenGrant(tenant.ApiKey, uid, past, past.AddMinutes(10)));

        await Api.ExpectErrorAsync(await SetPinAsync(tenant, Guid.NewGuid().ToString(), """{"PIN":"4321"}"""), 403, 1239);
        await Api.ExpectErrorAsync(await SetPinAsync(tenant, "garbage", """{"PIN":"4321"}"""), 403, 1239);
        await Api.ExpectErrorAsync(await SetPinAsync(other, token, """{"PIN":"4321"}"""), 403, 1239);
        await Api.ExpectErrorAsync(await SetPinAsync(tenant, expired, """{"PIN":"4321"}"""), 403, 1240);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/pin/set/pinauthtoken?apikey={tenant.ApiKey}", """{"PIN":"4321"}"""), 403, 908);
        await Api.ExpectAsync(await SetPinAsync(tenant, token, """{"PIN":"4321"}"""), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Optional_flows_offer_a_pinauthtoken_beside_the_tokens()
    {
        var (everyLogin, everyEmail) = await AccountWithoutPinAsync(new PinPolicy { AskOnLogin = true });
        var (firstOnly, firstEmail) = await AccountWithoutPinAsync(new PinPolicy { AskOnlyOnFirstLogin = true });
        var (never, neverEmail) = await AccountWithoutPinAsync(new PinPolicy());

        for (var i = 0; i < 2; i++)
        {
            var login = await Api.LoginAsync(everyLogin, everyEmail);
            Assert.True(login.TryGetProperty("access_token", out _));
            Assert.True(login.TryGetProperty("PINAuthToken", out _));
        }

        Assert.True((await Api.LoginAsync(firstOnly, firstEmail)).TryGetProperty("PINAuthToken", out _));
        Assert.False((await Api.LoginAsync(firstOnly, firstEmail)).TryGetProperty("PINAuthToken", out _));
        Assert.False((await Api.LoginAsync(never, neverEmail)).TryGetProperty("PINAuthToken", out _));
    }

    [Fact]
    public async Task Change_pin_needs_the_current_pin_and_wrong_ones_count_toward_the_lock()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        await Api.CreateAccountAsync(tenant, email, pin: "7890");
        var login = await Api.LoginAsync(tenant, email);
        var token = login.GetProperty("access_token").GetString()!;
        var session = login.GetProperty("session_token").GetString()!;
        var bearer = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" };
        var url = $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}";

        // Node SDK: PUT, token in query and header, lower-case keys.
        var changed = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"{url}&access_token={token}", """{"newPIN":"1111","oldPIN":"7890"}""", headers: bearer), HttpStatusCode.OK);
        Assert.True(changed.GetProperty("IsPosted").GetBoolean());
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "7890"), 401, 1236);
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, "1111"), HttpStatusCode.OK);

        // REF: POST, token in the body, PascalCase keys.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, url, $$"""{"access_token":"{{token}}","OldPIN":"1111","NewPIN":"2222"}"""), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"OldPIN":"2222","NewPIN":"12"}""", headers: bearer), 403, 1134);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"OldPIN":"2222"}""", headers: bearer), 403, 1234);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"OldPIN":"2222","NewPIN":"3333"}"""), 400, 1060);
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"OldPIN":"0000","NewPIN":"3333"}""", headers: bearer), 401, 1241);
        }

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, url, """{"OldPIN":"2222","NewPIN":"3333"}""", headers: bearer), 403, 1198);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "2222"), 403, 1198);
    }
}
