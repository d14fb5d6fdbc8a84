using System.Net;
using System.Text.Json;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Updating, blocking, unlocking and deleting accounts with the API secret, and what that does to live tokens.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AccountManagementTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Uid, JsonElement Login);

    private async Task<Account> LoggedInAsync()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        return new Account(tenant, email, uid, login);
    }

    private Task<HttpResponseMessage> ManageAsync(Account account, HttpMethod method, string path = "", string? body = null) =>
        Api.SendAsync(method, $"/identity/v2/manage/account{path}?apikey={account.Tenant.ApiKey}", body,
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret });

    private Task<HttpResponseMessage> ValidateAsync(Account account, JsonElement login) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={account.Tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["Authorization"] = $"Bearer {login.GetProperty("access_token").GetString()}" });

    private Task<HttpResponseMessage> RefreshAsync(Account account, JsonElement login) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token/refresh?apikey={account.Tenant.ApiKey}&refresh_token={login.GetProperty("refresh_token").GetString()}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret });

    private Task<HttpResponseMessage> PinLoginAsync(Account account, JsonElement login, string pin = "7890") =>
        Api.PinLoginAsync(account.Tenant, login.GetProperty("session_token").GetString()!, pin);

    [Fact]
    public async Task Blocking_kills_live_tokens_and_sessions_at_once_and_unblocking_does_not_revive_them()
    {
        var account = await LoggedInAsync();

        var blocked = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"IsActive":false}"""), HttpStatusCode.OK);
        Assert.False(blocked.GetProperty("IsActive").GetBoolean());

        await Api.ExpectErrorAsync(await ValidateAsync(account, account.Login), 403, 905);
        await Api.ExpectErrorAsync(await RefreshAsync(account, account.Login), 403, 1217);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login), 403, 1245);
        // A blocked account's password login answers as a wrong password does (uniform answers).
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), 401, 966);

        await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"isactive":true}"""), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ValidateAsync(account, account.Login), 403, 905);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login), 403, 1245);
        var fresh = await Api.LoginAsync(account.Tenant, account.Email);
        await Api.ExpectAsync(await ValidateAsync(account, fresh), HttpStatusCode.OK);
        await Api.ExpectAsync(await PinLoginAsync(account, fresh), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleting_kills_tokens_and_sessions_and_frees_the_email()
    {
        var account = await LoggedInAsync();

        var deleted = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Delete, $"/{account.Uid}"), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("IsDeleted").GetBoolean());

        await Api.ExpectErrorAsync(await ValidateAsync(account, account.Login), 403, 905);
        await Api.ExpectErrorAsync(await RefreshAsync(account, account.Login), 403, 1217);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login), 403, 1245);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Get, $"/{account.Uid}"), 403, 938);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Delete, $"/{account.Uid}"), 403, 938);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), 401, 966);

        var again = await Api.CreateAccountAsync(account.Tenant, account.Email);
        Assert.NotEqual(account.Uid, again.GetProperty("Uid").GetString());
        var byEmail = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account?apikey={account.Tenant.ApiKey}&email={account.Email}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), HttpStatusCode.OK);
        Assert.Equal(1, byEmail.GetProperty("RecordsDeleted").GetInt32());
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account?apikey={account.Tenant.ApiKey}&email={account.Email}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), 403, 938);
    }

    [Fact]
    public async Task PinInfo_sets_and_clears_the_pin_and_profile_fields_merge()
    {
        var account = await LoggedInAsync();
        var session = account.Login;

        var updated = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"FirstName":"Ada","PINInfo":{"PIN":"2468"}}"""), HttpStatusCode.OK);
        Assert.Equal("Ada", updated.GetProperty("FirstName").GetString());
        // Replacing the PIN ends the account's PIN sessions; a new login's session takes the new PIN only.
        await Api.ExpectErrorAsync(await PinLoginAsync(account, session, "2468"), 403, 1245);
        session = await Api.LoginAsync(account.Tenant, account.Email);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, session, "7890"), 401, 1236);
        await Api.ExpectAsync(await PinLoginAsync(account, session, "2468"), HttpStatusCode.OK);

        var merged = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"LastName":"Lovelace"}"""), HttpStatusCode.OK);
        Assert.Equal("Ada", merged.GetProperty("FirstName").GetString());
        Assert.Equal("Lovelace", merged.GetProperty("LastName").GetString());

        // Two PINInfo keys in different casing: the first decides both whether a PIN is given and which.
        await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"PINInfo":{"PIN":"1357"},"pininfo":{}}"""), HttpStatusCode.OK);
        await Api.ExpectAsync(await PinLoginAsync(account, await Api.LoginAsync(account.Tenant, account.Email), "1357"), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"PINInfo":{"PIN":"12"}}"""), 403, 1134);
        await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"PINInfo":{"PIN":null}}"""), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, session, "2468"), 403, 1245);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, await Api.LoginAsync(account.Tenant, account.Email), "2468"), 403, 1235);
    }

    [Fact]
    public async Task IsLoginLocked_false_lifts_a_lock()
    {
        var account = await LoggedInAsync();
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login, "0000"), 401, 1236);
        }

        await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login), 403, 1198);
        var unlocked = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"IsLoginLocked":false}"""), HttpStatusCode.OK);
        Assert.False(unlocked.GetProperty("IsLoginLocked").GetBoolean());
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.Null(stored.LastLockedAt); // the unlock also forgives: the next suspension is not escalated
        Assert.Equal(0, stored.LockEscalations);
        await Api.ExpectAsync(await PinLoginAsync(account, account.Login), HttpStatusCode.OK);
    }

    [Fact]
    public async Task IsActive_true_lifts_a_brute_force_block_and_skipping_the_pin_is_recorded()
    {
        var tenant = await fixture.NewTenantAsync(new PinOrleans.Tenants.TenantSettings
        {
            Lockout = new PinOrleans.Tenants.LockoutPolicy { Type = PinOrleans.Tenants.LockoutType.Block, MaxFailedAttempts = 2 },
        });
        var email = $"{Guid.NewGuid():N}@example.com";
        var uid = (await Api.CreateAccountAsync(tenant, email, pin: null)).GetProperty("Uid").GetString()!;
        var account = new Account(tenant, email, uid, default);
        for (var i = 0; i < 2; i++)
        {
            await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = "wrong-password" }), 401, 966);
        }

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = Api.Password }), 401, 966);
        var skipped = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{uid}", """{"IsActive":true,"PINInfo":{"Skipped":true}}"""), HttpStatusCode.OK);
        Assert.True(skipped.GetProperty("PIN").GetProperty("Skipped").GetBoolean());
        await Api.LoginAsync(tenant, email);
    }

    [Fact]
    public async Task A_revocation_that_storage_refused_is_not_reported_and_not_remembered()
    {
        var account = await LoggedInAsync();
        var session = account.Login.GetProperty("session_token").GetString()!;
        var url = $"/identity/v2/auth/session_token/invalidate?apikey={account.Tenant.ApiKey}&session_token={session}";
        var grain = fixture.Grains.GetGrain<PinOrleans.Sessions.IPinSessionGrain>(PinOrleans.Sessions.SecretToken.KeyOf(session)!);

        fixture.FailWrites(((Orleans.Runtime.GrainReference)grain).GrainId);
        try
        {
            // Storage did not take it: a 503 the caller may retry, not a success and not a crash.
            var refused = await Api.SendAsync(HttpMethod.Get, url);
            Assert.NotNull(refused.Headers.RetryAfter);
            await Api.ExpectErrorAsync(refused, 503, 503);
        }
        finally
        {
            fixture.HealStorage();
        }

        // The retry really revokes (it is not told "already invalid" by a grain remembering an unwritten revocation).
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, url), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, account.Login), 403, 1245);
    }

    [Fact]
    public async Task Setting_a_password_replaces_the_old_one_and_never_shows_a_hash()
    {
        var account = await LoggedInAsync();

        var set = await Api.ExpectAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}/password", """{"password":"brand-new-secret-9"}"""), HttpStatusCode.OK);
        Assert.DoesNotContain("argon2", set.ToString(), StringComparison.OrdinalIgnoreCase);

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), 401, 966);
        await Api.LoginAsync(account.Tenant, account.Email, "brand-new-secret-9");
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}/password", """{"password":"123"}"""), 403, 1134);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}/password", "{}"), 403, 1134);
    }

    [Fact]
    public async Task Bad_update_requests_get_precise_codes()
    {
        var account = await LoggedInAsync();

        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, "/bad%20uid", "{}"), 403, 1200);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", "{\"FirstName\":"), 400, 1079);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{account.Uid}", """{"IsActive":"perhaps"}"""), 403, 1134);
        await Api.ExpectErrorAsync(await ManageAsync(account, HttpMethod.Put, $"/{Guid.NewGuid():N}", """{"FirstName":"Nobody"}"""), 403, 938);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}", "{}"), 403, 908);
    }
}
