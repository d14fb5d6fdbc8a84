using System.Net;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Self-registration through the gateway (<c>POST /identity/v2/auth/register</c> and <c>/register/captcha</c>): the
/// verification flows and their answers, PINInfo as the tenant's PIN settings take it, the refusals, captchas, and the
/// login that an unverified address may not make.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RegistrationTests(ClusterFixture fixture)
{
    private const string Page = "https://app.example.com/verify";
    private Api Api => fixture.Api;

    private static TenantSettings Settings(RegistrationPolicy? registration = null, PinPolicy? pin = null, BotProtectionPolicy? bot = null) => new()
    {
        AllowedDomains = ["app.example.com"],
        Registration = registration ?? new RegistrationPolicy(),
        Recovery = new RecoveryPolicy { VerificationUrl = Page },
        Pin = pin ?? new PinPolicy(),
        BotProtection = bot ?? new BotProtectionPolicy(),
    };

    private static string NewEmail() => $"{Guid.NewGuid():N}@example.com";

    private static string NewPhone() => "+1555" + Random.Shared.Next(1_000_000, 9_999_999);

    private static object ByEmail(string email, object? pinInfo = null, string password = Api.Password) => pinInfo is null
        ? new { Email = new[] { new { Type = "Primary", Value = email } }, Password = password, FirstName = "Jane" }
        : new { Email = new[] { new { Type = "Primary", Value = email } }, Password = password, FirstName = "Jane", PINInfo = pinInfo };

    private Task<HttpResponseMessage> RegisterAsync(TestTenant tenant, object body, string query = "", string path = "register") =>
        Api.PostAsync($"/identity/v2/auth/{path}?apikey={tenant.ApiKey}{query}", body, path == "register" ? Sott(fixture, tenant) : null);

    /// <summary>A live SOTT of <paramref name="tenant"/> in its header, as an SDK makes it from the API key and secret.</summary>
    internal static Dictionary<string, string> Sott(ClusterFixture fixture, TestTenant tenant)
    {
        var now = fixture.Clock.GetUtcNow();
        return new()
        {
            [SecureOneTimeToken.Header] = SecureOneTimeToken.Make(SecureOneTimeToken.DeriveKey(tenant.ApiSecret), tenant.ApiKey, now, now.AddMinutes(10)),
        };
    }

    [Fact]
    public async Task Registration_needs_a_live_sott_of_the_tenant()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var other = await fixture.NewTenantAsync(Settings());
        var email = NewEmail();
        var missing = await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}", ByEmail(email)), 400, 1048);
        Assert.Contains("(SOTT) is required", missing.GetProperty("Description").GetString(), StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}", ByEmail(email), Sott(fixture, other)), 403, 1049);
        Assert.False(await ExistsAsync(tenant, email));
        // Not single-use: the same SOTT registers again.
        var sott = Sott(fixture, tenant);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}", ByEmail(email), sott), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}", ByEmail(NewEmail()), sott), HttpStatusCode.OK);
    }

    private Task<HttpResponseMessage> PasswordLoginAsync(TestTenant tenant, object body) =>
        Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", body);

    private async Task<bool> ExistsAsync(TestTenant tenant, string email) =>
        (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/email?apikey={tenant.ApiKey}&email={Uri.EscapeDataString(email)}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK)).GetProperty("IsExist").GetBoolean();

    [Fact]
    public async Task Under_the_optional_flow_registration_answers_the_profile_unverified_and_tokens_that_work()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var email = NewEmail();

        var answer = await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email)), HttpStatusCode.OK);

        Assert.True(answer.GetProperty("IsPosted").GetBoolean());
        var data = answer.GetProperty("Data");
        var profile = data.GetProperty("Profile");
        Assert.Equal(email, profile.GetProperty("Email")[0].GetProperty("Value").GetString());
        Assert.Equal("Jane", profile.GetProperty("FirstName").GetString());
        Assert.False(profile.GetProperty("EmailVerified").GetBoolean());
        Assert.False(profile.TryGetProperty("Password", out _));
        var token = data.GetProperty("access_token").GetString()!;
        Assert.True(Guid.TryParse(token, out _));
        Assert.True(Guid.TryParse(data.GetProperty("refresh_token").GetString(), out _));
        await Api.ExpectAsync(await Api.Http.GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={token}"), HttpStatusCode.OK);

        // The optional flow lets the unverified address log in; the registration's identifiers are taken.
        await Api.ExpectAsync(await PasswordLoginAsync(tenant, new { email, password = Api.Password }), HttpStatusCode.OK);
        Assert.True(await ExistsAsync(tenant, email));
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(email.ToUpperInvariant())), 403, 936);
    }

    [Fact]
    public async Task A_registrant_cannot_mark_its_own_address_verified()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var answer = await Api.ExpectAsync(await RegisterAsync(tenant, new
        {
            Email = new[] { new { Type = "Primary", Value = NewEmail() } },
            Password = Api.Password,
            EmailVerified = true,
            PhoneIdVerified = true,
            PhoneId = NewPhone(),
        }), HttpStatusCode.OK);
        var profile = answer.GetProperty("Data").GetProperty("Profile");
        Assert.False(profile.GetProperty("EmailVerified").GetBoolean());
        Assert.False(profile.GetProperty("PhoneIdVerified").GetBoolean());
    }

    [Fact]
    public async Task Under_the_mandatory_flow_registration_answers_only_is_posted_and_login_waits_for_the_verification()
    {
        var tenant = await fixture.NewTenantAsync(Settings(new RegistrationPolicy { EmailVerification = VerificationFlow.Mandatory }));
        var email = NewEmail();

        var answer = await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email)), HttpStatusCode.OK);
        Assert.Equal("""{"IsPosted":true}""", answer.GetRawText());

        // 970 only once the password was right: a wrong one answers 966 as it would for anyone.
        await Api.ExpectErrorAsync(await PasswordLoginAsync(tenant, new { email, password = "wrong-password-1" }), 401, 966);
        await Api.ExpectErrorAsync(await PasswordLoginAsync(tenant, new { email, password = Api.Password }), 403, 970);
        var uid = (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account?apikey={tenant.ApiKey}&email={email}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK)).GetProperty("Uid").GetString()!;
        // A refused login is not a login, and the right password is not a failure.
        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal((0, 1), (stored.NoOfLogins, stored.FailedLoginAttempts));

        // Verified (here by the management API), the same login goes through.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"EmailVerified": true}""",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        await Api.ExpectAsync(await PasswordLoginAsync(tenant, new { email, password = Api.Password }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Registration_by_phone_needs_no_email_and_a_mandatory_phone_flow_answers_1066_at_login()
    {
        var tenant = await fixture.NewTenantAsync(Settings(new RegistrationPolicy { PhoneVerification = VerificationFlow.Mandatory }));
        var phone = NewPhone();

        var answer = await Api.ExpectAsync(await RegisterAsync(tenant, new { PhoneId = phone, Password = Api.Password }), HttpStatusCode.OK);
        Assert.Equal("""{"IsPosted":true}""", answer.GetRawText());
        await Api.ExpectErrorAsync(await PasswordLoginAsync(tenant, new { phone, password = Api.Password }), 403, 1066);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, new { PhoneId = phone, Password = Api.Password }), 403, 1058);

        // Neither an e-mail address nor a phone number: the e-mail address is what is missing.
        var missing = await Api.ExpectErrorAsync(await RegisterAsync(tenant, new { Password = Api.Password }), 403, 1134);
        Assert.Contains(missing.GetProperty("Errors").EnumerateArray(), e => e.GetProperty("FieldName").GetString() == "Email");
    }

    [Fact]
    public async Task Refusals_come_with_loginradius_codes_and_a_refused_link_creates_nothing()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var taken = NewEmail();
        var userName = "u" + Guid.NewGuid().ToString("N");
        await Api.ExpectAsync(await RegisterAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = taken } }, Password = Api.Password, UserName = userName }), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await RegisterAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = NewEmail() } }, Password = Api.Password, UserName = userName }), 403, 1017);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = NewEmail() } } }), 403, 1134);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = "not-an-address" } }, Password = Api.Password }), 403, 1134);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/register?apikey={tenant.ApiKey}", "[1]", headers: Sott(fixture, tenant)), 400, 965);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(NewEmail()), "&options=SendEverything"), 403, 908);

        var refused = NewEmail();
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(refused), "&verificationurl=https://evil.example.net/verify"), 403, 1249);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(refused), "&verificationurl=http://app.example.com/verify"), 403, 1249);
        Assert.False(await ExistsAsync(tenant, refused));
        await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(refused), "&verificationurl=https://app.example.com/other?x=1&options=PreventVerificationEmail"), HttpStatusCode.OK);

        // A tenant without a verification page refuses a registration that would send a link (and none that would not).
        var noPage = await fixture.NewTenantAsync(new TenantSettings());
        await Api.ExpectErrorAsync(await RegisterAsync(noPage, ByEmail(NewEmail())), 403, 1249);
        await Api.ExpectAsync(await RegisterAsync(noPage, ByEmail(NewEmail()), "&options=PreventVerificationEmail"), HttpStatusCode.OK);

        var closed = await fixture.NewTenantAsync(Settings(new RegistrationPolicy { Enabled = false }));
        await Api.ExpectErrorAsync(await RegisterAsync(closed, ByEmail(NewEmail())), 403, 1190);
    }

    [Fact]
    public async Task PinInfo_is_taken_only_when_the_tenant_asks_for_a_pin_at_registration()
    {
        var notAsked = await fixture.NewTenantAsync(Settings());
        var error = await Api.ExpectErrorAsync(await RegisterAsync(notAsked, ByEmail(NewEmail(), new { PIN = "1357" })), 403, 1134);
        Assert.Equal("PINInfo.PIN", error.GetProperty("Errors")[0].GetProperty("FieldName").GetString());

        var asked = await fixture.NewTenantAsync(Settings(pin: new PinPolicy { AskOnRegistration = true }));
        var email = NewEmail();
        var data = (await Api.ExpectAsync(await RegisterAsync(asked, ByEmail(email, new { PIN = "1357" })), HttpStatusCode.OK)).GetProperty("Data");
        Assert.False(data.GetProperty("Profile").GetProperty("PIN").GetProperty("Skipped").GetBoolean());
        // The registration's PIN session logs in with the PIN at once.
        var session = data.GetProperty("session_token").GetString()!;
        await Api.ExpectAsync(await Api.PinLoginAsync(asked, session, "1357"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await RegisterAsync(asked, ByEmail(NewEmail(), new { PIN = "12" })), 403, 1134);

        var skipped = (await Api.ExpectAsync(await RegisterAsync(asked, ByEmail(NewEmail(), new { Skipped = true })), HttpStatusCode.OK)).GetProperty("Data");
        Assert.True(skipped.GetProperty("Profile").GetProperty("PIN").GetProperty("Skipped").GetBoolean());

        // A mandatory PIN must come with the registration; without AskOnRegistration it is set after it (PINAuthToken).
        var required = await fixture.NewTenantAsync(Settings(pin: new PinPolicy { AskOnRegistration = true, IsRequired = true }));
        await Api.ExpectErrorAsync(await RegisterAsync(required, ByEmail(NewEmail(), new { Skipped = true })), 403, 1234);
        await Api.ExpectErrorAsync(await RegisterAsync(required, ByEmail(NewEmail())), 403, 1234);
        var later = await fixture.NewTenantAsync(Settings(pin: new PinPolicy { IsRequired = true }));
        var pinLater = (await Api.ExpectAsync(await RegisterAsync(later, ByEmail(NewEmail())), HttpStatusCode.OK)).GetProperty("Data");
        Assert.True(Guid.TryParse(pinLater.GetProperty("PINAuthToken").GetString(), out _));
        Assert.False(pinLater.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Registration_by_captcha_verifies_the_answer_with_the_tenants_provider()
    {
        var recaptcha = new BotProtectionPolicy { Provider = BotProtectionProvider.ReCaptchaV2, Secret = FakeCaptchaProviders.Secret };
        var tenant = await fixture.NewTenantAsync(Settings(bot: recaptcha));

        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(NewEmail()), path: "register/captcha"), 403, 1132);
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, ByEmail(NewEmail()), "&g-recaptcha-response=made-up", "register/captcha"), 403, 1218);
        var token = fixture.Captcha.IssueToken();
        var email = NewEmail();
        var body = new Dictionary<string, object>
        {
            ["Email"] = new[] { new { Type = "Primary", Value = email } }, ["Password"] = Api.Password, ["g-recaptcha-response"] = token,
        };
        await Api.ExpectAsync(await RegisterAsync(tenant, body, path: "register/captcha"), HttpStatusCode.OK);
        Assert.True(await ExistsAsync(tenant, email));
        // A captcha is single-use.
        body["Email"] = new[] { new { Type = "Primary", Value = NewEmail() } };
        await Api.ExpectErrorAsync(await RegisterAsync(tenant, body, path: "register/captcha"), 403, 1218);

        // Without a provider the route cannot be used at all; with RequireCaptcha plain registration needs one too.
        var none = await fixture.NewTenantAsync(Settings());
        await Api.ExpectErrorAsync(await RegisterAsync(none, ByEmail(NewEmail()), "&g-recaptcha-response=" + fixture.Captcha.IssueToken(), "register/captcha"), 403, 909);
        var strict = await fixture.NewTenantAsync(Settings(new RegistrationPolicy { RequireCaptcha = true }, bot: recaptcha));
        await Api.ExpectErrorAsync(await RegisterAsync(strict, ByEmail(NewEmail())), 403, 1132);
        await Api.ExpectAsync(await RegisterAsync(strict, ByEmail(NewEmail()), "&g-recaptcha-response=" + fixture.Captcha.IssueToken()), HttpStatusCode.OK);
    }
}
