using System.Text.Json.Serialization;

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
    [Id(7)] public BotProtectionPolicy BotProtection { get; init; } = new();
    [Id(8)] public Webhooks.WebhookPolicy Webhooks { get; init; } = new();
    /// <summary>
    /// Origins (besides the default pages such as <c>Recovery:ResetPinUrl</c>) that links a caller names may open
    /// (LoginRadius' whitelisted domains); the forms an entry takes are in <see cref="AllowedLinks"/>.
    /// </summary>
    [Id(9)] public List<string> AllowedDomains { get; init; } = [];
    /// <summary>
    /// No enumeration (the default): forgot PIN answers <c>IsPosted</c> whether or not the identifier belongs to an
    /// account (and sends in the background); a reset by OTP or security answers answers an unknown identifier, or a
    /// locked account, as a wrong secret after the same hashing; a password login to a suspended or blocked account
    /// answers as a wrong password does. False restores LoginRadius' distinct codes (1023, 1022, 1043, 1092, 1094,
    /// 1122, 1123, 1072, 1198, 991 and the lock prompts) and a forgot-PIN answer that waits for the provider.
    /// </summary>
    [Id(10)] public bool UniformAnswers { get; init; } = true;
    /// <summary>Self-registration, e-mail and phone verification, availability checks (<see cref="RegistrationPolicy"/>).</summary>
    [Id(50)] public RegistrationPolicy Registration { get; init; } = new();
    /// <summary>The hosted login page and its branding (<see cref="HostedPagePolicy"/>).</summary>
    [Id(11)] public HostedPagePolicy HostedPage { get; init; } = new();

    /// <summary>Why these settings cannot work together, or null.</summary>
    public string? Problem()
    {
        if ((RangeProblem() ?? AllowedLinks.SettingsProblem(AllowedDomains, [.. PinOrleans.Recovery.SecretPurposes.DefaultPages(this)])) is { } invalid)
        {
            return invalid;
        }

        if (Lockout.Type == LockoutType.Captcha && BotProtection.Provider == BotProtectionProvider.None)
        {
            return "Lockout:Type Captcha needs a BotProtection:Provider to verify captchas with.";
        }

        if (BotProtection.RequireOnPinLogin && BotProtection.Provider == BotProtectionProvider.None)
        {
            return "BotProtection:RequireOnPinLogin needs a BotProtection:Provider.";
        }

        if (Registration.RequireCaptcha && BotProtection.Provider == BotProtectionProvider.None)
        {
            return "Registration:RequireCaptcha needs a BotProtection:Provider.";
        }

        return BotProtection.Problem() ?? SecurityQuestions.Problem() ?? Webhooks.Problem() ?? HostedPage.Problem();
    }

    /// <summary>The longest any lifetime may be: ten years, so that no expiry computed from now overflows.</summary>
    public const int MaxLifetimeDays = 3650;

    /// <summary>A number setting outside the range it works in (zero or negative lifetimes and counts, lengths the wrong way round), naming it; or null.</summary>
    private string? RangeProblem()
    {
        const int minutes = MaxLifetimeDays * 24 * 60;
        const int seconds = minutes * 60;
        (string Setting, double Value, double Min, double Max)[] ranges =
        [
            ("Pin:MinLength", Pin.MinLength, 1, 64),
            ("Pin:MaxLength", Pin.MaxLength, Pin.MinLength, 64),
            ("Password:MinLength", Password.MinLength, 1, 512),
            ("Password:MaxLength", Password.MaxLength, Password.MinLength, 512),
            ("Password:History", Password.History, 0, PasswordPolicy.MaxHistory),
            ("Lockout:MaxFailedAttempts", Lockout.MaxFailedAttempts, 1, int.MaxValue),
            ("Lockout:SuspendSeconds", Lockout.SuspendSeconds, 1, seconds),
            ("Lockout:MaxSuspendSeconds", Lockout.MaxSuspendSeconds, 1, seconds),
            // Zero is a documented value: never escalate.
            ("Lockout:EscalationWindow (in days)", Lockout.EscalationWindow.TotalDays, 0, MaxLifetimeDays),
            ("Tokens:AccessTokenMinutes", Tokens.AccessTokenMinutes, 1, minutes),
            ("Tokens:RefreshTokenDays", Tokens.RefreshTokenDays, 1, MaxLifetimeDays),
            ("Tokens:MaxRefreshFamilyDays", Tokens.MaxRefreshFamilyDays, 1, MaxLifetimeDays),
            ("Tokens:PinSessionTokenMinutes", Tokens.PinSessionTokenMinutes, 1, minutes),
            ("Tokens:PinAuthTokenMinutes", Tokens.PinAuthTokenMinutes, 1, minutes),
            ("Tokens:StepUpTokenMinutes", Tokens.StepUpTokenMinutes, 1, minutes),
            ("Recovery:ResetTokenMinutes", Recovery.ResetTokenMinutes, 1, minutes),
            ("Recovery:VerificationTokenMinutes", Recovery.VerificationTokenMinutes, 1, minutes),
            ("Recovery:OtpMinutes", Recovery.OtpMinutes, 1, minutes),
            ("Recovery:OtpLength", Recovery.OtpLength, 4, 12),
            ("Recovery:MaxMessagesPerHour", Recovery.MaxMessagesPerHour, 1, 1000),
            ("SecurityQuestions:MinimumAnswers", SecurityQuestions.MinimumAnswers, 1, 20),
            ("BotProtection:TencentMaxEvilLevel", BotProtection.TencentMaxEvilLevel, 0, 100),
            ("Webhooks:MaxRetryDelaySeconds", Webhooks.MaxRetryDelaySeconds, 0, 24 * 60 * 60),
        ];
        return ranges.FirstOrDefault(r => !(r.Value >= r.Min && r.Value <= r.Max)) is { Setting: { } setting } bad
            ? $"{setting} must be {bad.Min} to {(bad.Max == int.MaxValue ? "any larger number" : bad.Max)}."
            : null;
    }
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

    /// <summary>Why a new PIN breaks this policy, or null when it does not.</summary>
    public string? ErrorFor(string pin)
    {
        if (pin.Length < MinLength || pin.Length > MaxLength)
        {
            return $"The PIN must be {MinLength} to {MaxLength} characters long.";
        }

        var allowed = NumericOnly ? pin.All(char.IsAsciiDigit) : pin.All(char.IsAsciiLetterOrDigit);
        return allowed ? null : NumericOnly ? "The PIN may contain digits only." : "The PIN may contain letters and digits only.";
    }
}

/// <summary>What kind of lock a brute-force lockout applies (LoginRadius <c>LoginLockedType</c>).</summary>
public enum LockoutType
{
    /// <summary>No login for a while (1198 with the time the lock ends); escalates when it happens again soon.</summary>
    Suspend = 0,
    /// <summary>No login until an administrator unblocks the account (991).</summary>
    Block = 1,
    /// <summary>Every further attempt must carry a solved captcha (1132 without one) until a login succeeds.</summary>
    Captcha = 2,
    /// <summary>Every further attempt must carry a right security answer (1148 without one) until a login succeeds.</summary>
    SecurityQuestion = 3,
}

/// <summary>
/// LoginRadius <c>LoginLockedConfiguration</c>: how many failures lock an account, what the lock is, and how long a
/// suspension lasts (configuration <c>Lockout:MaxFailedAttempts</c>, <c>Type</c>, <c>SuspendSeconds</c>,
/// <c>EscalationWindow</c>, <c>MaxSuspendSeconds</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.LockoutPolicy")]
public sealed record LockoutPolicy
{
    [Id(0)] public LockoutType Type { get; init; } = LockoutType.Suspend;
    [Id(1)] public int MaxFailedAttempts { get; init; } = 5;

    /// <summary>
    /// NIST SP 800-63B 5.2.2: never more than this many consecutive failures on one account, whatever the settings
    /// say. The threshold is kept below it, and the hundredth consecutive failure (suspensions that ran out, captcha
    /// or security-answer locks included) blocks the account until an administrator unlocks it.
    /// </summary>
    public const int NistCeiling = 100;

    /// <summary>The threshold in force: the setting, kept between 1 and <see cref="NistCeiling"/>.</summary>
    [JsonIgnore]
    public int Threshold => Math.Clamp(MaxFailedAttempts, 1, NistCeiling);

    /// <summary>LoginRadius <c>SuspendConfiguration.EffectivePeriodInSeconds</c>: the first suspension.</summary>
    [Id(2)] public int SuspendSeconds { get; init; } = 15 * 60;

    /// <summary>A suspension within this time of the account's previous lock doubles the previous period (zero: never).</summary>
    [Id(3)] public TimeSpan EscalationWindow { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Escalation never suspends for longer than this.</summary>
    [Id(4)] public int MaxSuspendSeconds { get; init; } = 24 * 60 * 60;

    /// <summary>The suspension after <paramref name="escalations"/> doublings: the base period doubled, capped at <see cref="MaxSuspendSeconds"/>.</summary>
    public TimeSpan SuspendPeriod(int escalations) => TimeSpan.FromSeconds(
        Math.Min(SuspendSeconds * Math.Pow(2, escalations), Math.Max(MaxSuspendSeconds, SuspendSeconds)));
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
    /// <summary>Refresh-token rotation keeps a login's token family alive at most this long after the login; then the user logs in again.</summary>
    [Id(5)] public int MaxRefreshFamilyDays { get; init; } = 90;
    /// <summary>
    /// Changing or resetting a password or PIN ends the account's other PIN sessions, access and refresh tokens (the
    /// changer's own login and PIN session stay). False keeps them all, as LoginRadius does by default.
    /// </summary>
    [Id(6)] public bool EndSessionsOnCredentialChange { get; init; } = true;
    /// <summary>
    /// LoginRadius' sliding access token (enabled there by its support): <c>GET auth/access_token/sliding_token</c>
    /// trades a live access token for a new pair of the same login. Off by default (909).
    /// </summary>
    [Id(7)] public bool SlidingAccessToken { get; init; }
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

/// <summary>
/// The tenant's password policy (LoginRadius' Password Policy: complexity and history), applied wherever a password
/// is set: length (LoginRadius defaults: 6 to 32 characters), the character kinds it must contain (off by default,
/// as NIST SP 800-63B advises; LoginRadius' Medium and Strong levels ask for an uppercase letter, a digit and a
/// special character), not being one of the account's identifiers (on by default), and not being one of the account's
/// last <see cref="History"/> passwords (off by default, as in LoginRadius).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PasswordPolicy")]
public sealed record PasswordPolicy
{
    [Id(0)] public int MinLength { get; init; } = 6;
    [Id(1)] public int MaxLength { get; init; } = 32;
    /// <summary>At least one uppercase letter.</summary>
    [Id(2)] public bool RequireUppercase { get; init; }
    /// <summary>At least one lowercase letter.</summary>
    [Id(3)] public bool RequireLowercase { get; init; }
    /// <summary>At least one digit.</summary>
    [Id(4)] public bool RequireDigit { get; init; }
    /// <summary>At least one character that is neither a letter nor a digit.</summary>
    [Id(5)] public bool RequireSpecial { get; init; }
    /// <summary>The password may not equal (in any casing) one of the account's e-mail addresses, its user name or its phone number.</summary>
    [Id(6)] public bool RejectIdentifiers { get; init; } = true;
    /// <summary>
    /// A new password may not be any of the account's last N passwords, the current one included (0: no history).
    /// Only their hashes are kept; checking costs one hash per remembered password, hence at most <see cref="MaxHistory"/>.
    /// </summary>
    [Id(7)] public int History { get; init; }

    /// <summary>The most passwords a history may remember.</summary>
    public const int MaxHistory = 10;
}

/// <summary>
/// Messages that carry one-time secrets (forgot PIN and password, verification, deletion): the pages their links
/// open, how long tokens and OTPs live, how often one may ask, and the templates.
/// </summary>
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
    /// <summary>The page a forgot-password link opens when the request names no <c>resetpasswordurl</c>.</summary>
    [Id(7)] public string? ResetPasswordUrl { get; init; }
    /// <summary>The page an e-mail verification link opens when the request names no <c>verificationurl</c>.</summary>
    [Id(8)] public string? VerificationUrl { get; init; }
    /// <summary>The page an account deletion link opens when the request names no <c>deleteurl</c>.</summary>
    [Id(9)] public string? DeleteAccountUrl { get; init; }
    /// <summary>How long an e-mail verification link lives (a day by default).</summary>
    [Id(10)] public int VerificationTokenMinutes { get; init; } = 24 * 60;
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

/// <summary>
/// Security questions (reset PIN by security answer, the SecurityQuestion lockout): on or off (1095), and how many
/// answers a reset needs (1260). PinOrleans asks for two by default, where LoginRadius asks for one
/// (<c>MinimumAnswers: 1</c> restores that); an account with fewer saved answers cannot use them to reset.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SecurityQuestionPolicy")]
public sealed record SecurityQuestionPolicy
{
    [Id(0)] public bool Enabled { get; init; } = true;
    [Id(1)] public int MinimumAnswers { get; init; } = 2;
    /// <summary>The questions the tenant offers, text by question id (what <c>GET auth/securityquestion/*</c> shows).</summary>
    [Id(2)] public Dictionary<string, string> Questions { get; init; } = [];

    /// <summary>The most questions a tenant may offer.</summary>
    public const int MaxQuestions = 50;

    /// <summary>Why <see cref="Questions"/> cannot be shown, or null.</summary>
    public string? Problem() =>
        Questions.Count > MaxQuestions || Questions.Any(q =>
            q.Key.Length is 0 or > 64 || !q.Key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            || string.IsNullOrWhiteSpace(q.Value) || q.Value.Length > 500 || q.Value.Any(char.IsControl))
            ? $"SecurityQuestions:Questions takes at most {MaxQuestions} questions: ids of 1 to 64 letters, digits, '_' or '-', texts of 1 to 500 characters."
            : null;

    /// <summary>The answers a request must bring: the setting, at least one.</summary>
    [JsonIgnore]
    public int RequiredAnswers => Math.Max(MinimumAnswers, 1);
}

/// <summary>Which captcha service verifies the answers a tenant's clients send.</summary>
public enum BotProtectionProvider
{
    None = 0,
    ReCaptchaV2 = 1,
    ReCaptchaV3 = 2,
    HCaptcha = 3,
    Tencent = 4,
}

/// <summary>
/// Bot protection (configuration <c>BotProtection:*</c>): the provider, its keys, and when a
/// solved captcha is required. Captcha answers come in <c>g-recaptcha-response</c>, <c>g_recaptcha_response</c>,
/// <c>h-captcha-response</c>, or <c>qq_captcha_ticket</c> with <c>qq_captcha_randstr</c> (query or body).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.BotProtectionPolicy")]
public sealed record BotProtectionPolicy
{
    [Id(0)] public BotProtectionProvider Provider { get; init; }
    /// <summary>reCAPTCHA or hCaptcha secret key (server side; never shown).</summary>
    [Id(1)] public string? Secret { get; init; }
    /// <summary>The site key the page uses; hCaptcha checks that answers were made for it.</summary>
    [Id(2)] public string? SiteKey { get; init; }
    /// <summary>reCAPTCHA v3 (and scored hCaptcha): answers scoring below this are rejected.</summary>
    [Id(3)] public double MinScore { get; init; } = 0.5;
    /// <summary>reCAPTCHA v3: the action the page must have named (unset: any).</summary>
    [Id(4)] public string? Action { get; init; }
    /// <summary>Tencent captcha App ID (<c>aid</c>).</summary>
    [Id(5)] public string? TencentAppId { get; init; }
    /// <summary>Tencent captcha App Secret Key (never shown).</summary>
    [Id(6)] public string? TencentAppSecretKey { get; init; }
    // Id 7 (a tenant's VerifyUrl) is retired: the verify endpoint is the operator's (gateway BotProtection:*VerifyUrl).
    /// <summary>Every PIN login needs a solved captcha; otherwise only accounts under a Captcha lockout do.</summary>
    [Id(8)] public bool RequireOnPinLogin { get; init; }
    /// <summary>When the provider cannot be reached, let PIN logins through without the always-on check (never lifts a Captcha lockout). Default: fail closed.</summary>
    [Id(9)] public bool FailOpen { get; init; }
    /// <summary>Tencent answers with an <c>evil_level</c> from 0 (safe) to 100; answers at or above this are rejected.</summary>
    [Id(10)] public int TencentMaxEvilLevel { get; init; } = 70;
    /// <summary>hCaptcha Enterprise answers with a risk score (0 human, 1 bot); answers above this are rejected.</summary>
    [Id(11)] public double MaxRiskScore { get; init; } = 0.7;

    /// <summary>Why this configuration cannot verify anything, or null.</summary>
    public string? Problem()
    {
        if (Provider == BotProtectionProvider.None)
        {
            return null;
        }

        if (Provider == BotProtectionProvider.Tencent ? string.IsNullOrWhiteSpace(TencentAppId) || string.IsNullOrWhiteSpace(TencentAppSecretKey) : string.IsNullOrWhiteSpace(Secret))
        {
            return Provider == BotProtectionProvider.Tencent ? "BotProtection:TencentAppId and TencentAppSecretKey are required for Tencent." : $"BotProtection:Secret is required for {Provider}.";
        }

        return MinScore is < 0 or > 1 || MaxRiskScore is < 0 or > 1 ? "BotProtection:MinScore and MaxRiskScore must be between 0 and 1." : null;
    }
}
