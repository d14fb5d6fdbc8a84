namespace PinOrleans.Tenants;

/// <summary>Everything an application (tenant) configures about PIN login. Bound from configuration, held by the tenant grain.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantSettings")]
public sealed record TenantSettings
{
    [Id(0)] public PinPolicy Pin { get; init; } = new();
    [Id(1)] public LockoutPolicy Lockout { get; init; } = new();
    [Id(2)] public TokenLifetimes Tokens { get; init; } = new();
    [Id(3)] public TenantPlan Plan { get; init; } = new();
    [Id(4)] public PasswordPolicy Password { get; init; } = new();
    [Id(5)] public RecoveryPolicy Recovery { get; init; } = new();
    [Id(6)] public SecurityQuestionPolicy SecurityQuestions { get; init; } = new();
}

/// <summary>LoginRadius <c>PINConfiguration</c> plus the PIN format rules of the registration schema.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PinPolicy")]
public sealed record PinPolicy
{
    /// <summary>When false, PINs exist only for step-up and PIN login answers 1244.</summary>
    [Id(0)] public bool PINLogin { get; init; } = true;
    [Id(1)] public int MinLength { get; init; } = 4;
    [Id(2)] public int MaxLength { get; init; } = 8;
    /// <summary>Digits only when true; letters and digits when false.</summary>
    [Id(3)] public bool NumericOnly { get; init; } = true;
    /// <summary>Mandatory flow: a password login of an account without a PIN yields only a PINAuthToken, no access token.</summary>
    [Id(4)] public bool IsRequired { get; init; }
    [Id(5)] public bool AskOnRegistration { get; init; }
    /// <summary>Optional flow: every password login of an account without a PIN also yields a PINAuthToken.</summary>
    [Id(6)] public bool AskOnLogin { get; init; }
    /// <summary>Optional flow: only the first password login of an account without a PIN yields a PINAuthToken.</summary>
    [Id(7)] public bool AskOnlyOnFirstLogin { get; init; }

    /// <summary>Whether a password login of an account without a PIN must offer to set one.</summary>
    public bool AsksForPin(bool firstLogin) => IsRequired || AskOnLogin || (AskOnlyOnFirstLogin && firstLogin);
}

/// <summary>What kind of lock a brute-force lockout applies (LoginRadius <c>LoginLockedType</c>).</summary>
public enum LockoutType
{
    Suspend = 0,
    Block = 1,
}

/// <summary>LoginRadius <c>LoginLockedConfiguration</c>: how many failures lock an account and for how long.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.LockoutPolicy")]
public sealed record LockoutPolicy
{
    [Id(0)] public LockoutType LoginLockedType { get; init; } = LockoutType.Suspend;
    [Id(1)] public int MaximumFailedLoginAttempts { get; init; } = 5;

    /// <summary>NIST SP 800-63B: never more than this many consecutive failures, whatever the settings say.</summary>
    public const int NistCeiling = 100;

    /// <summary>The threshold in force: the setting, kept between 1 and <see cref="NistCeiling"/>.</summary>
    public int Threshold => Math.Clamp(MaximumFailedLoginAttempts, 1, NistCeiling);
    /// <summary>LoginRadius <c>SuspendConfiguration.EffectivePeriodInSeconds</c>: the first suspension.</summary>
    [Id(2)] public int SuspendEffectivePeriodInSeconds { get; init; } = 15 * 60;

    /// <summary>A suspension within this many seconds of the account's previous lock doubles the previous period (0: never).</summary>
    [Id(3)] public int EscalationWindowSeconds { get; init; } = 24 * 60 * 60;

    /// <summary>Escalation never suspends for longer than this.</summary>
    [Id(4)] public int MaxSuspendSeconds { get; init; } = 24 * 60 * 60;

    /// <summary>The suspension after <paramref name="escalations"/> doublings: the base period doubled, capped at <see cref="MaxSuspendSeconds"/>.</summary>
    public TimeSpan SuspendPeriod(int escalations) => TimeSpan.FromSeconds(
        Math.Min(SuspendEffectivePeriodInSeconds * Math.Pow(2, escalations), Math.Max(MaxSuspendSeconds, SuspendEffectivePeriodInSeconds)));
}

/// <summary>Lifetimes of the tokens a login issues.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenLifetimes")]
public sealed record TokenLifetimes
{
    [Id(0)] public int AccessTokenMinutes { get; init; } = 15;
    [Id(1)] public int RefreshTokenDays { get; init; } = 60;
    [Id(2)] public int PinSessionTokenMinutes { get; init; } = 7 * 24 * 60;
    /// <summary>How long a PINAuthToken (set a PIN after a password login) lives.</summary>
    [Id(3)] public int PinAuthTokenMinutes { get; init; } = 10;
    /// <summary>How long a step-up <c>SecondFactorValidationToken</c> lives.</summary>
    [Id(4)] public int StepUpTokenMinutes { get; init; } = 5;
}

/// <summary>The tenant's plan. A trial with an expiry in the past refuses every call with 6003.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantPlan")]
public sealed record TenantPlan
{
    /// <summary><c>Active</c> or <c>Trial</c>.</summary>
    [Id(0)] public string Name { get; init; } = "Active";
    [Id(1)] public DateTimeOffset? TrialExpiresAt { get; init; }

    public bool IsExpired(DateTimeOffset now) =>
        string.Equals(Name, "Trial", StringComparison.OrdinalIgnoreCase) && TrialExpiresAt is { } end && end <= now;
}

/// <summary>Password rules of the registration schema (LoginRadius defaults: 6 to 32 characters).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PasswordPolicy")]
public sealed record PasswordPolicy
{
    [Id(0)] public int MinLength { get; init; } = 6;
    [Id(1)] public int MaxLength { get; init; } = 32;
}

/// <summary>Forgot-PIN messages: where the reset link points, how long tokens and OTPs live, how often one may ask, and the templates.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.RecoveryPolicy")]
public sealed record RecoveryPolicy
{
    /// <summary>The page the reset link opens when the request names no <c>resetpinurl</c>; unset and not given answers 1248.</summary>
    [Id(0)] public string? ResetPinUrl { get; init; }
    /// <summary>How long the reset token of a forgot-PIN e-mail lives.</summary>
    [Id(1)] public int ResetTokenMinutes { get; init; } = 30;
    /// <summary>How long a reset OTP (e-mail or SMS) lives.</summary>
    [Id(2)] public int OtpMinutes { get; init; } = 10;
    /// <summary>Digits of a reset OTP.</summary>
    [Id(3)] public int OtpLength { get; init; } = 6;
    /// <summary>Forgot-PIN messages one account may receive per hour and channel; more answer 1122 (e-mail) or 1123 (SMS).</summary>
    [Id(4)] public int MaxMessagesPerHour { get; init; } = 5;
    /// <summary>E-mail templates by name (<c>emailtemplate</c>); <c>default</c> or a missing name uses the built-in one.</summary>
    [Id(5)] public Dictionary<string, EmailTemplate> EmailTemplates { get; init; } = [];
    /// <summary>SMS templates by name (<c>smstemplate</c>); the text may use the same placeholders.</summary>
    [Id(6)] public Dictionary<string, string> SmsTemplates { get; init; } = [];
}

/// <summary>
/// A message template. Placeholders: <c>{{AppName}}</c>, <c>{{Name}}</c>, <c>{{ResetLink}}</c>, <c>{{ResetToken}}</c>,
/// <c>{{Otp}}</c>, <c>{{ResetTokenMinutes}}</c>, <c>{{OtpMinutes}}</c>. Values are HTML-encoded in <see cref="Html"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.EmailTemplate")]
public sealed record EmailTemplate
{
    [Id(0)] public string Subject { get; init; } = "";
    [Id(1)] public string Text { get; init; } = "";
    /// <summary>Optional HTML part.</summary>
    [Id(2)] public string? Html { get; init; }
}

/// <summary>Security questions (reset PIN by security answer): on or off (1095), and how many answers a reset needs (1260).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SecurityQuestionPolicy")]
public sealed record SecurityQuestionPolicy
{
    [Id(0)] public bool Enabled { get; init; } = true;
    [Id(1)] public int MinimumAnswers { get; init; } = 1;
}
