using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Recovery;

/// <summary>
/// What a one-time secret an account hands out is for. Each purpose has at most one pending secret per account (a
/// newer request replaces the older one, whose link then answers 979); the rules per purpose are in
/// <see cref="SecretPurposes"/>.
/// </summary>
public enum SecretPurpose
{
    /// <summary>Forgot PIN: a reset link and OTP by e-mail, or an OTP by SMS or voice.</summary>
    PinReset,
    /// <summary>Forgot password: a reset link (and OTP) by e-mail, or an OTP by SMS.</summary>
    PasswordReset,
    /// <summary>Verifying an e-mail address: a verification link (and OTP) to that address.</summary>
    EmailVerification,
    /// <summary>Verifying a phone number: an OTP by SMS to that number.</summary>
    PhoneVerification,
    /// <summary>Confirming the deletion of the account: a link by e-mail.</summary>
    AccountDeletion,
}

/// <summary>How a one-time secret reaches the account holder.</summary>
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
/// A one-time secret the account handed out: the secrets to deliver (the account keeps only their hashes) and
/// where to deliver them. Travels only inside the silo, from the account to the sender.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SecretTicket")]
public sealed record SecretTicket
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
    /// <summary>The account the secret belongs to.</summary>
    [Id(6)] public string Uid { get; init; } = "";

    public static SecretTicket Fail(ErrorCode code) => new() { Problem = new Problem(code) };
}

/// <summary>What the SMS provider answered for a sent OTP (LoginRadius <c>Data {AccountSid, Sid}</c>).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SmsReceipt")]
public sealed record SmsReceipt([property: Id(0)] string AccountSid, [property: Id(1)] string Sid);

/// <summary>The answer to a request that sends a one-time secret (forgot PIN or password, verification).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.ForgotPinOutcome")]
public sealed record MessageOutcome([property: Id(0)] Problem? Problem, [property: Id(1)] SmsReceipt? Sms = null);

/// <summary>A link token issued for a management route (<c>manage/account/forgot/token</c>), or why none was.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenIssued")]
public sealed record TokenIssued([property: Id(0)] Problem? Problem, [property: Id(1)] Sensitive? Token = null);

/// <summary>How a request proves it holds a one-time secret (or knows the security answers).</summary>
public enum SecretProofKind
{
    ResetToken,
    Otp,
    SecurityAnswers,
}

/// <summary>The proof a request carries: a link's token (split into its lookup part and secret), an OTP, or security answers.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SecretProof")]
public sealed record SecretProof
{
    [Id(0)] public SecretProofKind Kind { get; init; }
    /// <summary>Reset token: the public lookup part.</summary>
    [Id(1)] public string? Selector { get; init; }
    /// <summary>Reset token: the secret part; OTP: the code.</summary>
    [Id(2)] public Sensitive? Secret { get; init; }
    /// <summary>Security answers by question id.</summary>
    [Id(3)] public IReadOnlyDictionary<string, Sensitive> Answers { get; init; } = new Dictionary<string, Sensitive>();

    /// <summary>An OTP the request says came by e-mail (the identifier is an e-mail address or user name), not by SMS or voice: the purpose's e-mail OTP codes answer.</summary>
    [Id(4)] public bool ByEmail { get; init; }

    public static SecretProof Otp(Sensitive otp, bool byEmail = false) => new() { Kind = SecretProofKind.Otp, Secret = otp, ByEmail = byEmail };

    /// <summary>Whether this proof is a secret the account handed out (a link's token or an OTP), not answers it knows.</summary>
    public bool IsHandedOut => Kind is SecretProofKind.ResetToken or SecretProofKind.Otp;

    public static SecretProof SecurityAnswers(IReadOnlyDictionary<string, Sensitive> answers) => new() { Kind = SecretProofKind.SecurityAnswers, Answers = answers };
}

/// <summary>
/// Link tokens (reset, verification, deletion) are a lookup part and a secret part: the lookup part finds the
/// account (so a wrong secret counts against that account's lockout), the secret part is stored only as a hash.
/// </summary>
public static class ResetTokens
{
    public const int SelectorLength = 16;
    public const int SecretLength = 32;

    public static (string Selector, Sensitive Secret) New() =>
        (Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SelectorLength / 2)),
         new Sensitive(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SecretLength / 2))));

    /// <summary>The proof a presented link token carries, or null when it cannot be one.</summary>
    public static SecretProof? Parse(string token)
    {
        var text = token.Trim();
        return text.Length == SelectorLength + SecretLength && text.All(char.IsAsciiHexDigit)
            ? new SecretProof { Kind = SecretProofKind.ResetToken, Selector = text[..SelectorLength].ToLowerInvariant(), Secret = new Sensitive(text[SelectorLength..].ToLowerInvariant()) }
            : null;
    }

    public static string Key(string apiKey, string selector) => $"{apiKey}/{selector}";
}

/// <summary>
/// Sends the messages that carry one-time secrets (forgot PIN and password, e-mail and phone verification, deletion
/// confirmation). Stateless: the account decides and records, this grain renders the tenant's template and delivers.
/// </summary>
[Alias("PinOrleans.IPinRecoveryGrain")]
public interface IAccountMessagesGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// E-mails a link (built on <paramref name="url"/>, or the purpose's page in the tenant's settings) and, where the
    /// purpose has one, an OTP to the account found by the identifier.
    /// </summary>
    Task<MessageOutcome> SendEmailAsync(TenantSnapshot tenant, SecretPurpose purpose, IdentifierKind kind, string identifier, string? url, string? template);

    /// <summary>Like <see cref="SendEmailAsync"/> for an account known by its Uid, to <paramref name="address"/> (one of its e-mails; null: all of them).</summary>
    Task<MessageOutcome> SendEmailToAccountAsync(TenantSnapshot tenant, SecretPurpose purpose, string uid, string? address, string? url, string? template);

    /// <summary>Sends an OTP by SMS (or by voice call) to the account with this phone number.</summary>
    Task<MessageOutcome> SendOtpAsync(TenantSnapshot tenant, SecretPurpose purpose, string phone, string? template, bool voice);

    /// <summary>Like <see cref="SendOtpAsync"/> for an account known by its Uid, to <paramref name="phone"/> (null: its PhoneId).</summary>
    Task<MessageOutcome> SendOtpToAccountAsync(TenantSnapshot tenant, SecretPurpose purpose, string uid, string? phone, string? template, bool voice);

    /// <summary>E-mails the welcome message (<paramref name="template"/>, else the tenant's <c>welcome</c> template, else the built-in one) to the account's addresses; it carries no secret.</summary>
    Task<MessageOutcome> SendWelcomeEmailAsync(TenantSnapshot tenant, string uid, string? template);

    /// <summary>
    /// Has the account found by the identifier issue a link token of <paramref name="purpose"/> and returns it, for a
    /// management route that carries the API secret (so distinct codes, never uniform answers); with
    /// <paramref name="send"/> the link also goes out by e-mail as <see cref="SendEmailAsync"/> sends it.
    /// </summary>
    Task<TokenIssued> IssueTokenAsync(TenantSnapshot tenant, SecretPurpose purpose, IdentifierKind kind, string identifier, string? url, string? template, bool send);
}

/// <summary>Finds the account a link token was issued to, by the token's lookup part (whatever the purpose).</summary>
[Alias("PinOrleans.IPinResetLinkGrain")]
public interface ISecretLinkGrain : IGrainWithStringKey
{
    /// <summary>Records the link (once).</summary>
    Task StartAsync(TokenGrant grant);

    /// <summary>The Uid the link was issued to within <paramref name="apiKey"/>, or null.</summary>
    Task<string?> ResolveAsync(string apiKey);
}

/// <summary>
/// The rules of one <see cref="SecretPurpose"/>: the link's <c>vtype</c> and default page, how long the link lives,
/// whether an e-mail carries an OTP beside the link, whether it is a reset (refused while a lock would refuse the
/// reset itself; proves control of the account), and the codes a spent, expired or wrong secret answers.
/// </summary>
public sealed record SecretRules
{
    /// <summary>The link's <c>vtype</c> query value (LoginRadius' hosted pages tell the purposes apart by it).</summary>
    public required string LinkType { get; init; }
    /// <summary>The page a link opens when the request names none (a tenant setting), and that setting's name.</summary>
    public required Func<TenantSettings, string?> DefaultPage { get; init; }
    public required string PageSetting { get; init; }
    /// <summary>How long the link lives.</summary>
    public required Func<TenantSettings, int> LinkMinutes { get; init; }
    /// <summary>An e-mail carries an OTP beside the link (reset or verify by OTP).</summary>
    public bool EmailOtp { get; init; } = true;
    /// <summary>A reset: refused up front while a lock would refuse the reset itself; the secret proves control of the account.</summary>
    public bool IsReset { get; init; }
    /// <summary>A right link token that was used already, or expired, or a wrong one for a live link.</summary>
    public ErrorCode LinkSpent { get; init; } = ErrorCode.VerificationTokenInvalid;
    public ErrorCode LinkExpired { get; init; } = ErrorCode.LinkExpired;
    public ErrorCode LinkWrong { get; init; } = ErrorCode.VerificationTokenInvalid;
    /// <summary>
    /// An OTP a request says came by e-mail (<see cref="SecretProof.ByEmail"/>) that is wrong, used already, or
    /// expired; an OTP by SMS or voice always answers 1067, 1068, 1069.
    /// </summary>
    public ErrorCode EmailOtpWrong { get; init; } = ErrorCode.OtpInvalid;
    public ErrorCode EmailOtpSpent { get; init; } = ErrorCode.OtpAlreadyUsed;
    public ErrorCode EmailOtpExpired { get; init; } = ErrorCode.OtpExpired;
    /// <summary>A link page off the tenant's allowlist (nothing is looked up or sent).</summary>
    public ErrorCode UrlRefused { get; init; } = ErrorCode.ResetPinUrlInvalid;
    /// <summary>What the message says it is for, in log lines.</summary>
    public required string Description { get; init; }
}

/// <summary>The rules of each <see cref="SecretPurpose"/>.</summary>
public static class SecretPurposes
{
    private static readonly Dictionary<SecretPurpose, SecretRules> Table = new()
    {
        [SecretPurpose.PinReset] = new()
        {
            LinkType = "resetpin", DefaultPage = s => s.Recovery.ResetPinUrl, PageSetting = "Recovery:ResetPinUrl",
            LinkMinutes = s => s.Recovery.ResetTokenMinutes, IsReset = true, LinkSpent = ErrorCode.PinResetLinkUsed, Description = "Forgot-PIN",
        },
        [SecretPurpose.PasswordReset] = new()
        {
            // LoginRadius' hosted page opens a reset link by vtype=reset; a used link is 974 (the password twin of the
            // PIN's 1242), an OTP by e-mail 1185 wrong (as LoginRadius' Ruby SDK tests show), 1186 used, 1187 expired.
            LinkType = "reset", DefaultPage = s => s.Recovery.ResetPasswordUrl, PageSetting = "Recovery:ResetPasswordUrl",
            LinkMinutes = s => s.Recovery.ResetTokenMinutes, IsReset = true, LinkSpent = ErrorCode.PasswordResetLinkUsed,
            EmailOtpWrong = ErrorCode.VerificationOtpInvalid, EmailOtpSpent = ErrorCode.EmailOtpAlreadyUsed, EmailOtpExpired = ErrorCode.EmailOtpExpired,
            UrlRefused = ErrorCode.ResetPasswordUrlInvalid, Description = "Forgot-password",
        },
        [SecretPurpose.EmailVerification] = new()
        {
            LinkType = "emailverification", DefaultPage = s => s.Recovery.VerificationUrl, PageSetting = "Recovery:VerificationUrl",
            LinkMinutes = s => s.Recovery.VerificationTokenMinutes, LinkSpent = ErrorCode.VerificationLinkUsed, UrlRefused = ErrorCode.VerificationUrlInvalid,
            Description = "E-mail verification",
        },
        [SecretPurpose.PhoneVerification] = new()
        {
            LinkType = "phoneverification", DefaultPage = _ => null, PageSetting = "", LinkMinutes = s => s.Recovery.OtpMinutes,
            EmailOtp = false, Description = "Phone verification",
        },
        [SecretPurpose.AccountDeletion] = new()
        {
            // LoginRadius answers one code for a delete token it does not accept (1119); a used one finds no account left.
            LinkType = "deleteuser", DefaultPage = s => s.Recovery.DeleteAccountUrl, PageSetting = "Recovery:DeleteAccountUrl",
            LinkMinutes = s => s.Recovery.ResetTokenMinutes, EmailOtp = false, LinkSpent = ErrorCode.DeleteTokenInvalid, LinkWrong = ErrorCode.DeleteTokenInvalid,
            Description = "Account deletion",
        },
    };

    public static SecretRules Rules(this SecretPurpose purpose) => Table[purpose];

    /// <summary>The default pages of every purpose, for the allowlist check of the settings.</summary>
    public static IEnumerable<(string Setting, string? Page)> DefaultPages(TenantSettings settings) =>
        Table.Values.Where(r => r.PageSetting.Length > 0).Select(r => (r.PageSetting, r.DefaultPage(settings)));
}
