using System.Net;
using System.Text.Json;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// By default forgot PIN and reset by OTP or security answers answer alike, and hash alike, whether or not the
/// identifier belongs to an account (the work compared is the number of hashes, not the time).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EnumerationTests(ClusterFixture fixture)
{
    private const string ResetPage = "https://app.example.com/reset-pin";
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Phone, string UserName);

    private async Task<Account> AccountAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings ?? new TenantSettings { Recovery = new RecoveryPolicy { ResetPinUrl = ResetPage } });
        var id = Guid.NewGuid().ToString("N");
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = $"{id}@example.com" } }, UserName = "u" + id, PhoneId = phone, Password = Api.Password, PINInfo = new { PIN = "7890" } },
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        return new Account(tenant, $"{id}@example.com", phone, "u" + id);
    }

    private Task<(int Status, string Body, int Hashes)> MeasureAsync(Func<Task<HttpResponseMessage>> call) => fixture.MeasureAsync(call);

    private Task<HttpResponseMessage> ForgotAsync(Account account, string route, object body) =>
        Api.PostAsync($"/identity/v2/auth/pin/forgot/{route}?apikey={account.Tenant.ApiKey}", body);

    private Task<HttpResponseMessage> ResetAsync(Account account, string route, object body) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/{route}?apikey={account.Tenant.ApiKey}", JsonSerializer.Serialize(body));

    [Fact]
    public async Task Forgot_pin_answers_and_hashes_alike_for_known_and_unknown_identifiers_and_sends_only_to_the_known()
    {
        var account = await AccountAsync();
        var mails = fixture.Mail.CountTo(account.Email);

        var known = await MeasureAsync(() => ForgotAsync(account, "email", new { account.Email }));
        var unknown = await MeasureAsync(() => ForgotAsync(account, "email", new { Email = $"{Guid.NewGuid():N}@example.com" }));
        var knownName = await MeasureAsync(() => ForgotAsync(account, "username", new { account.UserName }));
        var unknownName = await MeasureAsync(() => ForgotAsync(account, "username", new { UserName = "nobody-" + Guid.NewGuid().ToString("N") }));
        var knownPhone = await MeasureAsync(() => ForgotAsync(account, "otp", new { Phone = account.Phone }));
        var unknownPhone = await MeasureAsync(() => ForgotAsync(account, "otp", new { Phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999) }));

        Assert.Equal((200, 2), (known.Status, known.Hashes));
        Assert.Equal((known.Status, known.Body, known.Hashes), (unknown.Status, unknown.Body, unknown.Hashes));
        Assert.Equal((known.Status, known.Body, known.Hashes), (knownName.Status, knownName.Body, knownName.Hashes));
        Assert.Equal((known.Status, known.Body, known.Hashes), (unknownName.Status, unknownName.Body, unknownName.Hashes));
        Assert.Equal((200, 1), (knownPhone.Status, knownPhone.Hashes));
        Assert.Equal((knownPhone.Status, knownPhone.Body, knownPhone.Hashes), (unknownPhone.Status, unknownPhone.Body, unknownPhone.Hashes));
        await fixture.Mail.LatestToAsync(account.Email, mails + 1);
        await fixture.Sms.LatestToAsync(account.Phone);
    }

    [Fact]
    public async Task A_known_account_over_its_sending_limit_answers_like_any_other_and_gets_nothing()
    {
        var account = await AccountAsync(new TenantSettings { Recovery = new RecoveryPolicy { ResetPinUrl = ResetPage, MaxMessagesPerHour = 1 } });
        await Api.ExpectAsync(await ForgotAsync(account, "email", new { account.Email }), HttpStatusCode.OK);
        await fixture.Mail.LatestToAsync(account.Email);
        var sent = fixture.Mail.CountTo(account.Email);

        var limited = await MeasureAsync(() => ForgotAsync(account, "email", new { account.Email }));
        var unknown = await MeasureAsync(() => ForgotAsync(account, "email", new { Email = $"{Guid.NewGuid():N}@example.com" }));

        Assert.Equal((200, 2), (limited.Status, limited.Hashes));
        Assert.Equal((limited.Status, limited.Body, limited.Hashes), (unknown.Status, unknown.Body, unknown.Hashes));
        // Whatever went out was handed over before the answer of the third request; nothing more arrives.
        await Api.ExpectAsync(await ForgotAsync(account, "username", new { account.UserName }), HttpStatusCode.OK);
        Assert.Equal(sent, fixture.Mail.CountTo(account.Email));
    }

    [Fact]
    public async Task Resets_by_otp_or_security_answers_answer_an_unknown_identifier_as_a_wrong_secret_after_the_same_hashing()
    {
        var account = await AccountAsync();
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{(await Api.LoginAsync(account.Tenant, account.Email)).GetProperty("Profile").GetProperty("Uid").GetString()}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q1": "Blue Whale", "q2": "Zürich"}}""", headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), HttpStatusCode.OK);
        var nobody = $"{Guid.NewGuid():N}@example.com";

        var otpKnown = await MeasureAsync(() => ResetAsync(account, "otp/email", new { account.Email, OTP = "123456", PIN = "2468" }));
        var otpUnknown = await MeasureAsync(() => ResetAsync(account, "otp/email", new { Email = nobody, OTP = "123456", PIN = "2468" }));
        var answersKnown = await MeasureAsync(() => ResetAsync(account, "securityanswer/email", new { account.Email, SecurityAnswer = new { q1 = "orca", q2 = "bern" }, PIN = "2468" }));
        var answersUnknownIds = await MeasureAsync(() => ResetAsync(account, "securityanswer/email", new { account.Email, SecurityAnswer = new { q7 = "orca", q8 = "bern" }, PIN = "2468" }));
        var answersUnknown = await MeasureAsync(() => ResetAsync(account, "securityanswer/email", new { Email = nobody, SecurityAnswer = new { q1 = "orca", q2 = "bern" }, PIN = "2468" }));

        Assert.Equal((403, 1), (otpKnown.Status, otpKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1067", otpKnown.Body, StringComparison.Ordinal);
        Assert.Equal((otpKnown.Status, otpKnown.Body, otpKnown.Hashes), (otpUnknown.Status, otpUnknown.Body, otpUnknown.Hashes));
        Assert.Equal((403, 2), (answersKnown.Status, answersKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1093", answersKnown.Body, StringComparison.Ordinal);
        Assert.Equal((answersKnown.Status, answersKnown.Body, answersKnown.Hashes), (answersUnknownIds.Status, answersUnknownIds.Body, answersUnknownIds.Hashes));
        Assert.Equal((answersKnown.Status, answersKnown.Body, answersKnown.Hashes), (answersUnknown.Status, answersUnknown.Body, answersUnknown.Hashes));
    }

    [Fact]
    public async Task A_known_account_locked_by_guessed_otps_answers_further_guesses_as_wrong_ones()
    {
        var account = await AccountAsync(new TenantSettings { Recovery = new RecoveryPolicy { ResetPinUrl = ResetPage }, Lockout = new LockoutPolicy { MaxFailedAttempts = 3 } });
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await ResetAsync(account, "otp/phone", new { account.Phone, OTP = "000000", PIN = "2468" }), 403, 1067);
        }

        var locked = await MeasureAsync(() => ResetAsync(account, "otp/phone", new { account.Phone, OTP = "000000", PIN = "2468" }));
        var unknown = await MeasureAsync(() => ResetAsync(account, "otp/phone", new { Phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999), OTP = "000000", PIN = "2468" }));

        Assert.Equal((locked.Status, locked.Body, locked.Hashes), (unknown.Status, unknown.Body, unknown.Hashes));
        Assert.Contains("\"ErrorCode\":1067", locked.Body, StringComparison.Ordinal);
        // The lock is real (the right password is refused), and a password login does not show it either.
        var lockedLogin = await MeasureAsync(() => Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }));
        var unknownLogin = await MeasureAsync(() => Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = $"{Guid.NewGuid():N}@example.com", password = Api.Password }));
        Assert.Equal((401, 1), (lockedLogin.Status, lockedLogin.Hashes));
        Assert.Equal((lockedLogin.Status, lockedLogin.Body, lockedLogin.Hashes), (unknownLogin.Status, unknownLogin.Body, unknownLogin.Hashes));
    }

    [Fact]
    public async Task A_captcha_lock_does_not_show_on_the_reset_routes_either()
    {
        var account = await AccountAsync(new TenantSettings
        {
            Recovery = new RecoveryPolicy { ResetPinUrl = ResetPage },
            Lockout = new LockoutPolicy { Type = LockoutType.Captcha, MaxFailedAttempts = 3 },
            BotProtection = new BotProtectionPolicy { Provider = BotProtectionProvider.ReCaptchaV2, Secret = FakeCaptchaProviders.Secret },
        });
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await ResetAsync(account, "otp/email", new { account.Email, OTP = "000000", PIN = "2468" }), 403, 1067);
        }

        var locked = await MeasureAsync(() => ResetAsync(account, "otp/email", new { account.Email, OTP = "000000", PIN = "2468" }));
        var unknown = await MeasureAsync(() => ResetAsync(account, "otp/email", new { Email = $"{Guid.NewGuid():N}@example.com", OTP = "000000", PIN = "2468" }));

        Assert.Equal((403, 1), (locked.Status, locked.Hashes));
        Assert.Equal((locked.Status, locked.Body, locked.Hashes), (unknown.Status, unknown.Body, unknown.Hashes));
    }

    [Fact]
    public async Task The_tenants_rules_answer_before_any_lookup_alike_for_known_and_unknown_identifiers()
    {
        var account = await AccountAsync();
        var nobody = $"{Guid.NewGuid():N}@example.com";

        var badPinKnown = await MeasureAsync(() => ResetAsync(account, "otp/email", new { account.Email, OTP = "123456", PIN = "1" }));
        var badPinUnknown = await MeasureAsync(() => ResetAsync(account, "otp/email", new { Email = nobody, OTP = "123456", PIN = "1" }));
        var oneAnswerKnown = await MeasureAsync(() => ResetAsync(account, "securityanswer/email", new { account.Email, SecurityAnswer = new { q1 = "orca" }, PIN = "2468" }));
        var oneAnswerUnknown = await MeasureAsync(() => ResetAsync(account, "securityanswer/email", new { Email = nobody, SecurityAnswer = new { q1 = "orca" }, PIN = "2468" }));

        Assert.Equal((403, 0), (badPinKnown.Status, badPinKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1134", badPinKnown.Body, StringComparison.Ordinal);
        Assert.Equal((badPinKnown.Status, badPinKnown.Body, badPinKnown.Hashes), (badPinUnknown.Status, badPinUnknown.Body, badPinUnknown.Hashes));
        Assert.Equal((403, 0), (oneAnswerKnown.Status, oneAnswerKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1260", oneAnswerKnown.Body, StringComparison.Ordinal);
        Assert.Equal((oneAnswerKnown.Status, oneAnswerKnown.Body, oneAnswerKnown.Hashes), (oneAnswerUnknown.Status, oneAnswerUnknown.Body, oneAnswerUnknown.Hashes));
    }
}
