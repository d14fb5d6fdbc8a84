using System.Net;
using System.Text.Json;
using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Each lockout type end to end through the gateway: what a locked account answers, what gets past the lock, what the
/// profile says, both unlock paths (administrator and self-service), the audit events, and runtime settings.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LockoutTypeTests(ClusterFixture fixture)
{
    private const string Pin = "7890";
    private const string WrongPin = "1111";
    private Api Api => fixture.Api;

    private sealed record Locked(TestTenant Tenant, string Email, string Uid, string Session, string AccessToken);

    private TenantSettings Settings(LockoutType type, int max = 3) => new()
    {
        Lockout = new LockoutPolicy { Type = type, MaxFailedAttempts = max },
        // These accounts save one answer: LoginRadius' one-answer rule (PinOrleans asks for two by default).
        SecurityQuestions = new SecurityQuestionPolicy { MinimumAnswers = 1 },
        BotProtection = new BotProtectionPolicy
        {
            Provider = BotProtectionProvider.ReCaptchaV2, Secret = FakeCaptchaProviders.Secret,
        },
    };

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    /// <summary>An account with a security answer, logged in (access token kept), then locked by wrong PINs.</summary>
    private async Task<Locked> LockedAccountAsync(TenantSettings settings)
    {
        var tenant = await fixture.NewTenantAsync(settings);
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}",
            """{"SecurityQuestionAnswer":{"q1":"Blue Whale"}}""", headers: Secret(tenant)), HttpStatusCode.OK);
        var session = login.GetProperty("session_token").GetString()!;
        for (var i = 0; i < settings.Lockout.MaxFailedAttempts; i++)
        {
            await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, WrongPin), 401, 1236);
        }

        return new Locked(tenant, email, uid, session, login.GetProperty("access_token").GetString()!);
    }

    private async Task<(bool IsLoginLocked, string LoginLockedType)> LockStateAsync(Locked account)
    {
        var profile = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}", headers: Secret(account.Tenant)), HttpStatusCode.OK);
        return (profile.GetProperty("IsLoginLocked").GetBoolean(), profile.GetProperty("LoginLockedType").GetString()!);
    }

    private Task<HttpResponseMessage> PinLoginAsync(Locked account, string pin, string query = "", object? extra = null)
    {
        var body = JsonSerializer.SerializeToNode(extra ?? new { })!.AsObject();
        body["pin"] = pin;
        return Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={account.Tenant.ApiKey}&session_token={account.Session}{query}", body.ToJsonString());
    }

    private Task<HttpResponseMessage> UnlockAsync(Locked account, object body) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/account/unlock?apikey={account.Tenant.ApiKey}&access_token={account.AccessToken}", JsonSerializer.Serialize(body));

    private bool Audited(string eventName, Locked account, string detail) => fixture.Logs.Lines.Any(line =>
        line.Contains("PinOrleans.Audit " + eventName, StringComparison.Ordinal) && line.Contains(account.Uid, StringComparison.Ordinal) && line.Contains(detail, StringComparison.Ordinal));

    [Fact]
    public async Task A_captcha_lockout_asks_every_attempt_for_a_solved_captcha_until_one_succeeds()
    {
        var account = await LockedAccountAsync(Settings(LockoutType.Captcha));
        Assert.Equal((true, "Captcha"), await LockStateAsync(account));
        Assert.True(Audited("AccountLocked", account, "Captcha (Threshold)"));

        await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin), 403, 1132);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), 403, 1132);
        // With a captcha, a wrong PIN still counts and the lock stays.
        await Api.ExpectErrorAsync(await PinLoginAsync(account, WrongPin, "&g-recaptcha-response=" + fixture.Captcha.IssueToken()), 401, 1236);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin), 403, 1132);
        Assert.Equal(4, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).FailedLoginAttempts);

        await Api.ExpectAsync(await PinLoginAsync(account, Pin, extra: new Dictionary<string, string> { ["g-recaptcha-response"] = fixture.Captcha.IssueToken() }), HttpStatusCode.OK);
        Assert.Equal((false, "None"), await LockStateAsync(account));
        Assert.True(Audited("AccountUnlocked", account, "Captcha lock lifted by Login"));
        await Api.ExpectAsync(await PinLoginAsync(account, Pin), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_security_question_lockout_asks_for_the_answer_and_wrong_answers_count()
    {
        var account = await LockedAccountAsync(Settings(LockoutType.SecurityQuestion, max: 2) with { Lockout = new LockoutPolicy { Type = LockoutType.SecurityQuestion, MaxFailedAttempts = 2 } });
        Assert.Equal((true, "SecurityQuestion"), await LockStateAsync(account));

        await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin), 403, 1148);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin, extra: new { securityanswer = new { q1 = "Orca" } }), 403, 1093);
        await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin, extra: new { securityanswer = new { q9 = "Blue Whale" } }), 403, 1094);
        // Wrong and unknown answers count toward the answers' own count; the PIN's stays where the lock left it.
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.Equal((2, 2), (stored.Failures[CredentialKind.SecurityAnswer].Count, stored.Failures[CredentialKind.Pin].Count));
        // The right answer with a wrong PIN: the PIN is what failed.
        await Api.ExpectErrorAsync(await PinLoginAsync(account, WrongPin, extra: new { securityanswer = new { q1 = "blue  whale" } }), 401, 1236);

        await Api.ExpectAsync(await PinLoginAsync(account, Pin, extra: new { securityanswer = new { q1 = "BLUE WHALE" } }), HttpStatusCode.OK);
        Assert.Equal((false, "None"), await LockStateAsync(account));
        Assert.Equal(0, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).ConsecutiveFailures);
    }

    [Fact]
    public async Task Self_service_unlock_lifts_captcha_and_security_question_locks_only()
    {
        var captcha = await LockedAccountAsync(Settings(LockoutType.Captcha));
        await Api.ExpectErrorAsync(await UnlockAsync(captcha, new { }), 403, 1132);
        await Api.ExpectErrorAsync(await UnlockAsync(captcha, new Dictionary<string, string> { ["g-recaptcha-response"] = "forged" }), 403, 1218);
        var unlocked = await Api.ExpectAsync(await UnlockAsync(captcha, new Dictionary<string, string> { ["g-recaptcha-response"] = fixture.Captcha.IssueToken() }), HttpStatusCode.OK);
        Assert.True(unlocked.GetProperty("IsPosted").GetBoolean());
        Assert.Equal((false, "None"), await LockStateAsync(captcha));
        Assert.True(Audited("AccountUnlocked", captcha, "by SelfService"));
        await Api.ExpectErrorAsync(await UnlockAsync(captcha, new Dictionary<string, string> { ["g-recaptcha-response"] = fixture.Captcha.IssueToken() }), 403, 1221);
        await Api.ExpectAsync(await PinLoginAsync(captcha, Pin), HttpStatusCode.OK);

        var question = await LockedAccountAsync(Settings(LockoutType.SecurityQuestion));
        await Api.ExpectErrorAsync(await UnlockAsync(question, new { }), 403, 1148);
        await Api.ExpectErrorAsync(await UnlockAsync(question, new { securityanswer = new { q1 = "Orca" } }), 403, 1093);
        await Api.ExpectAsync(await UnlockAsync(question, new { securityanswer = new { q1 = "Blue Whale" } }), HttpStatusCode.OK);
        await Api.ExpectAsync(await PinLoginAsync(question, Pin), HttpStatusCode.OK);

        var suspended = await LockedAccountAsync(Settings(LockoutType.Suspend));
        var refused = await Api.ExpectErrorAsync(await UnlockAsync(suspended, new Dictionary<string, string> { ["g-recaptcha-response"] = fixture.Captcha.IssueToken() }), 403, 1198);
        Assert.True(refused.GetProperty("Data").TryGetProperty("LoginLockedTimeout", out _));

        var blocked = await LockedAccountAsync(Settings(LockoutType.Block));
        Assert.Equal((true, "Block"), await LockStateAsync(blocked));
        await Api.ExpectErrorAsync(await UnlockAsync(blocked, new { securityanswer = new { q1 = "Blue Whale" } }), 403, 991);
        await Api.ExpectErrorAsync(await PinLoginAsync(blocked, Pin), 403, 991);
    }

    /// <summary>
    /// Suspend through the gateway: 1198 with <c>Data.LoginLockedTimeout</c>; each lock soon after the previous one
    /// doubles the period (60 s, 120 s, then 240 s capped at 180 s); the right PIN is refused while suspended and works after.
    /// </summary>
    [Fact]
    public async Task A_suspension_ends_by_itself_and_each_one_soon_after_the_last_doubles_up_to_the_maximum()
    {
        var before = fixture.Clock.GetUtcNow();
        var account = await LockedAccountAsync(new TenantSettings
        {
            Lockout = new LockoutPolicy { Type = LockoutType.Suspend, MaxFailedAttempts = 2, SuspendSeconds = 60, EscalationWindow = TimeSpan.FromMinutes(10), MaxSuspendSeconds = 180 },
        });
        foreach (var period in new[] { 60, 120, 180 })
        {
            var refused = await Api.ExpectErrorAsync(await PinLoginAsync(account, Pin), 403, 1198);
            var after = fixture.Clock.GetUtcNow();
            Assert.Equal((true, "Suspend"), await LockStateAsync(account));
            var until = DateTimeOffset.Parse(refused.GetProperty("Data").GetProperty("LoginLockedTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(until, before.AddSeconds(period), after.AddSeconds(period));
            fixture.Clock.AdvanceTo(until);
            if (period == 180)
            {
                break;
            }

            before = fixture.Clock.GetUtcNow();
            for (var i = 0; i < 2; i++)
            {
                await Api.ExpectErrorAsync(await PinLoginAsync(account, WrongPin), 401, 1236);
            }
        }

        await Api.ExpectAsync(await PinLoginAsync(account, Pin), HttpStatusCode.OK);
        Assert.Equal((false, "None"), await LockStateAsync(account));
    }

    [Fact]
    public async Task An_administrator_lifts_any_lock_and_it_is_audited()
    {
        foreach (var type in new[] { LockoutType.Captcha, LockoutType.SecurityQuestion, LockoutType.Block })
        {
            var account = await LockedAccountAsync(Settings(type));
            var body = type == LockoutType.Block ? """{"IsActive":true}""" : """{"IsLoginLocked":false}""";
            var profile = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}", body, headers: Secret(account.Tenant)), HttpStatusCode.OK);
            Assert.False(profile.GetProperty("IsLoginLocked").GetBoolean());
            Assert.Equal("None", profile.GetProperty("LoginLockedType").GetString());
            Assert.True(Audited("AccountUnlocked", account, $"{type} lock lifted by Administrator"));
            await Api.ExpectAsync(await PinLoginAsync(account, Pin), HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Lockout_and_bot_protection_settings_change_at_runtime_and_bad_ones_are_refused()
    {
        await using var gateway = new GatewayFactory(fixture, web => web.UseSetting("Gateway:TenantCacheSeconds", "0"));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        var url = $"/pinorleans/v1/tenant/settings?apikey={tenant.ApiKey}";
        Task<HttpResponseMessage> Change(string patch) => api.SendAsync(HttpMethod.Put, url, patch, headers: Secret(tenant));

        await Api.ExpectErrorAsync(await api.SendAsync(HttpMethod.Get, url), 403, 908);
        await Api.ExpectErrorAsync(await api.SendAsync(HttpMethod.Get, url, headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = "wrong" }), 401, 902);
        var before = await Api.ExpectAsync(await api.SendAsync(HttpMethod.Get, url, headers: Secret(tenant)), HttpStatusCode.OK);
        Assert.Equal(5, before.GetProperty("Lockout").GetProperty("MaxFailedAttempts").GetInt32());
        Assert.Equal("Suspend", before.GetProperty("Lockout").GetProperty("Type").GetString());

        var changed = await Api.ExpectAsync(await Change("""{"lockout":{"maxFailedAttempts":2,"type":"Block"}}"""), HttpStatusCode.OK);
        Assert.Equal(2, changed.GetProperty("Lockout").GetProperty("MaxFailedAttempts").GetInt32());
        Assert.Equal(900, changed.GetProperty("Lockout").GetProperty("SuspendSeconds").GetInt32()); // untouched

        var (_, session) = await api.AccountWithSessionAsync(tenant);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, WrongPin), 401, 1236);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, WrongPin), 401, 1236);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, Pin), 403, 991);

        // Refused, and nothing changes: a Captcha lockout without a provider, unknown names, wrong types.
        var noProvider = await Api.ExpectErrorAsync(await Change("""{"Lockout":{"Type":"Captcha"}}"""), 403, 1134);
        Assert.Contains("BotProtection:Provider", noProvider.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await Change("""{"Lockout":{"MaxFailedAttemps":3}}"""), 403, 1134);
        var forever = (await Api.ExpectErrorAsync(await Change("""{"Lockout":{"Type":"Forever"}}"""), 403, 1134)).GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString();
        Assert.Contains("'Lockout.Type'", forever, StringComparison.Ordinal);
        Assert.DoesNotContain("PinOrleans.", forever, StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await Change("""{"BotProtection":{"Provider":"HCaptcha"}}"""), 403, 1134);
        await Api.ExpectErrorAsync(await Change("""[1]"""), 400, 1079);
        Assert.Equal(LockoutType.Block, (await fixture.SnapshotAsync(tenant)).Settings.Lockout.Type);

        // Secrets are masked when shown; sending the mask back keeps the secret; null restores a default.
        var withCaptcha = await Api.ExpectAsync(await Change("""{"BotProtection":{"Provider":"ReCaptchaV2","Secret":"s3cret-value"},"Lockout":{"Type":"Captcha"}}"""), HttpStatusCode.OK);
        Assert.Equal(TenantSettingsJson.Masked, withCaptcha.GetProperty("BotProtection").GetProperty("Secret").GetString());
        await Api.ExpectAsync(await Change(withCaptcha.ToString()), HttpStatusCode.OK);
        Assert.Equal("s3cret-value", (await fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey).GetBotProtectionAsync())?.Secret);
        await Api.ExpectAsync(await Change("""{"Lockout":{"Type":null,"MaxFailedAttempts":null}}"""), HttpStatusCode.OK);
        Assert.Equal(new LockoutPolicy(), (await fixture.SnapshotAsync(tenant)).Settings.Lockout);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains("s3cret-value", StringComparison.Ordinal));
    }
}
