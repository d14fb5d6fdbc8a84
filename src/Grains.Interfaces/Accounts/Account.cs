namespace PinOrleans.Accounts;

/// <summary>An e-mail address of a profile, LoginRadius style (<c>{"Type":"Primary","Value":"a@b.c"}</c>).</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.EmailAddress")]
public sealed record EmailAddress([property: Id(0)] string Type, [property: Id(1)] string Value);

/// <summary>An account to create: what the management API was given, already parsed but not yet validated.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.NewAccount")]
public sealed record NewAccount
{
    [Id(0)] public IReadOnlyList<EmailAddress> Email { get; init; } = [];
    [Id(1)] public Sensitive? Password { get; init; }
    [Id(2)] public string? UserName { get; init; }
    [Id(3)] public string? PhoneId { get; init; }
    /// <summary><c>PINInfo.PIN</c>: the PIN in clear, hashed before it is stored.</summary>
    [Id(4)] public Sensitive? Pin { get; init; }
    /// <summary><c>PINInfo.Skipped</c>.</summary>
    [Id(5)] public bool? PinSkipped { get; init; }
    [Id(6)] public bool? EmailVerified { get; init; }
    [Id(7)] public bool? PhoneIdVerified { get; init; }
    /// <summary>Other profile fields (FirstName, Country, CustomFields, ...) as raw JSON, keyed by their LoginRadius name.</summary>
    [Id(8)] public IReadOnlyDictionary<string, string> ProfileFields { get; init; } = new Dictionary<string, string>();
    /// <summary>Self-registration (<c>auth/register</c>): raises <c>Register</c> instead of <c>CreateTraditionalAccount</c>.</summary>
    [Id(9)] public bool SelfRegistered { get; init; }
}

/// <summary>Changes to an account by the management API; null members stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.AccountUpdate")]
public sealed record AccountUpdate
{
    /// <summary>Profile fields to set (raw JSON by LoginRadius name).</summary>
    [Id(0)] public IReadOnlyDictionary<string, string> ProfileFields { get; init; } = new Dictionary<string, string>();
    [Id(1)] public bool? EmailVerified { get; init; }
    [Id(2)] public bool? PhoneIdVerified { get; init; }
    /// <summary>False blocks the account (and kills its tokens and sessions); true unblocks it.</summary>
    [Id(3)] public bool? IsActive { get; init; }
    /// <summary>False lifts a brute-force lock and resets the failure count.</summary>
    [Id(4)] public bool? IsLoginLocked { get; init; }
    /// <summary>True when the body had <c>PINInfo</c>.</summary>
    [Id(5)] public bool SetsPin { get; init; }
    /// <summary><c>PINInfo.PIN</c>: a new PIN, or null to clear it (when <see cref="SetsPin"/>).</summary>
    [Id(6)] public Sensitive? Pin { get; init; }
    [Id(7)] public bool? PinSkipped { get; init; }
    /// <summary><c>SecurityQuestionAnswer</c>: answers by question id, hashed before they are stored; an empty answer removes one.</summary>
    [Id(8)] public IReadOnlyDictionary<string, Sensitive>? SecurityAnswers { get; init; }
    /// <summary>Profile fields given as <c>null</c> with <c>nullsupport=true</c>: removed from the account (by LoginRadius name).</summary>
    [Id(40)] public IReadOnlyList<string> ClearedFields { get; init; } = [];
    /// <summary><c>Email</c>, <c>UserName</c>, <c>PhoneId</c> of a management update: the identifiers the account changes to (null: kept).</summary>
    [Id(70)] public IdentifierChange? Identifiers { get; init; }
}

/// <summary>
/// Identifiers an account changes to; a null member is kept, a blank user name or number is removed. <see cref="Emails"/> replaces the whole list.
/// Whatever is new is claimed before the account is written, whatever is gone released after.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.IdentifierChange")]
public sealed record IdentifierChange
{
    [Id(0)] public IReadOnlyList<EmailAddress>? Emails { get; init; }
    [Id(1)] public string? UserName { get; init; }
    [Id(2)] public string? PhoneId { get; init; }
}

/// <summary><c>PIN</c> on a profile: never the hash itself.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.PinInformation")]
public sealed record PinInformation
{
    [Id(0)] public bool HasPin { get; init; }
    [Id(1)] public bool? Skipped { get; init; }
    [Id(2)] public DateTimeOffset? LastPINChangeDate { get; init; }
    [Id(3)] public DateTimeOffset? SkippedDate { get; init; }
}

/// <summary>A user profile as responses show it: identity, login statistics and lock state; no secret.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.UserProfile")]
public sealed record UserProfile
{
    [Id(0)] public required string Uid { get; init; }
    [Id(1)] public required string ID { get; init; }
    [Id(2)] public IReadOnlyList<EmailAddress> Email { get; init; } = [];
    [Id(3)] public string? UserName { get; init; }
    [Id(4)] public string? PhoneId { get; init; }
    [Id(5)] public bool EmailVerified { get; init; }
    [Id(6)] public bool PhoneIdVerified { get; init; }
    [Id(7)] public bool IsActive { get; init; } = true;
    [Id(8)] public bool HasPassword { get; init; }
    [Id(9)] public PinInformation? PIN { get; init; }
    [Id(10)] public int NoOfLogins { get; init; }
    [Id(11)] public DateTimeOffset? LastLoginDate { get; init; }
    [Id(12)] public bool IsLoginLocked { get; init; }
    [Id(13)] public string LoginLockedType { get; init; } = "None";
    [Id(14)] public DateTimeOffset CreatedDate { get; init; }
    [Id(15)] public DateTimeOffset ModifiedDate { get; init; }
    [Id(16)] public DateTimeOffset? LastPasswordChangeDate { get; init; }
    [Id(17)] public IReadOnlyDictionary<string, string> ProfileFields { get; init; } = new Dictionary<string, string>();
    /// <summary>The account's token generation (not rendered): tokens issued now carry it.</summary>
    [Id(18)] public int TokenGeneration { get; init; }
    /// <summary>How many password or PIN changes ended the account's sessions (not rendered): tokens issued now carry it.</summary>
    [Id(19)] public int CredentialEpoch { get; init; }
    /// <summary>Addresses added to the account that are not verified yet (LoginRadius' <c>UnverifiedEmail</c>).</summary>
    [Id(70)] public IReadOnlyList<EmailAddress> UnverifiedEmail { get; init; } = [];
    /// <summary>The Uids the account had before (<c>PUT manage/account/uid</c>), oldest first.</summary>
    [Id(71)] public IReadOnlyList<string> PreviousUids { get; init; } = [];

    /// <summary>What tokens issued on the strength of this profile are stamped with.</summary>
    public Sessions.TokenStamp Stamp => new(TokenGeneration, CredentialEpoch);
}

/// <summary>The answer to a call that yields a profile.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.AccountOutcome")]
public sealed record AccountOutcome([property: Id(0)] UserProfile? Profile, [property: Id(1)] Problem? Problem)
{
    public static AccountOutcome Of(UserProfile profile) => new(profile, null);
    public static AccountOutcome Fail(Problem problem) => new(null, problem);
}

/// <summary>Where identifiers live in the index: one grain per tenant, kind and normalised value.</summary>
public enum IdentifierKind
{
    Email,
    UserName,
    Phone,
}

/// <summary>What identifier kinds answer.</summary>
public static class IdentifierKinds
{
    /// <summary>What an unknown identifier of this kind answers: 1023 e-mail, 1022 username, 1043 phone.</summary>
    public static ErrorCode NotFound(this IdentifierKind kind) => kind switch
    {
        IdentifierKind.Email => ErrorCode.EmailDoesNotExist,
        IdentifierKind.UserName => ErrorCode.UserNameDoesNotExist,
        _ => ErrorCode.PhoneDoesNotExist,
    };
}

/// <summary>Builds the keys of per-tenant grains.</summary>
public static class AccountKeys
{
    /// <summary>A new LoginRadius Uid: 32 hex characters.</summary>
    public static string NewUid() => Guid.NewGuid().ToString("N");

    public static string User(string apiKey, string uid) => $"{apiKey}/{uid}";

    /// <summary>
    /// The index key of an identifier: its normalised form hashed (SHA-256, hex), so no address or phone number
    /// lands in a storage key or a log line, and no character of it can collide with another after key sanitising.
    /// </summary>
    public static string Identifier(string apiKey, IdentifierKind kind, string value) =>
        $"{apiKey}/{kind.ToString().ToLowerInvariant()}/{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Normalize(kind, value))))}";

    /// <summary>The form two identifiers must share to be the same: NFC, trimmed, case-folded (phones: digits and a leading +).</summary>
    public static string Normalize(IdentifierKind kind, string value)
    {
        var text = value.Trim().Normalize(System.Text.NormalizationForm.FormC);
        return kind switch
        {
            IdentifierKind.Phone => new string(text.Where((c, i) => char.IsAsciiDigit(c) || (c == '+' && i == 0)).ToArray()),
            _ => text.ToLowerInvariant(),
        };
    }
}
