using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>Settings are range-checked when set (merge patch: admin route, pinctl; bootstrap and create: the same check): every refusal names its setting.</summary>
public sealed class TenantSettingsRangeTests
{
    public static TheoryData<string, string> OutOfRange => new()
    {
        { """{"Pin":{"MinLength":0}}""", "Pin:MinLength" },
        { """{"Pin":{"MaxLength":65}}""", "Pin:MaxLength" },
        { """{"Pin":{"MinLength":8,"MaxLength":6}}""", "Pin:MaxLength" },
        { """{"Password":{"MinLength":-1}}""", "Password:MinLength" },
        { """{"Password":{"MinLength":40,"MaxLength":32}}""", "Password:MaxLength" },
        { """{"Password":{"MaxLength":100000}}""", "Password:MaxLength" },
        { """{"Lockout":{"MaxFailedAttempts":0}}""", "Lockout:MaxFailedAttempts" },
        { """{"Lockout":{"SuspendSeconds":0}}""", "Lockout:SuspendSeconds" },
        { """{"Lockout":{"SuspendSeconds":-60}}""", "Lockout:SuspendSeconds" },
        { """{"Lockout":{"SuspendSeconds":2147483647}}""", "Lockout:SuspendSeconds" },
        { """{"Lockout":{"MaxSuspendSeconds":0}}""", "Lockout:MaxSuspendSeconds" },
        { """{"Lockout":{"EscalationWindow":"-00:00:01"}}""", "Lockout:EscalationWindow" },
        { """{"Lockout":{"EscalationWindow":"10000.00:00:00"}}""", "Lockout:EscalationWindow" },
        { """{"Tokens":{"AccessTokenMinutes":0}}""", "Tokens:AccessTokenMinutes" },
        { """{"Tokens":{"AccessTokenMinutes":2147483647}}""", "Tokens:AccessTokenMinutes" },
        { """{"Tokens":{"RefreshTokenDays":-1}}""", "Tokens:RefreshTokenDays" },
        { """{"Tokens":{"RefreshTokenDays":3000000}}""", "Tokens:RefreshTokenDays" },
        { """{"Tokens":{"MaxRefreshFamilyDays":0}}""", "Tokens:MaxRefreshFamilyDays" },
        { """{"Tokens":{"PinSessionTokenMinutes":0}}""", "Tokens:PinSessionTokenMinutes" },
        { """{"Tokens":{"PinAuthTokenMinutes":0}}""", "Tokens:PinAuthTokenMinutes" },
        { """{"Tokens":{"StepUpTokenMinutes":-5}}""", "Tokens:StepUpTokenMinutes" },
        { """{"Recovery":{"ResetTokenMinutes":0}}""", "Recovery:ResetTokenMinutes" },
        { """{"Recovery":{"OtpMinutes":0}}""", "Recovery:OtpMinutes" },
        { """{"Recovery":{"OtpLength":3}}""", "Recovery:OtpLength" },
        { """{"Recovery":{"OtpLength":13}}""", "Recovery:OtpLength" },
        { """{"Recovery":{"MaxMessagesPerHour":0}}""", "Recovery:MaxMessagesPerHour" },
        { """{"SecurityQuestions":{"MinimumAnswers":0}}""", "SecurityQuestions:MinimumAnswers" },
        { """{"BotProtection":{"TencentMaxEvilLevel":101}}""", "BotProtection:TencentMaxEvilLevel" },
        { """{"Webhooks":{"MaxRetryDelaySeconds":1e300}}""", "Webhooks:MaxRetryDelaySeconds" },
        { """{"Webhooks":{"MaxAttempts":0}}""", "Webhooks:" },
        { """{"Webhooks":{"RetryBaseSeconds":0}}""", "Webhooks:" },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Out_of_range_values_are_refused_naming_the_setting(string patch, string setting)
    {
        var problem = TenantSettingsJson.TryMerge(new TenantSettings(), patch, out _);

        Assert.NotNull(problem);
        Assert.StartsWith(setting, problem, StringComparison.Ordinal);
    }

    public static TheoryData<string> InRange => new()
    {
        "{}",
        """{"Pin":{"MinLength":4,"MaxLength":4}}""",
        """{"Pin":{"MinLength":1,"MaxLength":64}}""",
        """{"Lockout":{"EscalationWindow":"00:00:00","SuspendSeconds":1,"MaxSuspendSeconds":1}}""",
        """{"Lockout":{"MaxFailedAttempts":100000}}""",
        """{"Tokens":{"RefreshTokenDays":3650,"AccessTokenMinutes":1,"PinSessionTokenMinutes":5256000}}""",
        """{"Recovery":{"ResetTokenMinutes":1,"OtpMinutes":1,"OtpLength":12,"MaxMessagesPerHour":1000}}""",
        """{"Webhooks":{"MaxRetryDelaySeconds":86400}}""",
    };

    [Theory]
    [MemberData(nameof(InRange))]
    public void Values_at_the_bounds_are_accepted(string patch) =>
        Assert.Null(TenantSettingsJson.TryMerge(new TenantSettings(), patch, out _));

    [Fact]
    public void No_accepted_lifetime_overflows_after_a_login_is_recorded()
    {
        var longest = TenantSettingsJson.Merge(new TenantSettings(), """{"Tokens":{"RefreshTokenDays":3650,"AccessTokenMinutes":5256000,"PinSessionTokenMinutes":5256000}}""");
        Assert.Null(longest.Problem());
        var now = DateTimeOffset.UtcNow;
        Assert.True(now.AddDays(longest.Tokens.RefreshTokenDays) > now);
        Assert.True(now.AddMinutes(longest.Tokens.PinSessionTokenMinutes) > now);
        Assert.True(now.AddSeconds(longest.Lockout.SuspendPeriod(30).TotalSeconds) > now);
        Assert.NotNull(TenantSettingsJson.TryMerge(new TenantSettings(), """{"Tokens":{"RefreshTokenDays":2147483647}}""", out _));
    }
}
