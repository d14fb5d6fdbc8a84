using System.Net;
using System.Text.Json;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>The LoginRadius journey over HTTP: create an account, log in with the password, then with the PIN.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PinLoginApiTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    [Fact]
    public async Task Create_password_login_and_pin_login_answer_in_loginradius_shapes()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@Example.com";

        var profile = await Api.CreateAccountAsync(tenant, email);
        Assert.Matches("^[0-9a-f]{32}$", profile.GetProperty("Uid").GetString());
        Assert.Equal(email, profile.GetProperty("Email")[0].GetProperty("Value").GetString());
        Assert.False(profile.TryGetProperty("Password", out _));
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("PIN").GetProperty("PIN").ValueKind);
        Assert.Equal("0001-01-01T00:00:00", profile.GetProperty("LastLoginDate").GetString());

        var login = await Api.LoginAsync(tenant, email.ToUpperInvariant());
        AssertGuid(login, "access_token");
        AssertGuid(login, "refresh_token");
        var session = AssertGuid(login, "session_token");
        var accessExpiry = AssertIsoUtc(login, "expires_in");
        var sessionExpiry = AssertIsoUtc(login, "session_expires_in");
        Assert.InRange(accessExpiry - fixture.Clock.GetUtcNow(), TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.5));
        Assert.InRange(sessionExpiry - fixture.Clock.GetUtcNow(), TimeSpan.FromDays(6.99), TimeSpan.FromDays(7.01));

        var pinLogin = await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        AssertGuid(pinLogin, "access_token");
        AssertGuid(pinLogin, "refresh_token");
        AssertIsoUtc(pinLogin, "expires_in");
        Assert.NotEqual(login.GetProperty("access_token").GetString(), pinLogin.GetProperty("access_token").GetString());
        var pinProfile = pinLogin.GetProperty("Profile");
        Assert.Equal(profile.GetProperty("Uid").GetString(), pinProfile.GetProperty("Uid").GetString());
        Assert.Equal(2, pinProfile.GetProperty("NoOfLogins").GetInt32());
        AssertIsoUtc(pinProfile, "LastLoginDate");
        Assert.False(pinProfile.GetProperty("IsLoginLocked").GetBoolean());
        Assert.Equal("None", pinProfile.GetProperty("LoginLockedType").GetString());
    }

    [Fact]
    public async Task Sdk_spellings_are_all_accepted()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);

        // Node SDK: apiKey, lower-case pin; docs: apikey, PIN; Android: odd path casing; header API key; numeric PIN.
        var variants = new (string Url, string Body, Dictionary<string, string>? Headers)[]
        {
            ($"/identity/v2/auth/login/pin?apiKey={tenant.ApiKey}&session_token={session}", """{"pin":"7890"}""", null),
            ($"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&Session_Token={session}", """{"PIN":"7890"}""", null),
            ($"/IDENTITY/v2/Auth/Login/PIN?APIKEY={tenant.ApiKey.ToUpperInvariant()}&session_token={session.ToUpperInvariant()}", """{"Pin":"7890"}""", null),
            ($"/identity/v2/auth/login/pin?session_token={session}&prevent_webhook=true&g-recaptcha-response=x&qq_captcha_ticket=t&qq_captcha_randstr=r&h-captcha-response=h&g_recaptcha_response=g",
                """{"pin":7890}""", new() { ["X-LoginRadius-ApiKey"] = tenant.ApiKey, ["X-PreventWebhook"] = "true" }),
        };

        foreach (var (url, body, headers) in variants)
        {
            await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, url, body, headers: headers), HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task Missing_api_key_and_session_token_are_908_naming_the_parameter()
    {
        var tenant = await fixture.NewTenantAsync();

        var noKey = await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login/pin?session_token={Guid.NewGuid()}", new { pin = "1234" }), 403, 908);
        Assert.Equal("The apikey is a required parameter.", noKey.GetProperty("Description").GetString());

        var noSession = await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}", new { pin = "1234" }), 403, 908);
        Assert.Equal("The session_token is a required parameter.", noSession.GetProperty("Description").GetString());
    }

    [Fact]
    public async Task Unknown_key_expired_trial_and_bad_sessions_are_refused_with_their_codes()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var trial = await fixture.NewTenantAsync(new TenantSettings { Plan = new TenantPlan { Name = "Trial", TrialExpiresAt = fixture.Clock.GetUtcNow().AddDays(-1) } });

        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant with { ApiKey = Guid.NewGuid().ToString() }, session, "7890"), 403, 901);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant with { ApiKey = "not-a-key" }, session, "7890"), 403, 901);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(trial, session, "7890"), 403, 6003);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, Guid.NewGuid().ToString(), "7890"), 403, 1245);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, "not-a-guid", "7890"), 403, 1245);

        // Another tenant's session is not this tenant's.
        var other = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(other, session, "7890"), 403, 1245);
    }

    [Fact]
    public async Task Revoked_and_expired_sessions_are_1245_and_1246()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, session) = await Api.AccountWithSessionAsync(tenant);
        await fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(session)!).RevokeAsync();
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "7890"), 403, 1245);

        var uid = (await Api.LoginAsync(tenant, email)).GetProperty("Profile").GetProperty("Uid").GetString()!;
        var expired = SecretToken.New();
        var past = fixture.Clock.GetUtcNow().AddDays(-8);
        await fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(expired)!).StartAsync(new TokenGrant(tenant.ApiKey, uid, past, past.AddDays(7)));
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, expired, "7890"), 403, 1246);
    }

    [Fact]
    public async Task Pin_missing_not_set_disabled_and_wrong_have_their_codes()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var (_, noPinSession) = await Api.AccountWithSessionAsync(tenant, pin: null);
        var disabled = await fixture.NewTenantAsync(new TenantSettings { Pin = new PinPolicy { PINLogin = false } });
        var (_, disabledSession) = await Api.AccountWithSessionAsync(disabled);

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}", "{}"), 403, 1234);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}"), 403, 1234);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, ""), 403, 1234);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, noPinSession, "7890"), 403, 1235);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(disabled, disabledSession, "7890"), 403, 1244);
        var wrong = await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        Assert.Equal("Please use a valid PIN for the Authentication", wrong.GetProperty("Description").GetString());
        Assert.Equal("Invalid PIN", wrong.GetProperty("Message").GetString());
    }

    [Fact]
    public async Task A_locked_account_answers_1198_with_the_unlock_time_and_the_profile_shows_the_lock()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, session) = await Api.AccountWithSessionAsync(tenant);
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        }

        var locked = await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "7890"), 403, 1198);
        var until = DateTimeOffset.Parse(locked.GetProperty("Data").GetProperty("LoginLockedTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(until - fixture.Clock.GetUtcNow(), TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));
        // The password login is refused too, answered as a wrong password (uniform answers: no account shows by its lock).
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = Api.Password }), 401, 966);
    }

    [Fact]
    public async Task Password_login_errors_and_lockout()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        await Api.CreateAccountAsync(tenant, email);

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = "nobody@example.com", password = "whatever1" }), 401, 966);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email }), 403, 1134);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { password = "whatever1" }), 403, 1134);
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = "wrong-password" }), 401, 966);
        }

        // Locked: even the right password is refused, as a wrong one is (LoginRadius' 1198 with UniformAnswers=false).
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = Api.Password }), 401, 966);
        var distinct = await fixture.NewTenantAsync(new TenantSettings { UniformAnswers = false });
        await Api.CreateAccountAsync(distinct, email);
        for (var i = 0; i < 5; i++)
        {
            await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={distinct.ApiKey}", new { email, password = "wrong-password" }), 401, 966);
        }

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={distinct.ApiKey}", new { email, password = Api.Password }), 403, 1198);
    }

    [Fact]
    public async Task Account_creation_checks_the_secret_uniqueness_and_the_schema()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var url = $"/identity/v2/manage/account?apikey={tenant.ApiKey}";
        object Body(string address, string password = Api.Password, string pin = "1234") =>
            new { Email = new[] { new { Type = "Primary", Value = address } }, Password = password, PINInfo = new { PIN = pin } };

        await Api.ExpectErrorAsync(await Api.PostAsync(url, Body(email)), 403, 908);
        await Api.ExpectErrorAsync(await Api.PostAsync(url, Body(email), new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = "wrong" }), 401, 902);
        await Api.ExpectAsync(await Api.PostAsync($"{url}&apisecret={tenant.ApiSecret}", Body(email)), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.PostAsync($"{url}&apisecret={tenant.ApiSecret}", Body(email.ToUpperInvariant())), 403, 936);

        var weak = await Api.ExpectErrorAsync(await Api.PostAsync($"{url}&apisecret={tenant.ApiSecret}", Body($"{Guid.NewGuid():N}@example.com", password: "123", pin: "12")), 403, 1134);
        var fields = weak.GetProperty("Errors").EnumerateArray().Select(e => e.GetProperty("FieldName").GetString()).ToArray();
        Assert.Contains("Password", fields);
        Assert.Contains("PIN", fields);
        await Api.ExpectErrorAsync(await Api.PostAsync($"{url}&apisecret={tenant.ApiSecret}", Body("not-an-email")), 403, 1134);
        await Api.ExpectErrorAsync(await Api.PostAsync($"{url}&apisecret={tenant.ApiSecret}", Body($"{Guid.NewGuid():N}@example.com", pin: "12ab")), 403, 1134);
    }

    [Fact]
    public async Task Profile_fields_are_kept_and_returned_under_their_loginradius_names()
    {
        var tenant = await fixture.NewTenantAsync();
        var body = $$"""
            {"email":[{"type":"Primary","value":"{{Guid.NewGuid():N}}@example.com"}],"password":"{{Api.Password}}",
             "firstname":"Zoë","LastName":"Ångström","Country":{"Code":"SE","Name":"Sweden"},"CustomFields":{"tier":"gold"},"UserName":"zoe{{Guid.NewGuid():N}}"}
            """;
        var profile = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/manage/account?apikey={tenant.ApiKey}", body,
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);

        Assert.Equal("Zoë", profile.GetProperty("FirstName").GetString());
        Assert.Equal("Ångström", profile.GetProperty("LastName").GetString());
        Assert.Equal("SE", profile.GetProperty("Country").GetProperty("Code").GetString());
        Assert.Equal("gold", profile.GetProperty("CustomFields").GetProperty("tier").GetString());
        Assert.StartsWith("zoe", profile.GetProperty("UserName").GetString());
        Assert.Equal(JsonValueKind.Null, profile.GetProperty("PIN").ValueKind);
    }

    [Fact]
    public async Task Health_endpoints_report_liveness_and_cluster_readiness()
    {
        var live = await Api.ExpectAsync(await Api.Http.GetAsync("/health/live"), HttpStatusCode.OK);
        Assert.Equal("Healthy", live.GetProperty("Status").GetString());
        var ready = await Api.ExpectAsync(await Api.Http.GetAsync("/health/ready"), HttpStatusCode.OK);
        Assert.Equal("Healthy", ready.GetProperty("Checks").GetProperty("cluster").GetString());
    }

    private static string AssertGuid(JsonElement json, string name)
    {
        var value = json.GetProperty(name).GetString()!;
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", value);
        return value;
    }

    private static DateTimeOffset AssertIsoUtc(JsonElement json, string name)
    {
        var value = json.GetProperty(name).GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$", value);
        return DateTimeOffset.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
