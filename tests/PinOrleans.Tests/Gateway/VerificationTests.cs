using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// E-mail and phone verification through the gateway, with the links and OTPs read from what was really delivered
/// (SMTP to a loopback server, SMS to a loopback Twilio-compatible API): registration's messages, verification by
/// link and by OTP, resending, the welcome e-mail, and the management route's verification token.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class VerificationTests(ClusterFixture fixture)
{
    private const string Page = "https://app.example.com/verify";
    private Api Api => fixture.Api;

    private static TenantSettings Settings(RegistrationPolicy? registration = null, bool uniform = false, LockoutPolicy? lockout = null) => new()
    {
        AllowedDomains = ["app.example.com"],
        // Most of these tests check LoginRadius' distinct codes; the uniform answers are checked where named.
        UniformAnswers = uniform,
        Registration = registration ?? new RegistrationPolicy { EmailVerification = VerificationFlow.Mandatory, PhoneVerification = VerificationFlow.Mandatory },
        Recovery = new RecoveryPolicy { VerificationUrl = Page },
        Lockout = lockout ?? new LockoutPolicy(),
    };

    private static string NewEmail() => $"{Guid.NewGuid():N}@example.com";

    private static string NewPhone() => "+1555" + Random.Shared.Next(1_000_000, 9_999_999);

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private Task<HttpResponseMessage> RegisterAsync(TestTenant tenant, object body, string query = "") =>
        Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}{query}", body, RegistrationTests.Sott(fixture, tenant));

    private static object ByEmail(string email, string? phone = null) => phone is null
        ? new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, FirstName = "Jane" }
        : new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, FirstName = "Jane", PhoneId = phone };

    /// <summary>Registers by e-mail and reads the verification e-mail.</summary>
    private async Task<MimeKit.MimeMessage> RegisteredMailAsync(TestTenant tenant, string email, string query = "")
    {
        var before = fixture.Mail.CountTo(email);
        await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email), query), HttpStatusCode.OK);
        return await fixture.Mail.LatestToAsync(email, before);
    }

    private Task<HttpResponseMessage> VerifyAsync(TestTenant tenant, string token, string query = "") =>
        Api.Http.GetAsync($"/identity/v2/auth/email?apikey={tenant.ApiKey}&verificationtoken={token}{query}");

    private Task<HttpResponseMessage> VerifyByOtpAsync(TestTenant tenant, string email, string otp) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/email?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { email, otp }));

    private Task<HttpResponseMessage> ResendAsync(TestTenant tenant, string email, string query = "") =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/register?apikey={tenant.ApiKey}{query}", JsonSerializer.Serialize(new { email }));

    private Task<HttpResponseMessage> LoginAsync(TestTenant tenant, object body) => Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", body);

    private async Task<string> UidAsync(TestTenant tenant, string email) =>
        (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account?apikey={tenant.ApiKey}&email={email}", headers: Secret(tenant)), HttpStatusCode.OK))
            .GetProperty("Uid").GetString()!;

    /// <summary>The next SMS to <paramref name="phone"/> after <paramref name="before"/> of them, and its six-digit OTP.</summary>
    private async Task<(FakeTwilio.Delivered Sms, string Otp)> SmsAfterAsync(string phone, int before)
    {
        var sms = await Eventually.UntilAsync(() => Task.FromResult(fixture.Sms.Sent.Where(d => d.To == phone).Skip(before).LastOrDefault()), found => found is not null, TimeSpan.FromSeconds(10), _ => $"no SMS to {phone}");
        return (sms!, Regex.Match(sms!.Body!, @"\d{6}").Value);
    }

    private int SmsCount(string phone) => fixture.Sms.Sent.Count(d => d.To == phone);

    [Fact]
    public async Task Registration_e_mails_a_link_to_verificationurl_whose_token_verifies_the_address_once()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var email = NewEmail();

        var mail = await RegisteredMailAsync(tenant, email, "&verificationurl=https://app.example.com/welcome?lang=en");
        Assert.Contains("Jane", mail.TextBody, StringComparison.Ordinal);
        var token = MailCatcher.ResetTokenOf(mail);
        Assert.Contains($"https://app.example.com/welcome?lang=en&vtype=emailverification&vtoken={token}", mail.TextBody, StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await LoginAsync(tenant, new { email, password = Api.Password }), 403, 970);

        // Without auto login the answer is IsPosted alone; the address is verified and the login goes through.
        Assert.Equal("""{"IsPosted":true}""", (await Api.ExpectAsync(await VerifyAsync(tenant, token, "&url=https://app.example.com"), HttpStatusCode.OK)).GetRawText());
        await Api.ExpectAsync(await LoginAsync(tenant, new { email, password = Api.Password }), HttpStatusCode.OK);
        Assert.True((await fixture.StoredUserAsync(tenant, await UidAsync(tenant, email))).EmailVerified);

        await Api.ExpectErrorAsync(await VerifyAsync(tenant, token), 403, 974);
        // The e-mail's OTP belonged to the same message: spent with it.
        await Api.ExpectErrorAsync(await VerifyByOtpAsync(tenant, email, MailCatcher.OtpOf(mail)), 403, 1068);
        await Api.ExpectErrorAsync(await ResendAsync(tenant, email), 403, 1025);
    }

    [Fact]
    public async Task With_auto_login_verifying_answers_the_profile_and_tokens_and_the_welcome_email_follows()
    {
        var tenant = await fixture.NewTenantAsync(Settings(new RegistrationPolicy
        {
            EmailVerification = VerificationFlow.Mandatory, AutoLoginAfterVerification = true, WelcomeEmail = true,
        }) with { Recovery = new RecoveryPolicy { VerificationUrl = Page, EmailTemplates = { ["hello"] = new EmailTemplate { Subject = "Hello from {{AppName}}", Text = "Hi {{Name}}" } } } });
        var email = NewEmail();
        var token = MailCatcher.ResetTokenOf(await RegisteredMailAsync(tenant, email));
        var before = fixture.Mail.CountTo(email);

        var data = (await Api.ExpectAsync(await VerifyAsync(tenant, token, "&welcomeemailtemplate=hello"), HttpStatusCode.OK)).GetProperty("Data");
        Assert.True(data.GetProperty("Profile").GetProperty("EmailVerified").GetBoolean());
        var accessToken = data.GetProperty("access_token").GetString()!;
        await Api.ExpectAsync(await Api.Http.GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={accessToken}"), HttpStatusCode.OK);
        var welcome = await fixture.Mail.LatestToAsync(email, before);
        Assert.Equal("Hi Jane", welcome.TextBody?.Trim());

        // The welcome e-mail on request, with the access token, in the built-in template.
        var again = fixture.Mail.CountTo(email);
        await Api.ExpectAsync(await Api.Http.GetAsync($"/identity/v2/auth/account/sendwelcomeemail?apikey={tenant.ApiKey}&access_token={accessToken}"), HttpStatusCode.OK);
        Assert.Contains("Welcome to", (await fixture.Mail.LatestToAsync(email, again)).Subject, StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await Api.Http.GetAsync($"/identity/v2/auth/account/sendwelcomeemail?apikey={tenant.ApiKey}"), 400, 1060);
        await Api.ExpectErrorAsync(await Api.Http.GetAsync($"/identity/v2/auth/account/sendwelcomeemail?apikey={tenant.ApiKey}&access_token={Guid.NewGuid()}"), 403, 905);
    }

    [Fact]
    public async Task Verification_by_otp_counts_wrong_codes_and_spends_the_right_one_once()
    {
        var tenant = await fixture.NewTenantAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 3 }));
        var email = NewEmail();
        var mail = await RegisteredMailAsync(tenant, email);
        var otp = MailCatcher.OtpOf(mail);
        var uid = await UidAsync(tenant, email);

        await Api.ExpectErrorAsync(await VerifyByOtpAsync(tenant, email, otp == "000000" ? "111111" : "000000"), 403, 1067);
        Assert.Equal(1, (await fixture.StoredUserAsync(tenant, uid)).Failures[CredentialKind.ResetSecret].Count);
        var answer = await Api.ExpectAsync(await VerifyByOtpAsync(tenant, email, otp), HttpStatusCode.OK);
        Assert.Equal("""{"IsPosted":true}""", answer.GetRawText());
        Assert.True((await fixture.StoredUserAsync(tenant, uid)).EmailVerified);
        await Api.ExpectErrorAsync(await VerifyByOtpAsync(tenant, email, otp), 403, 1068);

        await Api.ExpectErrorAsync(await VerifyByOtpAsync(tenant, NewEmail(), "123456"), 403, 1023);
        await Api.ExpectErrorAsync(await VerifyByOtpAsync(tenant, email, ""), 403, 1134);

        // With uniform answers an unknown address answers as a wrong OTP does.
        var uniform = await fixture.NewTenantAsync(Settings(uniform: true));
        await Api.ExpectErrorAsync(await VerifyByOtpAsync(uniform, NewEmail(), "123456"), 403, 1067);
    }

    [Fact]
    public async Task Tokens_that_are_malformed_unknown_wrong_or_replaced_are_refused_and_a_wrong_secret_counts()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var email = NewEmail();
        var first = MailCatcher.ResetTokenOf(await RegisteredMailAsync(tenant, email));
        var uid = await UidAsync(tenant, email);

        await Api.ExpectErrorAsync(await VerifyAsync(tenant, "not-a-token"), 403, 1063);
        await Api.ExpectErrorAsync(await VerifyAsync(tenant, new string('a', 48)), 403, 1063);
        await Api.ExpectErrorAsync(await VerifyAsync(tenant, first[..16] + new string('0', 32)), 403, 1063);
        Assert.Equal(1, (await fixture.StoredUserAsync(tenant, uid)).Failures[CredentialKind.ResetSecret].Count);
        // Another tenant's key does not find the link.
        var other = await fixture.NewTenantAsync(Settings());
        await Api.ExpectErrorAsync(await VerifyAsync(other, first), 403, 1063);

        // A resend replaces the link (979 for the old one); a refused page sends nothing.
        await Api.ExpectErrorAsync(await ResendAsync(tenant, email, "&verificationurl=https://evil.example.net/"), 403, 1249);
        var before = fixture.Mail.CountTo(email);
        await Api.ExpectAsync(await ResendAsync(tenant, email), HttpStatusCode.OK);
        var second = MailCatcher.ResetTokenOf(await fixture.Mail.LatestToAsync(email, before));
        Assert.Equal(before + 1, fixture.Mail.CountTo(email));
        await Api.ExpectErrorAsync(await VerifyAsync(tenant, first), 403, 979);
        await Api.ExpectAsync(await VerifyAsync(tenant, second), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await ResendAsync(tenant, NewEmail()), 403, 1023);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/register?apikey={tenant.ApiKey}", "{}"), 403, 1134);
        // With uniform answers an unknown or verified address answers IsPosted as a sent one does.
        var uniform = await fixture.NewTenantAsync(Settings(uniform: true));
        await Api.ExpectAsync(await ResendAsync(uniform, NewEmail()), HttpStatusCode.OK);
    }

    [Fact]
    public async Task PreventVerificationEmail_sends_nothing_under_the_optional_flow()
    {
        var tenant = await fixture.NewTenantAsync(Settings(new RegistrationPolicy()));
        var email = NewEmail();
        await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email), "&options=PreventVerificationEmail"), HttpStatusCode.OK);

        // The first e-mail the address gets is the one asked for afterwards.
        await Api.ExpectAsync(await ResendAsync(tenant, email), HttpStatusCode.OK);
        await fixture.Mail.LatestToAsync(email);
        Assert.Equal(1, fixture.Mail.CountTo(email));
    }

    [Fact]
    public async Task Registration_by_phone_sends_an_otp_that_verifies_the_phone_and_logs_in()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var phone = NewPhone();
        await Api.ExpectAsync(await RegisterAsync(tenant, new { PhoneId = phone, Password = Api.Password }), HttpStatusCode.OK);
        var (_, otp) = await SmsAfterAsync(phone, 0);
        await Api.ExpectErrorAsync(await LoginAsync(tenant, new { phone, password = Api.Password }), 403, 1066);

        Task<HttpResponseMessage> Verify(string code, string number) =>
            Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&otp={code}", JsonSerializer.Serialize(new { phone = number }));
        await Api.ExpectErrorAsync(await Verify(otp == "000000" ? "111111" : "000000", phone), 403, 1067);
        var answer = await Api.ExpectAsync(await Verify(otp, phone), HttpStatusCode.OK);
        Assert.True(answer.GetProperty("Profile").GetProperty("PhoneIdVerified").GetBoolean());
        Assert.True(Guid.TryParse(answer.GetProperty("access_token").GetString(), out _));
        await Api.ExpectAsync(await LoginAsync(tenant, new { phone, password = Api.Password }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Verify(otp, phone), 403, 1068);
        await Api.ExpectErrorAsync(await Verify("123456", NewPhone()), 403, 1043);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}", """{"phone": "+15550000003"}"""), 403, 908);

        // Verified already: no new OTP (1073); unknown: 1043.
        Task<HttpResponseMessage> Resend(string number) => Api.PostAsync($"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}", new { phone = number });
        await Api.ExpectErrorAsync(await Resend(phone), 403, 1073);
        await Api.ExpectErrorAsync(await Resend(NewPhone()), 403, 1043);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&isvoiceotp=maybe", new { phone }), 403, 908);
    }

    [Fact]
    public async Task The_phone_of_a_logged_in_account_is_verified_by_access_token()
    {
        var tenant = await fixture.NewTenantAsync(Settings(new RegistrationPolicy()));
        var email = NewEmail();
        var phone = NewPhone();
        var registered = await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email, phone), "&options=PreventVerificationEmail"), HttpStatusCode.OK);
        var token = registered.GetProperty("Data").GetProperty("access_token").GetString()!;

        var before = SmsCount(phone);
        var sent = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&access_token={token}", new { phone }), HttpStatusCode.OK);
        var (sms, otp) = await SmsAfterAsync(phone, before);
        Assert.Equal(sms.Sid, sent.GetProperty("Data").GetProperty("Sid").GetString());

        Task<HttpResponseMessage> Verify(string code, string accessToken) =>
            Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&otp={code}&access_token={accessToken}");
        await Api.ExpectErrorAsync(await Verify(otp, Guid.NewGuid().ToString()), 403, 905);
        Assert.Equal("""{"IsPosted":true}""", (await Api.ExpectAsync(await Verify(otp, token), HttpStatusCode.OK)).GetRawText());
        Assert.True((await fixture.StoredUserAsync(tenant, await UidAsync(tenant, email))).PhoneIdVerified);
    }

    [Fact]
    public async Task The_management_api_hands_out_a_verification_token_without_sending_anything()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var email = NewEmail();
        await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email)), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/manage/account/verify/token?apikey={tenant.ApiKey}", new { email }), 403, 908);
        var answer = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account/verify/token?apikey={tenant.ApiKey}", new { email }, Secret(tenant)), HttpStatusCode.OK);
        var token = answer.GetProperty("VerificationToken").GetString()!;
        await Api.ExpectAsync(await VerifyAsync(tenant, token), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/manage/account/verify/token?apikey={tenant.ApiKey}", new { email }, Secret(tenant)), 403, 1025);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/manage/account/verify/token?apikey={tenant.ApiKey}", new { email = NewEmail() }, Secret(tenant)), 403, 1023);
    }

    [Fact]
    public async Task Under_uniform_answers_a_mandatory_registration_of_a_taken_address_answers_as_a_new_one()
    {
        var tenant = await fixture.NewTenantAsync(Settings(uniform: true));
        var email = NewEmail();
        await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email)), HttpStatusCode.OK);
        Assert.Equal("""{"IsPosted":true}""", (await Api.ExpectAsync(await RegisterAsync(tenant, ByEmail(email)), HttpStatusCode.OK)).GetRawText());
        // The account is the first registration's: its password still works once verified, nothing was replaced.
        var uid = await UidAsync(tenant, email);
        await Api.ExpectErrorAsync(await LoginAsync(tenant, new { email, password = Api.Password }), 403, 970);
        Assert.Equal(uid, await UidAsync(tenant, email));

        // LoginRadius' 936 where the tenant asks for distinct codes.
        var distinct = await fixture.NewTenantAsync(Settings());
        await Api.ExpectAsync(await RegisterAsync(distinct, ByEmail(email)), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await RegisterAsync(distinct, ByEmail(email)), 403, 936);
    }
}
