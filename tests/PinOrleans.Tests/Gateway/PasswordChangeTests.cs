using System.Net;
using System.Text.Json;
using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary><c>PUT /identity/v2/auth/password/change</c> and the tenant's password policy wherever a password is set.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PasswordChangeTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = $"Bearer {token}" };

    private static string Get(JsonElement json, string name) => json.GetProperty(name).GetString()!;

    private Task<HttpResponseMessage> ChangeAsync(TestTenant tenant, string access, string oldPassword, string newPassword) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/change?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { oldPassword, newPassword }), headers: Bearer(access));

    private Task<HttpResponseMessage> ValidateAsync(TestTenant tenant, string access) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", headers: Bearer(access));

    private Task<HttpResponseMessage> LoginAsync(TestTenant tenant, string email, string password) =>
        Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password });

    private Task<HttpResponseMessage> SetAsync(TestTenant tenant, string uid, string password) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}/password?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { password }),
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret });

    [Fact]
    public async Task Changing_the_password_needs_the_current_one_and_ends_the_other_devices_but_not_the_callers()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, uid, a) = await Api.NewLoggedInAccountAsync(tenant);
        var b = await Api.LoginAsync(tenant, email);
        var before = (await fixture.StoredUserAsync(tenant, uid)).LastPasswordChangeDate;
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        var answer = await Api.ExpectAsync(await ChangeAsync(tenant, Get(a, "access_token"), Api.Password, "brand-new-secret-9"), HttpStatusCode.OK);

        Assert.True(answer.GetProperty("IsPosted").GetBoolean());
        await Api.ExpectErrorAsync(await LoginAsync(tenant, email, Api.Password), 401, 966);
        await Api.ExpectAsync(await LoginAsync(tenant, email, "brand-new-secret-9"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ValidateAsync(tenant, Get(b, "access_token")), 403, 905);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, Get(b, "session_token"), "7890"), 403, 1245);
        await Api.ExpectAsync(await ValidateAsync(tenant, Get(a, "access_token")), HttpStatusCode.OK);
        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.True(stored.LastPasswordChangeDate > before);
        Assert.DoesNotContain("brand-new-secret-9", JsonSerializer.Serialize(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_current_password_is_967_and_counts_toward_the_lockout()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 2 } });
        var (email, uid, a) = await Api.NewLoggedInAccountAsync(tenant);

        await Api.ExpectErrorAsync(await ChangeAsync(tenant, Get(a, "access_token"), "not-the-password", "brand-new-secret-9"), 401, 967);
        Assert.Equal(1, (await fixture.StoredUserAsync(tenant, uid)).Failures[CredentialKind.Password].Count);
        await Api.ExpectErrorAsync(await ChangeAsync(tenant, Get(a, "access_token"), "still-not-it", "brand-new-secret-9"), 401, 967);

        // The second wrong guess locked the account: even the right password is refused now.
        await Api.ExpectErrorAsync(await ChangeAsync(tenant, Get(a, "access_token"), Api.Password, "brand-new-secret-9"), 403, 1198);
        // A login with the right password is refused too (as a wrong password, under the default UniformAnswers).
        await Api.ExpectErrorAsync(await LoginAsync(tenant, email, Api.Password), 401, 966);
    }

    [Theory]
    [InlineData("""{"oldpassword":"correct-horse-42"}""", "newpassword")]
    [InlineData("""{"newpassword":"brand-new-secret-9"}""", "oldpassword")]
    [InlineData("""{"oldpassword":"correct-horse-42","newpassword":"short"}""", "newpassword")]
    public async Task A_missing_or_refused_new_password_is_1134_naming_the_field_and_changes_nothing(string body, string field)
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, uid, a) = await Api.NewLoggedInAccountAsync(tenant);

        var error = await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/change?apikey={tenant.ApiKey}", body, headers: Bearer(Get(a, "access_token"))), 403, 1134);

        Assert.Equal(field, error.GetProperty("Errors")[0].GetProperty("FieldName").GetString());
        Assert.DoesNotContain((await fixture.StoredUserAsync(tenant, uid)).Failures, f => f.Value.Count > 0);
        await Api.ExpectAsync(await LoginAsync(tenant, email, Api.Password), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Without_a_live_access_token_nothing_changes()
    {
        var tenant = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/change?apikey={tenant.ApiKey}", """{"oldpassword":"a","newpassword":"b"}"""), 400, 1060);
        await Api.ExpectErrorAsync(await ChangeAsync(tenant, Guid.NewGuid().ToString(), Api.Password, "brand-new-secret-9"), 403, 905);
    }

    [Fact]
    public async Task The_complexity_and_identifier_rules_apply_to_change_create_and_set()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Password = new PasswordPolicy { RequireUppercase = true, RequireDigit = true } });
        var email = $"{Guid.NewGuid():N}@example.com";
        var secret = new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

        var created = await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = email } }, Password = "lowercase-only" }, secret), 403, 1134);
        Assert.Contains("uppercase letter, a digit", created.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);

        var uid = Get(await Api.CreateAccountAsync(tenant, email, password: "Correct-Horse-42"), "Uid");
        var login = await Api.LoginAsync(tenant, email, "Correct-Horse-42");
        var error = await Api.ExpectErrorAsync(await ChangeAsync(tenant, Get(login, "access_token"), "Correct-Horse-42", "No-Digits-At-All"), 403, 1134);
        Assert.Equal("newpassword", error.GetProperty("Errors")[0].GetProperty("FieldName").GetString());
        var same = await Api.ExpectErrorAsync(await SetAsync(tenant, uid, "nodigits-NOPE"), 403, 1134);
        Assert.Equal("password", same.GetProperty("Errors")[0].GetProperty("FieldName").GetString());
        await Api.ExpectAsync(await ChangeAsync(tenant, Get(login, "access_token"), "Correct-Horse-42", "Better-Horse-43"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_password_equal_to_the_accounts_identifier_is_refused()
    {
        var tenant = await fixture.NewTenantAsync();
        // Short enough to pass the length rule: only the identifier rule refuses it.
        var email = $"{Guid.NewGuid().ToString("N")[..8]}@ex.io";
        var uid = Get(await Api.CreateAccountAsync(tenant, email), "Uid");
        var a = await Api.LoginAsync(tenant, email);

        var error = await Api.ExpectErrorAsync(await ChangeAsync(tenant, Get(a, "access_token"), Api.Password, email.ToUpperInvariant()), 403, 1134);
        Assert.Contains("e-mail address, user name or phone number", error.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await SetAsync(tenant, uid, email), 403, 1134);
    }

    [Fact]
    public async Task The_history_refuses_the_last_n_passwords_and_keeps_only_their_hashes()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Password = new PasswordPolicy { History = 3 } });
        var (email, uid, a) = await Api.NewLoggedInAccountAsync(tenant);
        var access = Get(a, "access_token");

        await Api.ExpectAsync(await ChangeAsync(tenant, access, Api.Password, "second-secret-2"), HttpStatusCode.OK);
        // The current one and the one before are both among the last three.
        var reused = await Api.ExpectErrorAsync(await ChangeAsync(tenant, access, "second-secret-2", Api.Password), 403, 1134);
        Assert.Contains("last 3 passwords", reused.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await ChangeAsync(tenant, access, "second-secret-2", "second-secret-2"), 403, 1134);
        await Api.ExpectErrorAsync(await SetAsync(tenant, uid, Api.Password), 403, 1134);
        // A refused reuse proved the current password but counted nothing and changed nothing.
        Assert.DoesNotContain((await fixture.StoredUserAsync(tenant, uid)).Failures, f => f.Value.Count > 0);

        await Api.ExpectAsync(await SetAsync(tenant, uid, "third-secret-3"), HttpStatusCode.OK);
        var login = await Api.LoginAsync(tenant, email, "third-secret-3");
        await Api.ExpectAsync(await ChangeAsync(tenant, Get(login, "access_token"), "third-secret-3", "fourth-secret-4"), HttpStatusCode.OK);

        // Four passwords later the first is no longer among the last three.
        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(2, stored.PasswordHistory.Count);
        Assert.All(stored.PasswordHistory, hash => Assert.DoesNotContain("secret", hash, StringComparison.Ordinal));
        await Api.ExpectErrorAsync(await SetAsync(tenant, uid, "second-secret-2"), 403, 1134);
        await Api.ExpectAsync(await SetAsync(tenant, uid, Api.Password), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Without_a_history_the_same_password_may_be_set_again_and_no_hash_is_kept()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, uid, a) = await Api.NewLoggedInAccountAsync(tenant);

        await Api.ExpectAsync(await ChangeAsync(tenant, Get(a, "access_token"), Api.Password, Api.Password), HttpStatusCode.OK);

        Assert.Empty((await fixture.StoredUserAsync(tenant, uid)).PasswordHistory);
    }
}
