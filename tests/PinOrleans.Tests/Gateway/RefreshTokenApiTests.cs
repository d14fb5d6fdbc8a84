using System.Net;
using System.Text.Json;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Refresh tokens rotate, are single-use, and a reused one revokes its whole family.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RefreshTokenApiTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private Task<HttpResponseMessage> ManageAsync(TestTenant tenant, string path, string query) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token{path}?apiKey={tenant.ApiKey}&{query}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-apiKey"] = tenant.ApiKey, ["X-LoginRadius-apiSecret"] = tenant.ApiSecret });

    private Task<HttpResponseMessage> ValidateAsync(TestTenant tenant, JsonElement tokens) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["Authorization"] = $"Bearer {tokens.GetProperty("access_token").GetString()}" });

    private async Task<(TestTenant Tenant, JsonElement Login)> LoggedInAsync()
    {
        var tenant = await fixture.NewTenantAsync();
        return (tenant, (await Api.NewLoggedInAccountAsync(tenant)).Login);
    }

    [Fact]
    public async Task A_refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family()
    {
        var (tenant, login) = await LoggedInAsync();
        var first = login.GetProperty("refresh_token").GetString();

        var rotated = await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_Token={first}"), HttpStatusCode.OK);
        Assert.NotEqual(first, rotated.GetProperty("refresh_token").GetString());
        Assert.NotEqual(login.GetProperty("access_token").GetString(), rotated.GetProperty("access_token").GetString());
        await Api.ExpectAsync(await ValidateAsync(tenant, rotated), HttpStatusCode.OK);
        var again = await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={rotated.GetProperty("refresh_token").GetString()}"), HttpStatusCode.OK);

        // The first token comes back: reuse. Every token of this login's family dies.
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={first}"), 403, 1217);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={again.GetProperty("refresh_token").GetString()}"), 403, 1217);
        await Api.ExpectErrorAsync(await ValidateAsync(tenant, login), 403, 905);
        await Api.ExpectErrorAsync(await ValidateAsync(tenant, rotated), 403, 905);
        await Api.ExpectErrorAsync(await ValidateAsync(tenant, again), 403, 905);
    }

    [Fact]
    public async Task Replaying_two_spent_tokens_at_once_revokes_the_family_without_waiting_on_each_other()
    {
        var (tenant, login) = await LoggedInAsync();
        var r1 = login.GetProperty("refresh_token").GetString();
        var second = await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={r1}"), HttpStatusCode.OK);
        var r2 = second.GetProperty("refresh_token").GetString();
        var third = await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={r2}"), HttpStatusCode.OK);

        var started = DateTime.UtcNow;
        var replays = await Task.WhenAll(ManageAsync(tenant, "/refresh", $"refresh_token={r1}"), ManageAsync(tenant, "/refresh", $"refresh_token={r2}"));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "Replays must not wait on each other.");
        foreach (var replay in replays)
        {
            await Api.ExpectErrorAsync(replay, 403, 1217);
        }

        await Api.ExpectErrorAsync(await ValidateAsync(tenant, third), 403, 905);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={third.GetProperty("refresh_token").GetString()}"), 403, 1217);

        // Another login of the same account is another family, untouched.
        var other = await Api.LoginAsync(tenant, login.GetProperty("Profile").GetProperty("Email")[0].GetProperty("Value").GetString()!);
        await Api.ExpectAsync(await ValidateAsync(tenant, other), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_refresh_token_cannot_refresh_but_its_access_token_lives_on()
    {
        var (tenant, login) = await LoggedInAsync();
        var refresh = login.GetProperty("refresh_token").GetString();

        var deleted = await Api.ExpectAsync(await ManageAsync(tenant, "/refresh/revoke", $"refresh_token={refresh}"), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("IsDeleted").GetBoolean());

        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={refresh}"), 403, 1217);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh/revoke", $"refresh_token={refresh}"), 403, 1217);
        await Api.ExpectAsync(await ValidateAsync(tenant, login), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Revoking_all_refresh_tokens_of_an_account_spares_its_access_tokens_and_later_logins()
    {
        var (tenant, login) = await LoggedInAsync();
        var uid = login.GetProperty("Profile").GetProperty("Uid").GetString();
        var email = login.GetProperty("Profile").GetProperty("Email")[0].GetProperty("Value").GetString()!;
        var second = await Api.LoginAsync(tenant, email);
        var secret = new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(10));

        var deleted = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{uid}/access_token/refresh/revoke?apikey={tenant.ApiKey}", headers: secret), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("IsDeleted").GetBoolean());

        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={login.GetProperty("refresh_token").GetString()}"), 403, 1217);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={second.GetProperty("refresh_token").GetString()}"), 403, 1217);
        await Api.ExpectAsync(await ValidateAsync(tenant, login), HttpStatusCode.OK);
        fixture.Clock.Advance(TimeSpan.FromMilliseconds(10));
        var later = await Api.LoginAsync(tenant, email);
        await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={later.GetProperty("refresh_token").GetString()}"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{Guid.NewGuid():N}/access_token/refresh/revoke?apikey={tenant.ApiKey}", headers: secret), 403, 938);
    }

    [Fact]
    public async Task Bad_refresh_requests_get_908_902_and_1217()
    {
        var (tenant, login) = await LoggedInAsync();
        var other = await fixture.NewTenantAsync();
        var refresh = login.GetProperty("refresh_token").GetString();

        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", "x=1"), 403, 908);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", "refresh_token=garbage"), 403, 1217);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={Guid.NewGuid()}"), 403, 1217);
        await Api.ExpectErrorAsync(await ManageAsync(other, "/refresh", $"refresh_token={refresh}"), 403, 1217);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token/refresh?apikey={tenant.ApiKey}&refresh_token={refresh}"), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token/refresh?apikey={tenant.ApiKey}&apisecret=wrong&refresh_token={refresh}"), 401, 902);

        // None of the refusals spent the token.
        await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={refresh}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tokens_for_a_uid_work_and_unknown_or_malformed_uids_are_refused()
    {
        var (tenant, login) = await LoggedInAsync();
        var uid = login.GetProperty("Profile").GetProperty("Uid").GetString();

        var issued = await Api.ExpectAsync(await ManageAsync(tenant, "", $"uid={uid}"), HttpStatusCode.OK);
        await Api.ExpectAsync(await ValidateAsync(tenant, issued), HttpStatusCode.OK);
        await Api.ExpectAsync(await ManageAsync(tenant, "/refresh", $"refresh_token={issued.GetProperty("refresh_token").GetString()}"), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await ManageAsync(tenant, "", $"uid={Guid.NewGuid():N}"), 403, 938);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "", "uid=a%20b"), 403, 1200);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, "", "x=1"), 403, 908);
    }
}
