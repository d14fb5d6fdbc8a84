using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Recovery;

/// <summary>How a forgot-PIN message reaches the account holder.</summary>
public enum RecoveryChannel
{
    /// <summary>An e-mail with a reset link (reset token) and an OTP.</summary>
    Email,
    /// <summary>An SMS with an OTP.</summary>
    Sms,
    /// <summary>A voice call reading the OTP.</summary>
    Voice,
}

/// <summary>
/// A pending PIN reset the account handed out: the secrets to deliver (the account keeps only their hashes)
/// and where to deliver them. Travels only inside the silo, from the account to the sender.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PinResetTicket")]
public sealed record PinResetTicket
{
    [Id(0)] public Problem? Problem { get; init; }
    /// <summary>The reset token of the link (e-mail only).</summary>
    [Id(1)] public Sensitive? ResetToken { get; init; }
    [Id(2)] public Sensitive? Otp { get; init; }
    /// <summary>E-mail addresses to write to (the primary first).</summary>
    [Id(3)] public IReadOnlyList<string> Emails { get; init; } = [];
    [Id(4)] public string? Phone { get; init; }
    /// <summary>How to greet the account holder (first name, else user name, else e-mail).</summary>
    [Id(5)] public string Name { get; init; } = "";

    public static PinResetTicket Fail(ErrorCode code) => new() { Problem = new Problem(code) };
}

/// <summary>What the SMS provider answered for a sent OTP (LoginRadius <c>Data {AccountSid, Sid}</c>).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SmsReceipt")]
public sealed record SmsReceipt([property: Id(0)] string AccountSid, [property: Id(1)] string Sid);

/// <summary>The answer to a forgot-PIN request.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.ForgotPinOutcome")]
public sealed record ForgotPinOutcome([property: Id(0)] Problem? Problem, [property: Id(1)] SmsReceipt? Sms = null);

/// <summary>How a PIN reset proves who is asking.</summary>
public enum PinResetProofKind
{
    ResetToken,
    Otp,
    SecurityAnswers,
}

/// <summary>The proof a PIN reset carries: the link's reset token (split into its lookup part and secret), an OTP, or security answers.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PinResetProof")]
public sealed record PinResetProof
{
    [Id(0)] public PinResetProofKind Kind { get; init; }
    /// <summary>Reset token: the public lookup part.</summary>
    [Id(1)] public string? Selector { get; init; }
    /// <summary>Reset token: the secret part; OTP: the code.</summary>
    [Id(2)] public Sensitive? Secret { get; init; }
    /// <summary>Security answers by question id.</summary>
    [Id(3)] public IReadOnlyDictionary<string, Sensitive> Answers { get; init; } = new Dictionary<string, Sensitive>();

    public static PinResetProof Otp(Sensitive otp) => new() { Kind = PinResetProofKind.Otp, Secret = otp };

    public static PinResetProof SecurityAnswers(IReadOnlyDictionary<string, Sensitive> answers) => new() { Kind = PinResetProofKind.SecurityAnswers, Answers = answers };
}

/// <summary>
/// Reset tokens are a lookup part and a secret part: the lookup part finds the account (so a wrong secret counts
/// against that account's lockout), the secret part is stored only as a hash.
/// </summary>
public static class ResetTokens
{
    public const int SelectorLength = 16;
    public const int SecretLength = 32;

    public static (string Selector, Sensitive Secret) New() =>
        (Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SelectorLength / 2)),
         new Sensitive(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SecretLength / 2))));

    /// <summary>The proof a presented reset token carries, or null when it cannot be a reset token.</summary>
    public static PinResetProof? Parse(string token)
    {
        var text = token.Trim();
        return text.Length == SelectorLength + SecretLength && text.All(char.IsAsciiHexDigit)
            ? new PinResetProof { Kind = PinResetProofKind.ResetToken, Selector = text[..SelectorLength].ToLowerInvariant(), Secret = new Sensitive(text[SelectorLength..].ToLowerInvariant()) }
            : null;
    }

    public static string Key(string apiKey, string selector) => $"{apiKey}/{selector}";
}

/// <summary>Sends forgot-PIN messages. Stateless: the account decides and records, this grain delivers.</summary>
[Alias("PinOrleans.IPinRecoveryGrain")]
public interface IPinRecoveryGrain : IGrainWithIntegerKey
{
    /// <summary>E-mails a reset link (built on <paramref name="resetPinUrl"/> or the tenant's) and an OTP to the account found by the identifier.</summary>
    Task<ForgotPinOutcome> SendResetEmailAsync(TenantSnapshot tenant, IdentifierKind kind, string identifier, string? resetPinUrl, string? template);

    /// <summary>Sends a reset OTP by SMS (or by voice call) to the account with this phone number.</summary>
    Task<ForgotPinOutcome> SendResetOtpAsync(TenantSnapshot tenant, string phone, string? template, bool voice);
}

/// <summary>Finds the account a reset token was issued to, by the token's lookup part.</summary>
[Alias("PinOrleans.IPinResetLinkGrain")]
public interface IPinResetLinkGrain : IGrainWithStringKey
{
    /// <summary>Records the link (once).</summary>
    Task StartAsync(TokenGrant grant);

    /// <summary>The Uid the link was issued to within <paramref name="apiKey"/>, or null.</summary>
    Task<string?> ResolveAsync(string apiKey);
}
