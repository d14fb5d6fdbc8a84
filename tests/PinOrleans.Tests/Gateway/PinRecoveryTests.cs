using System.Net;
using System.Text.Json;
using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Forgot PIN and reset PIN through the gateway, with the reset token and OTPs read from what was really
/// delivered: e-mail over SMTP to a loopback server, SMS and voice to a loopback Twilio-compatible API.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PinRecoveryTests(ClusterFixture fixture)
{
    private const string ResetPage = "https://app.example.com/reset-pin?lang=en";
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Uid, string Phone, string UserName);

    /// <summary>The test tenants' settings: their reset page's origin is on the allowlist.</summary>
    private static TenantSettings Settings(RecoveryPolicy? recovery = null, LockoutPolicy? lockout = null, SecurityQuestionPolicy? questions = null) => new()
    {
        AllowedDomains = ["app.example.com"],
        // These tests check LoginRadius' distinct codes; EnumerationTests checks the uniform answers of the default.
        UniformAnswers = false,
        Recovery = recovery ?? new RecoveryPolicy(),
        Lockout = lockout ?? new LockoutPolicy(),
        SecurityQuestions = questions ?? new SecurityQuestionPolicy(),
    };

    /// <summary>An account with e-mail, username, phone and PIN 7890, created through the management API.</summary>
    private async Task<Account> AccountAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings ?? Settings());
        var id = Guid.NewGuid().ToString("N");
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        var created = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = $"{id}@example.com" } }, Password = Api.Password, UserName = "u" + id, PhoneId = phone, FirstName = "Ada <Admin>", PINInfo = new { PIN = "7890" } },
            Secret(tenant)), HttpStatusCode.OK);
        return new Account(tenant, $"{id}@example.com", created.GetProperty("Uid").GetString()!, phone, "u" + id);
    }

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private Task<HttpResponseMessage> ForgotByEmailAsync(Account account, string query = "&resetpinurl=" + ResetPage) =>
        Api.PostAsync($"/identity/v2/auth/pin/forgot/email?apikey={account.Tenant.ApiKey}{query}", new { Email = account.Email });

    private Task<HttpResponseMessage> ResetAsync(TestTenant tenant, string path, object body) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/{path}?apikey={tenant.ApiKey}", JsonSerializer.Serialize(body));

    /// <summary>Asks for a forgot-PIN e-mail and reads it from the SMTP server.</summary>
    private async Task<MimeKit.MimeMessage> ForgotMailAsync(Account account, string query = "&resetpinurl=" + ResetPage)
    {
        var before = fixture.Mail.CountTo(account.Email);
        await Api.ExpectAsync(await ForgotByEmailAsync(account, query), HttpStatusCode.OK);
        return await fixture.Mail.LatestToAsync(account.Email, before);
    }

    private async Task<string> PinLoginStatusAsync(Account account, string pin)
    {
        var session = (await Api.LoginAsync(account.Tenant, account.Email)).GetProperty("session_token").GetString()!;
        var response = await Api.PinLoginAsync(account.Tenant, session, pin);
        return response.StatusCode == HttpStatusCode.OK
            ? "ok"
            : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ErrorCode").ToString();
    }

    [Fact]
    public async Task Forgot_by_email_sends_a_link_to_resetpinurl_whose_token_resets_the_pin_once()
    {
        var account = await AccountAsync();

        var mail = await ForgotMailAsync(account);
        Assert.Equal(account.Email, mail.To.Mailboxes.Single().Address);
        Assert.Contains("no-reply@pinorleans.test", mail.From.ToString(), StringComparison.Ordinal);
        Assert.Contains("Ada <Admin>", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Ada &lt;Admin&gt;", mail.HtmlBody, StringComparison.Ordinal);
        var token = MailCatcher.ResetTokenOf(mail);
        Assert.Contains($"https://app.example.com/reset-pin?lang=en&vtype=resetpin&vtoken={token}", mail.TextBody, StringComparison.Ordinal);

        var reset = await Api.ExpectAsync(await ResetAsync(account.Tenant, "token", new { resettoken = token, pin = "2468" }), HttpStatusCode.OK);
        Assert.True(reset.GetProperty("IsPosted").GetBoolean());
        Assert.Equal("ok", await PinLoginStatusAsync(account, "2468"));
        Assert.Equal("1236", await PinLoginStatusAsync(account, "7890"));

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = token, PIN = "1357" }), 403, 1242);
        // The e-mail's OTP belonged to the same request: spent with it.
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/email", new { Email = account.Email, OTP = MailCatcher.OtpOf(mail), PIN = "1357" }), 403, 1068);
    }

    [Fact]
    public async Task Reset_tokens_that_are_malformed_unknown_replaced_or_expired_are_refused_precisely()
    {
        var account = await AccountAsync();
        var first = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));
        var second = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = "not-a-token", PIN = "2468" }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = new string('a', 48), PIN = "2468" }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = first, PIN = "2468" }), 403, 979);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { PIN = "2468" }), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = second }), 403, 1234);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = second, PIN = "12" }), 403, 1134);
        // Another tenant's key does not find the link.
        var other = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await ResetAsync(other, "token", new { ResetToken = second, PIN = "2468" }), 403, 1063);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = second, PIN = "2468" }), HttpStatusCode.OK);

        // Lifetimes of zero can no longer be set (1134), so the reset is begun with a snapshot that says zero.
        var expiring = await AccountAsync();
        var snapshot = await fixture.SnapshotAsync(expiring.Tenant);
        var ticket = await fixture.Grains.GetGrain<PinOrleans.Accounts.IUserGrain>(PinOrleans.Accounts.AccountKeys.User(expiring.Tenant.ApiKey, expiring.Uid))
            .BeginSecretAsync(snapshot with { Settings = snapshot.Settings with { Recovery = new RecoveryPolicy { ResetTokenMinutes = 0, OtpMinutes = 0 } } }, PinOrleans.Recovery.SecretPurpose.PinReset, PinOrleans.Recovery.RecoveryChannel.Email);
        await Api.ExpectErrorAsync(await ResetAsync(expiring.Tenant, "token", new { ResetToken = ticket.ResetToken!.Value.Value, PIN = "2468" }), 403, 975);
        await Api.ExpectErrorAsync(await ResetAsync(expiring.Tenant, "otp/email", new { Email = expiring.Email, OTP = ticket.Otp!.Value.Value, PIN = "2468" }), 403, 1069);
    }

    [Fact]
    public async Task Wrong_reset_secrets_count_together_apart_from_pins_and_lock_resets_out()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 4 }));
        var mail = await ForgotMailAsync(account);
        var token = MailCatcher.ResetTokenOf(mail);
        var guessed = token[..16] + new string('0', 32);
        var session = (await Api.LoginAsync(account.Tenant, account.Email)).GetProperty("session_token").GetString()!;

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = guessed, PIN = "2468" }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/username", new { UserName = account.UserName, OTP = "000000", PIN = "2468" }), 403, 1067);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, session, "0000"), 401, 1236);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/phone", new { Phone = account.Phone, OTP = "999999", PIN = "2468" }), 403, 1067);
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.Equal((3, 1), (stored.Failures[CredentialKind.ResetSecret].Count, stored.Failures[CredentialKind.Pin].Count));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/email", new { Email = account.Email, OTP = "111111", PIN = "2468" }), 403, 1067);

        // Locked by guessed reset secrets: even the right token is refused until the lock ends, and no further message is sent.
        var locked = await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = token, PIN = "2468" }), 403, 1198);
        Assert.True(locked.GetProperty("Data").TryGetProperty("LoginLockedTimeout", out _));
        await Api.ExpectErrorAsync(await ForgotByEmailAsync(account), 403, 1198);
        Assert.Equal(CredentialKind.ResetSecret, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).LockedBy);
    }

    [Fact]
    public async Task A_reset_by_the_emailed_link_lifts_a_suspension_that_guessed_pins_caused()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 3 }));
        var session = (await Api.LoginAsync(account.Tenant, account.Email)).GetProperty("session_token").GetString()!;
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, session, "0000"), 401, 1236);
        }

        await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, session, "7890"), 403, 1198);

        // The holder asks for a reset while suspended, gets the message, and the reset ends the suspension.
        var token = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "token", new { ResetToken = token, PIN = "2468" }), HttpStatusCode.OK);

        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.False(stored.IsLocked(fixture.Clock.GetUtcNow()));
        Assert.Empty(stored.Failures);
        // The reset ended every session (the guesser's too); a new login gets a new one.
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, session, "2468"), 403, 1245);
        var login = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.PinLoginAsync(account.Tenant, login.GetProperty("session_token").GetString()!, "2468"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Otp_reset_works_by_email_username_and_phone_once_each()
    {
        var account = await AccountAsync();
        var otp = MailCatcher.OtpOf(await ForgotMailAsync(account));
        Assert.Equal(6, otp.Length);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "otp/email", new { email = account.Email.ToUpperInvariant(), otp, pin = "1111" }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/email", new { Email = account.Email, OTP = otp, PIN = "2222" }), 403, 1068);

        otp = MailCatcher.OtpOf(await ForgotMailAsync(account));
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "otp/username", new { Username = account.UserName, Otp = otp, Pin = "2222" }), HttpStatusCode.OK);

        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { phone = account.Phone }), HttpStatusCode.OK);
        otp = System.Text.RegularExpressions.Regex.Match((await fixture.Sms.LatestToAsync(account.Phone)).Body!, @"\d{6}").Value;
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "OTP/Phone", new { Phone = account.Phone, OTP = otp, PIN = "3333" }), HttpStatusCode.OK);
        Assert.Equal("ok", await PinLoginStatusAsync(account, "3333"));

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/email", new { Email = "nobody@example.com", OTP = otp, PIN = "3333" }), 403, 1023);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/username", new { UserName = "nobody", OTP = otp, PIN = "3333" }), 403, 1022);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/phone", new { Phone = "+15550000000", OTP = otp, PIN = "3333" }), 403, 1043);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/email", new { Email = account.Email, PIN = "3333" }), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "otp/fax", new { Email = account.Email, OTP = otp, PIN = "3333" }), 404, 404);
    }

    [Fact]
    public async Task Forgot_by_sms_answers_the_providers_ids_and_by_voice_calls_with_twiml()
    {
        var account = await AccountAsync();
        var answer = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), HttpStatusCode.OK);
        var sms = await fixture.Sms.LatestToAsync(account.Phone);
        Assert.True(answer.GetProperty("IsPosted").GetBoolean());
        Assert.Equal(FakeTwilio.AccountSid, answer.GetProperty("Data").GetProperty("AccountSid").GetString());
        Assert.Equal(sms.Sid, answer.GetProperty("Data").GetProperty("Sid").GetString());
        Assert.Equal(FakeTwilio.From, sms.From);
        Assert.Equal("Messages.json", sms.Resource);
        Assert.Matches(@"^Test: your PIN reset code is \d{6}\. It expires in 10 minutes\.$", sms.Body);

        var call = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}&isVoiceOtp=true", new { Phone = account.Phone }), HttpStatusCode.OK);
        var voice = await fixture.Sms.LatestToAsync(account.Phone);
        Assert.Equal("Calls.json", voice.Resource);
        Assert.StartsWith("CA", call.GetProperty("Data").GetProperty("Sid").GetString(), StringComparison.Ordinal);
        var digits = System.Text.RegularExpressions.Regex.Match(voice.Twiml!, @"<Say>.*?(\d(, \d){5})").Groups[1].Value.Replace(", ", "", StringComparison.Ordinal);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, "otp/phone", new { Phone = account.Phone, OTP = digits, PIN = "4444" }), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = "+15550000001" }), 403, 1043);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}&isvoiceotp=maybe", new { Phone = account.Phone }), 403, 908);
    }

    [Fact]
    public async Task A_failing_sms_provider_answers_1072_and_the_next_request_goes_through()
    {
        var account = await AccountAsync();
        fixture.Sms.FailWith = 500;
        try
        {
            await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), 403, 1072);
        }
        finally
        {
            fixture.Sms.FailWith = null;
        }

        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Forgot_by_username_uses_the_tenant_page_and_template_and_refuses_bad_urls()
    {
        var account = await AccountAsync(Settings(new RecoveryPolicy
        {
            ResetPinUrl = "https://tenant.example.com/pin",
            EmailTemplates = new() { ["brand"] = new EmailTemplate { Subject = "{{AppName}} PIN for {{Name}}", Text = "Open {{ResetLink}} within {{ResetTokenMinutes}} min; code: {{Otp}}" } },
        }));
        var before = fixture.Mail.CountTo(account.Email);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/username?apikey={account.Tenant.ApiKey}&emailTemplate=brand", new { UserName = account.UserName }), HttpStatusCode.OK);
        var mail = await fixture.Mail.LatestToAsync(account.Email, before);
        Assert.Equal("Test PIN for Ada <Admin>", mail.Subject);
        Assert.StartsWith("Open https://tenant.example.com/pin?vtype=resetpin&vtoken=", mail.TextBody, StringComparison.Ordinal);
        Assert.Null(mail.HtmlBody);

        foreach (var bad in new[] { "javascript:alert(1)", "not a url", "ftp://x.example.com/", "https://user:pw@x.example.com/" })
        {
            await Api.ExpectErrorAsync(await ForgotByEmailAsync(account, "&resetpinurl=" + Uri.EscapeDataString(bad)), 403, 1248);
        }

        var noDefault = await AccountAsync();
        await Api.ExpectErrorAsync(await ForgotByEmailAsync(noDefault, ""), 403, 1248);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/email?apikey={account.Tenant.ApiKey}&resetpinurl={ResetPage}", new { Email = "nobody@example.com" }), 403, 1023);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/username?apikey={account.Tenant.ApiKey}", new { UserName = "nobody" }), 403, 1022);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/email?apikey={account.Tenant.ApiKey}&resetpinurl={ResetPage}", new { }), 403, 1134);
    }

    [Fact]
    public async Task Forgot_pin_messages_are_limited_per_account_and_hour()
    {
        var account = await AccountAsync(Settings(new RecoveryPolicy { MaxMessagesPerHour = 2 }));
        for (var i = 0; i < 2; i++)
        {
            await Api.ExpectAsync(await ForgotByEmailAsync(account), HttpStatusCode.OK);
            await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), HttpStatusCode.OK);
        }

        await Api.ExpectErrorAsync(await ForgotByEmailAsync(account), 403, 1122);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), 403, 1123);
    }

    [Fact]
    public async Task Security_answers_reset_the_pin_and_wrong_ones_count_toward_the_lockout()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 3 }, questions: new SecurityQuestionPolicy { MinimumAnswers = 2 }));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "securityanswer/email", new { Email = account.Email, SecurityAnswer = new { q1 = "x" }, PIN = "5555" }), 403, 1092);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q1": "Blue Whale", "q2": "Zürich", "q3": "x"}}""", headers: Secret(account.Tenant)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q3": ""}}""", headers: Secret(account.Tenant)), HttpStatusCode.OK);
        Assert.Equal(["q1", "q2"], (await fixture.StoredUserAsync(account.Tenant, account.Uid)).SecurityAnswers.Keys.Order());

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "securityanswer/email", new { Email = account.Email, SecurityAnswer = new { q1 = "blue whale" }, PIN = "5555" }), 403, 1260);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "securityanswer/email", new { Email = account.Email, SecurityAnswer = new { q1 = "blue whale", q3 = "x" }, PIN = "5555" }), 403, 1094);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "securityanswer/username", new { UserName = account.UserName, SecurityAnswer = new { q1 = "blue whale", q2 = "Zurich" }, PIN = "5555" }), 403, 1093);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, "securityAnswer/phone", new { Phone = account.Phone, SecurityAnswer = "blue" , PIN = "5555" }), 403, 1134);
        // The unknown question (1094) counts like the wrong answer (1093).
        Assert.Equal(2, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).Failures[CredentialKind.SecurityAnswer].Count);

        await Api.ExpectAsync(await ResetAsync(account.Tenant, "securityanswer/phone", new { Phone = account.Phone, SecurityAnswer = new { q1 = "  BLUE   whale ", q2 = "zürich" }, PIN = "5555" }), HttpStatusCode.OK);
        Assert.Equal("ok", await PinLoginStatusAsync(account, "5555"));

        // By default two answers are needed, even where the account saved only one.
        var byDefault = await AccountAsync();
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{byDefault.Uid}?apikey={byDefault.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q1": "Blue Whale"}}""", headers: Secret(byDefault.Tenant)), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ResetAsync(byDefault.Tenant, "securityanswer/email", new { Email = byDefault.Email, SecurityAnswer = new { q1 = "blue whale" }, PIN = "5555" }), 403, 1260);

        var disabled = await AccountAsync(Settings(questions: new SecurityQuestionPolicy { Enabled = false }));
        await Api.ExpectErrorAsync(await ResetAsync(disabled.Tenant, "securityanswer/email", new { Email = disabled.Email, SecurityAnswer = new { q1 = "x" }, PIN = "5555" }), 403, 1095);
    }

    [Fact]
    public async Task Storage_and_logs_hold_no_reset_token_otp_or_answer()
    {
        var account = await AccountAsync();
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"pet": "Correct Horse Battery"}}""", headers: Secret(account.Tenant)), HttpStatusCode.OK);
        var mail = await ForgotMailAsync(account);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/otp?apikey={account.Tenant.ApiKey}", new { Phone = account.Phone }), HttpStatusCode.OK);
        var smsOtp = System.Text.RegularExpressions.Regex.Match((await fixture.Sms.LatestToAsync(account.Phone)).Body!, @"\d{6}").Value;

        var stored = JsonSerializer.Serialize(await fixture.StoredUserAsync(account.Tenant, account.Uid));
        string[] secrets = [MailCatcher.ResetTokenOf(mail)[16..], MailCatcher.OtpOf(mail), smsOtp, "correct horse battery", "Correct Horse Battery"];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        }

        Assert.Contains("argon2id", stored, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example.net/reset")]
    [InlineData("https://app.example.com.evil.net/reset")]
    [InlineData("https://evil.net/app.example.com")]
    [InlineData("https://app.example.com@evil.net/reset")]
    [InlineData("https://app.example.com:8443/reset")]
    [InlineData("http://app.example.com/reset")]
    [InlineData("https:\\\\evil.net/reset")]
    [InlineData("//evil.net/reset")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<a href=x>")]
    public async Task Forgot_pin_refuses_a_resetpinurl_off_the_allowlist_and_sends_nothing(string bad)
    {
        var account = await AccountAsync(Settings(new RecoveryPolicy { ResetPinUrl = "https://tenant.example.com/pin" }));

        await Api.ExpectErrorAsync(await ForgotByEmailAsync(account, "&resetpinurl=" + Uri.EscapeDataString(bad)), 403, 1248);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/pin/forgot/username?apikey={account.Tenant.ApiKey}&resetpinurl={Uri.EscapeDataString(bad)}", new { UserName = account.UserName }), 403, 1248);

        // The same account's listed pages do get their e-mail, so the refusal above is the link's, and the catcher got nothing from it.
        var listed = await ForgotMailAsync(account, "&resetpinurl=" + Uri.EscapeDataString("https://APP.example.com/other?x=1"));
        Assert.Contains("https://app.example.com/other?x=1&vtype=resetpin&vtoken=", listed.TextBody, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Mail.CountTo(account.Email));
        Assert.DoesNotContain(fixture.Mail.Messages, m => (m.TextBody ?? "").Contains("evil", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Forgot_pin_always_allows_the_tenant_page_and_allowlisted_wildcards()
    {
        var account = await AccountAsync(new TenantSettings
        {
            AllowedDomains = ["*.brand.example"],
            Recovery = new RecoveryPolicy { ResetPinUrl = "https://tenant.example.com:8443/pin" },
        });

        var home = await ForgotMailAsync(account, "&resetpinurl=" + Uri.EscapeDataString("https://tenant.example.com:8443/other"));
        Assert.Contains("https://tenant.example.com:8443/other?vtype=resetpin", home.TextBody, StringComparison.Ordinal);
        var sub = await ForgotMailAsync(account, "&resetpinurl=" + Uri.EscapeDataString("https://eu.shop.brand.example/pin"));
        Assert.Contains("https://eu.shop.brand.example/pin?vtype=resetpin", sub.TextBody, StringComparison.Ordinal);
        var before = fixture.Mail.CountTo(account.Email);
        await Api.ExpectErrorAsync(await ForgotByEmailAsync(account, "&resetpinurl=" + Uri.EscapeDataString("https://brand.example/pin")), 403, 1248);
        await Api.ExpectErrorAsync(await ForgotByEmailAsync(account, "&resetpinurl=" + Uri.EscapeDataString("https://tenant.example.com/pin")), 403, 1248);
        Assert.Equal(before, fixture.Mail.CountTo(account.Email));
    }
}
