using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PinOrleans.Accounts;
using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Forgot password and reset password through the gateway (the routes of the Node SDK's forgotPassword,
/// forgotPasswordByPhoneOTP, resetPasswordByResetToken / ByEmailOTP / ByOTPAndUserName / ByPhoneOTP /
/// BySecurityAnswerAnd*, getForgotPasswordToken), with the reset token and OTPs read from what was really delivered.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PasswordRecoveryTests(ClusterFixture fixture)
{
    private const string ResetPage = "https://app.example.com/reset-password?lang=en";
    private const string NewPassword = "brand-new-secret-77";
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Uid, string Phone, string UserName);

    /// <summary>The test tenants' settings: their reset page's origin is on the allowlist; LoginRadius' distinct codes (PasswordEnumerationTests checks the default).</summary>
    private static TenantSettings Settings(RecoveryPolicy? recovery = null, LockoutPolicy? lockout = null, SecurityQuestionPolicy? questions = null) => new()
    {
        AllowedDomains = ["app.example.com"],
        UniformAnswers = false,
        Recovery = recovery ?? new RecoveryPolicy(),
        Lockout = lockout ?? new LockoutPolicy(),
        SecurityQuestions = questions ?? new SecurityQuestionPolicy(),
        Webhooks = new WebhookPolicy { MaxAttempts = 20, RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 1, TimeoutSeconds = 2 },
    };

    private async Task<Account> AccountAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings ?? Settings());
        var id = Guid.NewGuid().ToString("N");
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        var created = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = $"{id}@example.com" } }, Password = Api.Password, UserName = "u" + id, PhoneId = phone, FirstName = "Ada", PINInfo = new { PIN = "7890" } },
            Secret(tenant)), HttpStatusCode.OK);
        return new Account(tenant, $"{id}@example.com", created.GetProperty("Uid").GetString()!, phone, "u" + id);
    }

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private Task<HttpResponseMessage> ForgotAsync(Account account, object? body = null, string query = "&resetpasswordurl=" + ResetPage) =>
        Api.PostAsync($"/identity/v2/auth/password?apikey={account.Tenant.ApiKey}{query}", body ?? new { email = account.Email });

    private Task<HttpResponseMessage> ForgotBySmsAsync(Account account, string? phone = null, string query = "") =>
        Api.PostAsync($"/identity/v2/auth/password/otp?apikey={account.Tenant.ApiKey}{query}", new { phone = phone ?? account.Phone });

    private Task<HttpResponseMessage> ResetAsync(TestTenant tenant, object body, string path = "reset") =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/{path}?apikey={tenant.ApiKey}", JsonSerializer.Serialize(body));

    private Task<HttpResponseMessage> ForgotTokenAsync(Account account, object body, string query = "") =>
        Api.PostAsync($"/identity/v2/manage/account/forgot/token?apikey={account.Tenant.ApiKey}{query}", body, Secret(account.Tenant));

    private async Task<MimeKit.MimeMessage> ForgotMailAsync(Account account, object? body = null, string query = "&resetpasswordurl=" + ResetPage)
    {
        var before = fixture.Mail.CountTo(account.Email);
        await Api.ExpectAsync(await ForgotAsync(account, body, query), HttpStatusCode.OK);
        return await fixture.Mail.LatestToAsync(account.Email, before);
    }

    private async Task<string> SmsOtpAsync(Account account)
    {
        await Api.ExpectAsync(await ForgotBySmsAsync(account), HttpStatusCode.OK);
        return Regex.Match((await fixture.Sms.LatestToAsync(account.Phone)).Body!, @"\d{6}").Value;
    }

    private async Task<string> LoginStatusAsync(Account account, string password)
    {
        var response = await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password });
        return response.StatusCode == HttpStatusCode.OK
            ? "ok"
            : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("ErrorCode").ToString();
    }

    [Fact]
    public async Task Forgot_password_mails_a_reset_link_whose_token_resets_the_password_once_ends_every_session_and_raises_ResetPassword()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var account = await AccountAsync();
        await Api.ExpectAsync(await Api.PostAsync($"/v2/manage/webhooks?apikey={account.Tenant.ApiKey}&apisecret={Uri.EscapeDataString(account.Tenant.ApiSecret)}",
            new { Event = WebhookEvents.ResetPassword, TargetUrl = receiver.Url("/hooks/reset"), Name = "reset" }), HttpStatusCode.OK);
        var login = await Api.LoginAsync(account.Tenant, account.Email);
        var created = (await fixture.StoredUserAsync(account.Tenant, account.Uid)).LastPasswordChangeDate;

        var mail = await ForgotMailAsync(account);
        Assert.Equal(account.Email, mail.To.Mailboxes.Single().Address);
        Assert.Contains("password", mail.Subject, StringComparison.Ordinal);
        var token = MailCatcher.ResetTokenOf(mail);
        Assert.Contains($"https://app.example.com/reset-password?lang=en&vtype=reset&vtoken={token}", mail.TextBody, StringComparison.Ordinal);

        var reset = await Api.ExpectAsync(await ResetAsync(account.Tenant, new { resettoken = token, password = NewPassword, welcomeemailtemplate = "", resetpasswordemailtemplate = "" }), HttpStatusCode.OK);
        Assert.True(reset.GetProperty("IsPosted").GetBoolean());
        Assert.Equal("966", await LoginStatusAsync(account, Api.Password));
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));

        // Every session and token from before the reset ended.
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, login.GetProperty("session_token").GetString()!, "7890"), 403, 1245);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={account.Tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + login.GetProperty("access_token").GetString() }), 403, 905);
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.True(stored.LastPasswordChangeDate > created);
        Assert.DoesNotContain(NewPassword, JsonSerializer.Serialize(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(token[16..], JsonSerializer.Serialize(stored), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(token[16..], StringComparison.Ordinal) || line.Contains(NewPassword, StringComparison.Ordinal));

        // Single use: the token again is 974, and the OTP of the same e-mail was spent with it (1186).
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = token, Password = "another-secret-88" }), 403, 974);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Otp = MailCatcher.OtpOf(mail), Password = "another-secret-88" }), 403, 1186);

        var hook = (await receiver.WaitForAsync(d => d.Path == "/hooks/reset", 1, TimeSpan.FromSeconds(20))).Single();
        var payload = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal(WebhookEvents.ResetPassword, payload.GetProperty("HookName").GetString());
        Assert.Equal(account.Uid, payload.GetProperty("Data").GetProperty("Uid").GetString());
    }

    [Fact]
    public async Task Reset_tokens_that_are_malformed_unknown_replaced_or_expired_and_passwords_the_policy_refuses_are_refused_precisely()
    {
        var account = await AccountAsync();
        var first = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));
        var second = MailCatcher.ResetTokenOf(await ForgotMailAsync(account, new { username = account.UserName }));

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = "not-a-token", Password = NewPassword }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = new string('a', 48), Password = NewPassword }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = first, Password = NewPassword }), 403, 979);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Password = NewPassword }), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = second }), 403, 1134);
        var other = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await ResetAsync(other, new { ResetToken = second, Password = NewPassword }), 403, 1063);

        // The tenant's password policy (6 to 32 characters here) refuses without spending the token.
        var refused = await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = second, Password = "short" }), 403, 1134);
        Assert.Equal("Password", refused.GetProperty("Errors")[0].GetProperty("FieldName").GetString());
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { ResetToken = second, Password = NewPassword }), HttpStatusCode.OK);
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));

        // Lifetimes of zero cannot be set (1134), so the request is begun with a snapshot that says zero.
        var expiring = await AccountAsync();
        var snapshot = await fixture.SnapshotAsync(expiring.Tenant);
        snapshot = snapshot with { Settings = snapshot.Settings with { Recovery = new RecoveryPolicy { ResetTokenMinutes = 0, OtpMinutes = 0 } } };
        var user = fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(expiring.Tenant.ApiKey, expiring.Uid));
        var ticket = await user.BeginSecretAsync(snapshot, SecretPurpose.PasswordReset, RecoveryChannel.Email);
        await Api.ExpectErrorAsync(await ResetAsync(expiring.Tenant, new { ResetToken = ticket.ResetToken!.Value.Value, Password = NewPassword }), 403, 975);
        await Api.ExpectErrorAsync(await ResetAsync(expiring.Tenant, new { Email = expiring.Email, Otp = ticket.Otp!.Value.Value, Password = NewPassword }), 403, 1187);
        var sms = await user.BeginSecretAsync(snapshot, SecretPurpose.PasswordReset, RecoveryChannel.Sms);
        await Api.ExpectErrorAsync(await ResetAsync(expiring.Tenant, new { Phone = expiring.Phone, Otp = sms.Otp!.Value.Value, Password = NewPassword }, "otp"), 403, 1069);
    }

    [Fact]
    public async Task Otp_resets_work_by_email_username_and_phone_once_each()
    {
        var account = await AccountAsync();
        var otp = MailCatcher.OtpOf(await ForgotMailAsync(account));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Otp = "000000", Password = NewPassword }), 403, 1185);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { email = account.Email.ToUpperInvariant(), otp, password = "first-new-one-1" }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Otp = otp, Password = NewPassword }), 403, 1186);

        otp = MailCatcher.OtpOf(await ForgotMailAsync(account, new { username = account.UserName }));
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { Username = account.UserName, Otp = otp, Password = "second-new-one-2" }), HttpStatusCode.OK);
        Assert.Equal("ok", await LoginStatusAsync(account, "second-new-one-2"));

        otp = await SmsOtpAsync(account);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, Otp = "000000", Password = NewPassword }, "otp"), 403, 1067);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { phone = account.Phone, otp, password = NewPassword, smstemplate = "", resetpasswordemailtemplate = "" }, "otp"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, Otp = otp, Password = "third-new-one-3" }, "otp"), 403, 1068);
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = "nobody@example.com", Otp = otp, Password = NewPassword }), 403, 1023);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { UserName = "nobody", Otp = otp, Password = NewPassword }), 403, 1022);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = "+15550000000", Otp = otp, Password = NewPassword }, "otp"), 403, 1043);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Password = NewPassword }), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, Password = NewPassword }, "otp"), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, Otp = otp }, "otp"), 403, 1134);
    }

    [Fact]
    public async Task Wrong_reset_secrets_count_toward_the_lockout_apart_from_passwords_and_lock_resets_out()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 4 }));
        var token = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));
        var guessed = token[..16] + new string('0', 32);

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = guessed, Password = NewPassword }), 403, 1063);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Username = account.UserName, Otp = "000000", Password = NewPassword }), 403, 1185);
        Assert.Equal("966", await LoginStatusAsync(account, "wrong-password-1"));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, Otp = "999999", Password = NewPassword }, "otp"), 403, 1067);
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.Equal((3, 1), (stored.Failures[CredentialKind.ResetSecret].Count, stored.Failures[CredentialKind.Password].Count));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Otp = "111111", Password = NewPassword }), 403, 1185);

        // Locked by guessed reset secrets: even the right token is refused until the lock ends, and no further message is sent.
        var locked = await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { ResetToken = token, Password = NewPassword }), 403, 1198);
        Assert.True(locked.GetProperty("Data").TryGetProperty("LoginLockedTimeout", out _));
        await Api.ExpectErrorAsync(await ForgotAsync(account), 403, 1198);
        Assert.Equal(CredentialKind.ResetSecret, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).LockedBy);
    }

    [Fact]
    public async Task A_reset_by_the_emailed_link_lifts_a_suspension_that_wrong_passwords_caused()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 3 }));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("966", await LoginStatusAsync(account, "wrong-password-" + i));
        }

        Assert.Equal("1198", await LoginStatusAsync(account, Api.Password));

        var token = MailCatcher.ResetTokenOf(await ForgotMailAsync(account));
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { ResetToken = token, Password = NewPassword }), HttpStatusCode.OK);

        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.False(stored.IsLocked(fixture.Clock.GetUtcNow()));
        Assert.Empty(stored.Failures);
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));
    }

    [Fact]
    public async Task Security_answers_reset_the_password_by_email_phone_or_username_and_wrong_ones_count()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 5 }));
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, SecurityAnswer = new { q1 = "x", q2 = "y" }, Password = NewPassword }, "securityanswer"), 403, 1092);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q1": "Blue Whale", "q2": "Zürich"}}""", headers: Secret(account.Tenant)), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, SecurityAnswer = new { q1 = "blue whale" }, Password = NewPassword }, "securityanswer"), 403, 1260);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, SecurityAnswer = new { q1 = "blue whale", q3 = "x" }, Password = NewPassword }, "securityanswer"), 403, 1094);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = account.Phone, SecurityAnswer = new { q1 = "blue whale", q2 = "Zurich" }, Password = NewPassword }, "securityanswer"), 403, 1093);
        Assert.Equal(2, (await fixture.StoredUserAsync(account.Tenant, account.Uid)).Failures[CredentialKind.SecurityAnswer].Count);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { SecurityAnswer = new { q1 = "blue whale", q2 = "zürich" }, Password = NewPassword }, "securityanswer"), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = account.Email, Password = NewPassword }, "securityanswer"), 403, 1134);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Email = "nobody@example.com", SecurityAnswer = new { q1 = "a", q2 = "b" }, Password = NewPassword }, "securityanswer"), 403, 1023);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Phone = "+15550000000", SecurityAnswer = new { q1 = "a", q2 = "b" }, Password = NewPassword }, "securityanswer"), 403, 1043);
        await Api.ExpectErrorAsync(await ResetAsync(account.Tenant, new { Username = "nobody", SecurityAnswer = new { q1 = "a", q2 = "b" }, Password = NewPassword }, "securityanswer"), 403, 1022);

        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { email = account.Email, securityanswer = new { q1 = "  BLUE   whale ", q2 = "zürich" }, password = "by-email-answers", resetpasswordemailtemplate = "" }, "securityanswer"), HttpStatusCode.OK);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { phone = account.Phone, securityanswer = new { q1 = "blue whale", q2 = "zürich" }, password = "by-phone-answers" }, "securityanswer"), HttpStatusCode.OK);
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { username = account.UserName, securityanswer = new { q1 = "blue whale", q2 = "zürich" }, password = NewPassword }, "securityanswer"), HttpStatusCode.OK);
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));

        var disabled = await AccountAsync(Settings(questions: new SecurityQuestionPolicy { Enabled = false }));
        await Api.ExpectErrorAsync(await ResetAsync(disabled.Tenant, new { Email = disabled.Email, SecurityAnswer = new { q1 = "x", q2 = "y" }, Password = NewPassword }, "securityanswer"), 403, 1095);
    }

    [Fact]
    public async Task Forgot_password_uses_the_tenant_page_and_template_and_refuses_unknown_identifiers_and_bad_urls_with_its_codes()
    {
        var account = await AccountAsync(Settings(new RecoveryPolicy
        {
            ResetPasswordUrl = "https://tenant.example.com/password",
            EmailTemplates = new() { ["passwordreset"] = new EmailTemplate { Subject = "{{AppName}} password for {{Name}}", Text = "Open {{Link}} within {{LinkMinutes}} min; code: {{Otp}}" } },
        }));
        var mail = await ForgotMailAsync(account, query: "");
        Assert.Equal("Test password for Ada", mail.Subject);
        Assert.StartsWith("Open https://tenant.example.com/password?vtype=reset&vtoken=", mail.TextBody, StringComparison.Ordinal);

        foreach (var bad in new[] { "javascript:alert(1)", "not a url", "https://evil.example.net/reset", "https://user:pw@app.example.com/" })
        {
            await Api.ExpectErrorAsync(await ForgotAsync(account, query: "&resetpasswordurl=" + Uri.EscapeDataString(bad)), 403, 9248);
        }

        var noDefault = await AccountAsync();
        var refused = await Api.ExpectErrorAsync(await ForgotAsync(noDefault, query: ""), 403, 9248);
        Assert.DoesNotContain("pin", refused.GetProperty("Message").GetString()!, StringComparison.OrdinalIgnoreCase);
        await Api.ExpectErrorAsync(await ForgotAsync(account, new { email = "nobody@example.com" }), 403, 1023);
        await Api.ExpectErrorAsync(await ForgotAsync(account, new { username = "nobody" }), 403, 1022);
        await Api.ExpectErrorAsync(await ForgotAsync(account, new { }), 403, 1134);
        Assert.Equal(1, fixture.Mail.CountTo(account.Email));
    }

    [Fact]
    public async Task Forgot_password_by_sms_answers_the_providers_ids_and_messages_are_limited_per_hour()
    {
        var account = await AccountAsync(Settings(new RecoveryPolicy { MaxMessagesPerHour = 2 }));
        var answer = await Api.ExpectAsync(await ForgotBySmsAsync(account), HttpStatusCode.OK);
        var sms = await fixture.Sms.LatestToAsync(account.Phone);
        Assert.True(answer.GetProperty("IsPosted").GetBoolean());
        Assert.Equal(FakeTwilio.AccountSid, answer.GetProperty("Data").GetProperty("AccountSid").GetString());
        Assert.Equal(sms.Sid, answer.GetProperty("Data").GetProperty("Sid").GetString());
        Assert.Matches(@"^Test: your password reset code is \d{6}\. It expires in 10 minutes\.$", sms.Body);

        await Api.ExpectAsync(await ForgotBySmsAsync(account, query: "&isVoiceOtp=false"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await ForgotBySmsAsync(account), 403, 1123);
        for (var i = 0; i < 2; i++)
        {
            await Api.ExpectAsync(await ForgotAsync(account), HttpStatusCode.OK);
        }

        await Api.ExpectErrorAsync(await ForgotAsync(account), 403, 1122);
        await Api.ExpectErrorAsync(await ForgotBySmsAsync(account, "+15550000001"), 403, 1043);
        await Api.ExpectErrorAsync(await ForgotBySmsAsync(account, query: "&isvoiceotp=maybe"), 403, 908);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/password/otp?apikey={account.Tenant.ApiKey}", new { }), 403, 1134);

        fixture.Sms.FailWith = 500;
        try
        {
            var fresh = await AccountAsync();
            await Api.ExpectErrorAsync(await ForgotBySmsAsync(fresh), 403, 1072);
        }
        finally
        {
            fixture.Sms.FailWith = null;
        }
    }

    [Fact]
    public async Task The_manage_route_returns_a_forgot_token_that_resets_the_password_and_sends_the_email_only_when_asked()
    {
        var account = await AccountAsync();
        var mails = fixture.Mail.CountTo(account.Email);

        var issued = await Api.ExpectAsync(await ForgotTokenAsync(account, new { email = account.Email }), HttpStatusCode.OK);
        var token = issued.GetProperty("ForgotToken").GetString()!;
        Assert.Equal(0, issued.GetProperty("IdentityProviders").GetArrayLength());
        Assert.Equal(mails, fixture.Mail.CountTo(account.Email));
        await Api.ExpectAsync(await ResetAsync(account.Tenant, new { ResetToken = token, Password = NewPassword }), HttpStatusCode.OK);
        Assert.Equal("ok", await LoginStatusAsync(account, NewPassword));

        var sent = await Api.ExpectAsync(await ForgotTokenAsync(account, new { username = account.UserName }, "&sendemail=true&resetPasswordUrl=" + Uri.EscapeDataString(ResetPage)), HttpStatusCode.OK);
        var mail = await fixture.Mail.LatestToAsync(account.Email, mails);
        Assert.Equal(sent.GetProperty("ForgotToken").GetString(), MailCatcher.ResetTokenOf(mail));

        await Api.ExpectErrorAsync(await ForgotTokenAsync(account, new { email = account.Email }, "&sendemail=true&resetpasswordurl=" + Uri.EscapeDataString("https://evil.example.net/")), 403, 9248);
        await Api.ExpectErrorAsync(await ForgotTokenAsync(account, new { email = account.Email }, "&sendemail=maybe"), 403, 908);
        await Api.ExpectErrorAsync(await ForgotTokenAsync(account, new { email = "nobody@example.com" }), 403, 1023);
        await Api.ExpectErrorAsync(await ForgotTokenAsync(account, new { username = "nobody" }), 403, 1022);
        await Api.ExpectErrorAsync(await ForgotTokenAsync(account, new { }), 403, 1134);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/manage/account/forgot/token?apikey={account.Tenant.ApiKey}", new { email = account.Email },
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = "wrong" }), 401, 902);
    }
}
