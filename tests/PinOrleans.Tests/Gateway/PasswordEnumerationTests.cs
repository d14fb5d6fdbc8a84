using System.Net;
using System.Text.Json;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// By default forgot password and reset password by OTP or security answers answer alike, and hash alike, whether or
/// not the identifier belongs to an account (the work compared is the number of hashes, not the time), as
/// <see cref="EnumerationTests"/> shows for the PIN routes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PasswordEnumerationTests(ClusterFixture fixture)
{
    private const string ResetPage = "https://app.example.com/reset-password";
    private const string NewPassword = "brand-new-secret-77";
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Phone, string UserName);

    private async Task<Account> AccountAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings ?? new TenantSettings { Recovery = new RecoveryPolicy { ResetPasswordUrl = ResetPage } });
        var id = Guid.NewGuid().ToString("N");
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = $"{id}@example.com" } }, UserName = "u" + id, PhoneId = phone, Password = Api.Password },
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        return new Account(tenant, $"{id}@example.com", phone, "u" + id);
    }

    private static string NewPhone() => "+1555" + Random.Shared.Next(1_000_000, 9_999_999);

    private Task<(int Status, string Body, int Hashes)> MeasureAsync(Func<Task<HttpResponseMessage>> call) => fixture.MeasureAsync(call);

    private Task<HttpResponseMessage> ForgotAsync(Account account, string route, object body) =>
        Api.PostAsync($"/identity/v2/auth/password{route}?apikey={account.Tenant.ApiKey}", body);

    private Task<HttpResponseMessage> ResetAsync(Account account, string route, object body) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/{route}?apikey={account.Tenant.ApiKey}", JsonSerializer.Serialize(body));

    [Fact]
    public async Task Forgot_password_answers_and_hashes_alike_for_known_and_unknown_identifiers_and_sends_only_to_the_known()
    {
        var account = await AccountAsync();
        var mails = fixture.Mail.CountTo(account.Email);

        var known = await MeasureAsync(() => ForgotAsync(account, "", new { email = account.Email }));
        var unknown = await MeasureAsync(() => ForgotAsync(account, "", new { email = $"{Guid.NewGuid():N}@example.com" }));
        var knownName = await MeasureAsync(() => ForgotAsync(account, "", new { username = account.UserName }));
        var unknownName = await MeasureAsync(() => ForgotAsync(account, "", new { username = "nobody-" + Guid.NewGuid().ToString("N") }));
        var knownPhone = await MeasureAsync(() => ForgotAsync(account, "/otp", new { phone = account.Phone }));
        var unknownPhone = await MeasureAsync(() => ForgotAsync(account, "/otp", new { phone = NewPhone() }));

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
    public async Task Resets_by_otp_or_security_answers_answer_an_unknown_identifier_as_a_wrong_secret_after_the_same_hashing()
    {
        var account = await AccountAsync();
        var uid = (await Api.LoginAsync(account.Tenant, account.Email)).GetProperty("Profile").GetProperty("Uid").GetString();
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={account.Tenant.ApiKey}",
            """{"SecurityQuestionAnswer": {"q1": "Blue Whale", "q2": "Zürich"}}""", headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), HttpStatusCode.OK);
        var nobody = $"{Guid.NewGuid():N}@example.com";

        var emailKnown = await MeasureAsync(() => ResetAsync(account, "reset", new { account.Email, Otp = "123456", Password = NewPassword }));
        var emailUnknown = await MeasureAsync(() => ResetAsync(account, "reset", new { Email = nobody, Otp = "123456", Password = NewPassword }));
        var nameUnknown = await MeasureAsync(() => ResetAsync(account, "reset", new { Username = "nobody-" + Guid.NewGuid().ToString("N"), Otp = "123456", Password = NewPassword }));
        var phoneKnown = await MeasureAsync(() => ResetAsync(account, "otp", new { account.Phone, Otp = "123456", Password = NewPassword }));
        var phoneUnknown = await MeasureAsync(() => ResetAsync(account, "otp", new { Phone = NewPhone(), Otp = "123456", Password = NewPassword }));
        var answersKnown = await MeasureAsync(() => ResetAsync(account, "securityanswer", new { account.Email, SecurityAnswer = new { q1 = "orca", q2 = "bern" }, Password = NewPassword }));
        var answersUnknownIds = await MeasureAsync(() => ResetAsync(account, "securityanswer", new { account.Email, SecurityAnswer = new { q7 = "orca", q8 = "bern" }, Password = NewPassword }));
        var answersUnknown = await MeasureAsync(() => ResetAsync(account, "securityanswer", new { Email = nobody, SecurityAnswer = new { q1 = "orca", q2 = "bern" }, Password = NewPassword }));

        Assert.Equal((403, 1), (emailKnown.Status, emailKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1185", emailKnown.Body, StringComparison.Ordinal);
        Assert.Equal((emailKnown.Status, emailKnown.Body, emailKnown.Hashes), (emailUnknown.Status, emailUnknown.Body, emailUnknown.Hashes));
        Assert.Equal((emailKnown.Status, emailKnown.Body, emailKnown.Hashes), (nameUnknown.Status, nameUnknown.Body, nameUnknown.Hashes));
        Assert.Equal((403, 1), (phoneKnown.Status, phoneKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1067", phoneKnown.Body, StringComparison.Ordinal);
        Assert.Equal((phoneKnown.Status, phoneKnown.Body, phoneKnown.Hashes), (phoneUnknown.Status, phoneUnknown.Body, phoneUnknown.Hashes));
        Assert.Equal((403, 2), (answersKnown.Status, answersKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1093", answersKnown.Body, StringComparison.Ordinal);
        Assert.Equal((answersKnown.Status, answersKnown.Body, answersKnown.Hashes), (answersUnknownIds.Status, answersUnknownIds.Body, answersUnknownIds.Hashes));
        Assert.Equal((answersKnown.Status, answersKnown.Body, answersKnown.Hashes), (answersUnknown.Status, answersUnknown.Body, answersUnknown.Hashes));
    }

    [Fact]
    public async Task A_password_the_policy_refuses_does_not_tell_a_known_account_from_an_unknown_one()
    {
        var account = await AccountAsync();
        var nobody = $"{Guid.NewGuid():N}@example.com";

        // With a wrong secret the policy is never reached: both answer as a wrong OTP, after the same hashing.
        var shortKnown = await MeasureAsync(() => ResetAsync(account, "reset", new { account.Email, Otp = "123456", Password = "x" }));
        var shortUnknown = await MeasureAsync(() => ResetAsync(account, "reset", new { Email = nobody, Otp = "123456", Password = "x" }));
        var asIdentifierKnown = await MeasureAsync(() => ResetAsync(account, "otp", new { account.Phone, Otp = "123456", Password = account.Email }));
        var asIdentifierUnknown = await MeasureAsync(() => ResetAsync(account, "otp", new { Phone = NewPhone(), Otp = "123456", Password = account.Email }));

        Assert.Equal((403, 1), (shortKnown.Status, shortKnown.Hashes));
        Assert.Contains("\"ErrorCode\":1185", shortKnown.Body, StringComparison.Ordinal);
        Assert.Equal((shortKnown.Status, shortKnown.Body, shortKnown.Hashes), (shortUnknown.Status, shortUnknown.Body, shortUnknown.Hashes));
        Assert.Equal((asIdentifierKnown.Status, asIdentifierKnown.Body, asIdentifierKnown.Hashes), (asIdentifierUnknown.Status, asIdentifierUnknown.Body, asIdentifierUnknown.Hashes));

        // The holder of the right secret does learn why the password was refused, and keeps the secret.
        await Api.ExpectAsync(await ForgotAsync(account, "/otp", new { phone = account.Phone }), HttpStatusCode.OK);
        var otp = System.Text.RegularExpressions.Regex.Match((await fixture.Sms.LatestToAsync(account.Phone)).Body!, @"\d{6}").Value;
        await Api.ExpectErrorAsync(await ResetAsync(account, "otp", new { account.Phone, Otp = otp, Password = "x" }), 403, 1134);
        await Api.ExpectAsync(await ResetAsync(account, "otp", new { account.Phone, Otp = otp, Password = NewPassword }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_known_account_locked_by_guessed_otps_answers_further_guesses_as_wrong_ones()
    {
        var account = await AccountAsync(new TenantSettings { Recovery = new RecoveryPolicy { ResetPasswordUrl = ResetPage }, Lockout = new LockoutPolicy { MaxFailedAttempts = 3 } });
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await ResetAsync(account, "reset", new { account.Email, Otp = "000000", Password = NewPassword }), 403, 1185);
        }

        var locked = await MeasureAsync(() => ResetAsync(account, "reset", new { account.Email, Otp = "000000", Password = NewPassword }));
        var unknown = await MeasureAsync(() => ResetAsync(account, "reset", new { Email = $"{Guid.NewGuid():N}@example.com", Otp = "000000", Password = NewPassword }));
        var lockedForgot = await MeasureAsync(() => ForgotAsync(account, "", new { email = account.Email }));
        var unknownForgot = await MeasureAsync(() => ForgotAsync(account, "", new { email = $"{Guid.NewGuid():N}@example.com" }));

        Assert.Equal((locked.Status, locked.Body, locked.Hashes), (unknown.Status, unknown.Body, unknown.Hashes));
        Assert.Contains("\"ErrorCode\":1185", locked.Body, StringComparison.Ordinal);
        Assert.Equal((200, 2), (lockedForgot.Status, lockedForgot.Hashes));
        Assert.Equal((lockedForgot.Status, lockedForgot.Body, lockedForgot.Hashes), (unknownForgot.Status, unknownForgot.Body, unknownForgot.Hashes));
    }
}
