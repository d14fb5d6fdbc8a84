namespace PinOrleans.Tenants;

/// <summary>LoginRadius' e-mail (or phone) verification flows.</summary>
public enum VerificationFlow
{
    /// <summary>
    /// Registration sends a verification message and answers with the Profile and tokens at once; logins work before
    /// the address is verified (PinOrleans' default, so accounts created earlier without verification keep working).
    /// </summary>
    Optional = 0,
    /// <summary>
    /// LoginRadius' default: registration sends a verification message and answers only <c>{"IsPosted": true}</c>; a
    /// password login with the right password answers 970 (e-mail) or 1066 (phone) until the address is verified.
    /// </summary>
    Mandatory = 1,
    /// <summary>No verification message; registration answers with the Profile and tokens.</summary>
    Disabled = 2,
}

/// <summary>Who may ask whether an e-mail address, user name or phone number is taken (<c>GET auth/email|username|phone</c>).</summary>
public enum AvailabilityChecks
{
    /// <summary>Follows <see cref="TenantSettings.UniformAnswers"/>: with it (the default) only callers with the API secret; without it anyone with the API key.</summary>
    Auto = 0,
    /// <summary>Only a caller that also sends the API secret (a server); others get 908 for the missing <c>apisecret</c>, 902 for a wrong one.</summary>
    ApiSecret = 1,
    /// <summary>LoginRadius' behaviour: anyone with the API key (rate limited).</summary>
    Open = 2,
}

/// <summary>
/// Self-registration (<c>POST /identity/v2/auth/register</c>) and the verification of the addresses it registers
/// (configuration <c>Registration:*</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.RegistrationPolicy")]
public sealed record RegistrationPolicy
{
    /// <summary>False refuses self-registration with 1190 (the management API still creates accounts).</summary>
    [Id(0)] public bool Enabled { get; init; } = true;
    /// <summary>The e-mail verification flow.</summary>
    [Id(1)] public VerificationFlow EmailVerification { get; init; } = VerificationFlow.Optional;
    /// <summary>The phone verification flow of accounts registered by phone (without an e-mail address).</summary>
    [Id(2)] public VerificationFlow PhoneVerification { get; init; } = VerificationFlow.Optional;
    /// <summary>LoginRadius' "auto login after e-mail verification": verifying answers with the Profile and an access token too.</summary>
    [Id(4)] public bool AutoLoginAfterVerification { get; init; }
    /// <summary>A welcome e-mail goes out when an address is verified (or at registration when verification is disabled).</summary>
    [Id(5)] public bool WelcomeEmail { get; init; }
    /// <summary>Every registration needs a solved captcha (<c>auth/register/captcha</c> always does), beside the SOTT of <c>auth/register</c>.</summary>
    [Id(6)] public bool RequireCaptcha { get; init; }
    /// <summary>Who may use the availability checks.</summary>
    [Id(7)] public AvailabilityChecks AvailabilityChecks { get; init; }

    /// <summary>Whether an availability check needs the API secret under these settings.</summary>
    public bool AvailabilityNeedsSecret(bool uniformAnswers) =>
        AvailabilityChecks == AvailabilityChecks.ApiSecret || (AvailabilityChecks == AvailabilityChecks.Auto && uniformAnswers);
}
