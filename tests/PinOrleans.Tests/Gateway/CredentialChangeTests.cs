using System.Net;
using System.Text.Json;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>A password or PIN change ends the account's other sessions; refresh-token families end at their absolute lifetime.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialChangeTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = $"Bearer {token}" };

    private static string Get(JsonElement json, string name) => json.GetProperty(name).GetString()!;

    private Task<HttpResponseMessage> ValidateAsync(TestTenant tenant, string access) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", headers: Bearer(access));

    private Task<HttpResponseMessage> RefreshAsync(TestTenant tenant, string refresh) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token/refresh?apikey={tenant.ApiKey}&refresh_token={refresh}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret });

    /// <summary>An account (PIN 7890) logged in on two devices: each has a PIN session, and A has also logged in with its PIN.</summary>
    private async Task<(TestTenant Tenant, string Uid, JsonElement A, JsonElement APin, JsonElement B)> TwoDevicesAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings);
        var (email, uid, a) = await Api.NewLoggedInAccountAsync(tenant);
        var aPin = await Api.ExpectAsync(await Api.PinLoginAsync(tenant, Get(a, "session_token"), "7890"), HttpStatusCode.OK);
        var b = await Api.LoginAsync(tenant, email);
        return (tenant, uid, a, aPin, b);
    }

    private Task<HttpResponseMessage> ChangePinAsync(TestTenant tenant, string access, string oldPin, string newPin) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { OldPIN = oldPin, NewPIN = newPin }), headers: Bearer(access));

    [Fact]
    public async Task Changing_the_pin_ends_the_other_devices_sessions_and_tokens_but_not_the_changers()
    {
        var (tenant, _, a, aPin, b) = await TwoDevicesAsync();

        await Api.ExpectAsync(await ChangePinAsync(tenant, Get(aPin, "access_token"), "7890", "2468"), HttpStatusCode.OK);

        // Device B: its PIN session, access token and refresh token all end at once.
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, Get(b, "session_token"), "2468"), 403, 1245);
        await Api.ExpectErrorAsync(await ValidateAsync(tenant, Get(b, "access_token")), 403, 905);
        await Api.ExpectErrorAsync(await RefreshAsync(tenant, Get(b, "refresh_token")), 403, 1217);

        // Device A, which changed it: its login, its refresh and its PIN session carry on.
        await Api.ExpectAsync(await ValidateAsync(tenant, Get(aPin, "access_token")), HttpStatusCode.OK);
        var refreshed = await Api.ExpectAsync(await RefreshAsync(tenant, Get(aPin, "refresh_token")), HttpStatusCode.OK);
        await Api.ExpectAsync(await ValidateAsync(tenant, Get(refreshed, "access_token")), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, Get(a, "session_token"), "2468"), HttpStatusCode.OK);

        // And a new login afterwards is not affected.
        var again = await Api.LoginAsync(tenant, Get(b.GetProperty("Profile").GetProperty("Email")[0], "Value"));
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, Get(again, "session_token"), "2468"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Setting_a_new_password_ends_every_session_and_token()
    {
        var (tenant, uid, a, aPin, b) = await TwoDevicesAsync();

        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}/password?apikey={tenant.ApiKey}",
            """{"password":"brand-new-secret-9"}""", headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);

        foreach (var login in new[] { a, b })
        {
            await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, Get(login, "session_token"), "7890"), 403, 1245);
            await Api.ExpectErrorAsync(await ValidateAsync(tenant, Get(login, "access_token")), 403, 905);
        }

        await Api.ExpectErrorAsync(await ValidateAsync(tenant, Get(aPin, "access_token")), 403, 905);
        await Api.ExpectErrorAsync(await RefreshAsync(tenant, Get(aPin, "refresh_token")), 403, 1217);
    }

    [Fact]
    public async Task A_tenant_may_keep_the_other_sessions()
    {
        var (tenant, _, _, aPin, b) = await TwoDevicesAsync(new TenantSettings { Tokens = new TokenLifetimes { EndSessionsOnCredentialChange = false } });

        await Api.ExpectAsync(await ChangePinAsync(tenant, Get(aPin, "access_token"), "7890", "2468"), HttpStatusCode.OK);

        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, Get(b, "session_token"), "2468"), HttpStatusCode.OK);
        await Api.ExpectAsync(await ValidateAsync(tenant, Get(b, "access_token")), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_refreshed_token_never_outlives_its_familys_absolute_lifetime()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Tokens = new TokenLifetimes { RefreshTokenDays = 60, MaxRefreshFamilyDays = 90 } });
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant, "7890");

        // A login 89 days ago, as if refreshed ever since: the next pair may live one more day, not sixty.
        var loginAt = fixture.Clock.GetUtcNow().AddDays(-89);
        var old = await TokenIssuer.IssueAsync(fixture.Grains, snapshot, uid, default, loginAt.AddDays(88), withPinSession: false, "family-89", familyStartedAt: loginAt);
        var refreshed = await Api.ExpectAsync(await RefreshAsync(tenant, old.RefreshToken), HttpStatusCode.OK);
        var pair = await fixture.StoredStateAsync<LoginTokensState>("tokens", fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(Get(refreshed, "refresh_token"))!));
        Assert.Equal(loginAt.AddDays(90), pair.RefreshExpiresAt);
        Assert.Equal(loginAt, pair.Grant!.FamilyStartedAt);
        Assert.Equal("family-89", pair.Grant.Family);

        // A family started 91 days ago is over, however fresh its refresh token would otherwise be.
        var ended = fixture.Clock.GetUtcNow().AddDays(-91);
        var last = await TokenIssuer.IssueAsync(fixture.Grains, snapshot, uid, default, fixture.Clock.GetUtcNow().AddMinutes(-1), withPinSession: false, "family-91", familyStartedAt: ended);
        await Api.ExpectErrorAsync(await RefreshAsync(tenant, last.RefreshToken), 403, 1217);
    }
}
