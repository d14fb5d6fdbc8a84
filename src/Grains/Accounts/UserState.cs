using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>What the user grain persists. Hashes only; never a PIN or password in clear.</summary>
[GenerateSerializer, Alias("PinOrleans.UserState")]
public sealed class UserState
{
    [Id(0)] public string Uid { get; set; } = "";
    [Id(1)] public List<EmailAddress> Email { get; set; } = [];
    [Id(2)] public string? UserName { get; set; }
    [Id(3)] public string? PhoneId { get; set; }
    [Id(4)] public bool EmailVerified { get; set; }
    [Id(5)] public bool PhoneIdVerified { get; set; }
    [Id(6)] public bool IsActive { get; set; } = true;
    [Id(7)] public string? PasswordHash { get; set; }
    [Id(8)] public DateTimeOffset? LastPasswordChangeDate { get; set; }
    [Id(9)] public string? PinHash { get; set; }
    [Id(10)] public bool? PinSkipped { get; set; }
    [Id(11)] public DateTimeOffset? LastPINChangeDate { get; set; }
    [Id(12)] public DateTimeOffset? PinSkippedDate { get; set; }
    /// <summary>Failures by credential kind (see <see cref="LockoutRules"/>): a success of one kind never resets another's.</summary>
    [Id(33)] public Dictionary<CredentialKind, FailureCount> Failures { get; set; } = [];
    /// <summary>Which credential kind's failures applied the current lock.</summary>
    [Id(34)] public CredentialKind? LockedBy { get; set; }

    /// <summary>The highest threshold count of any credential kind (what the next failure of that kind is measured against).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int FailedLoginAttempts => Failures.Count == 0 ? 0 : Failures.Values.Max(f => f.Count);

    /// <summary>The longest run of failures of any credential kind (NIST's ceiling of 100 applies to it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int ConsecutiveFailures => Failures.Count == 0 ? 0 : Failures.Values.Max(f => f.Consecutive);

    /// <summary>Rows written before failures were counted per kind: their one count, read once into <see cref="Failures"/> (as PIN failures).</summary>
    [Id(13), System.Text.Json.Serialization.JsonPropertyName("FailedLoginAttempts")] public int LegacyFailedLoginAttempts { get; set; }
    [Id(14)] public DateTimeOffset? LockedUntil { get; set; }
    [Id(15)] public LockoutType? LockType { get; set; }
    [Id(16)] public int NoOfLogins { get; set; }
    [Id(17)] public DateTimeOffset? LastLoginDate { get; set; }
    [Id(18)] public DateTimeOffset CreatedDate { get; set; }
    [Id(19)] public DateTimeOffset ModifiedDate { get; set; }
    [Id(20)] public Dictionary<string, string> ProfileFields { get; set; } = [];
    /// <summary>Tokens and sessions carry the generation they were issued under; blocking moves it on.</summary>
    [Id(21)] public int TokenGeneration { get; set; }
    /// <summary>Token families revoked by refresh-token reuse, each kept until its last token would have expired.</summary>
    [Id(22)] public Dictionary<string, DateTimeOffset> RevokedTokenFamilies { get; set; } = [];
    /// <summary>Refresh tokens issued at or before this instant are revoked ("revoke all refresh tokens").</summary>
    [Id(23)] public DateTimeOffset? RefreshTokensRevokedAt { get; set; }
    /// <summary>Rows written before secrets were kept by purpose: their forgot-PIN request, read once into <see cref="Secrets"/>.</summary>
    [Id(24)] public PendingSecret? PinReset { get; set; }
    /// <summary>Security answers (hashed, normalised before hashing) by question id.</summary>
    [Id(25)] public Dictionary<string, string> SecurityAnswers { get; set; } = [];
    /// <summary>When e-mails carrying one-time secrets went out during the last hour (sending limit, all purposes).</summary>
    [Id(26)] public List<DateTimeOffset> RecentEmails { get; set; } = [];
    /// <summary>When SMS or voice OTPs went out during the last hour (sending limit, all purposes).</summary>
    [Id(27)] public List<DateTimeOffset> RecentSms { get; set; } = [];
    /// <summary>When the account was last locked, and how many times in a row its suspension was doubled since.</summary>
    [Id(28)] public DateTimeOffset? LastLockedAt { get; set; }
    [Id(29)] public int LockEscalations { get; set; }
    /// <summary>See <see cref="LegacyFailedLoginAttempts"/>.</summary>
    [Id(30), System.Text.Json.Serialization.JsonPropertyName("ConsecutiveFailures")] public int LegacyConsecutiveFailures { get; set; }
    /// <summary>Webhook events written with the change that raised them, until the delivery grains have them.</summary>
    [Id(31)] public List<PendingWebhook> Outbox { get; set; } = [];
    /// <summary>A deleted account whose last events are still in <see cref="Outbox"/>: it exists for nothing else.</summary>
    [Id(32)] public bool Deleted { get; set; }

    /// <summary>The last password or PIN change that ended the account's sessions, and whose login it spared.</summary>
    [Id(35)] public CredentialChange? LastCredentialChange { get; set; }
    /// <summary>Moves on with every such change; tokens carry the epoch they were issued under.</summary>
    [Id(36)] public int CredentialEpoch { get; set; }

    /// <summary>
    /// The latest one-time secret handed out for each purpose (hashes only), kept after use so a replay can be told
    /// apart from a guess. A newer request of the same purpose replaces it.
    /// </summary>
    [Id(37)] public Dictionary<Recovery.SecretPurpose, PendingSecret> Secrets { get; set; } = [];

    /// <summary>
    /// The hashes of the passwords before the current one, newest first: as many as the tenant's password history
    /// remembers besides the current one (<see cref="Tenants.PasswordPolicy.History"/> - 1), none without a history.
    /// </summary>
    [Id(40)] public List<string> PasswordHistory { get; set; } = [];

    /// <summary>
    /// The PIN sessions this account ends itself (<see cref="Sessions.TokenGrant.TrackedByAccount"/>): before any write
    /// that stops accepting one of them, the account revokes it, so a live one of these answers a validation without
    /// asking the account. Dropped once expired; at most <see cref="UserGrain.MaxTrackedPinSessions"/>.
    /// </summary>
    [Id(41)] public List<TrackedPinSession> PinSessions { get; set; } = [];

    /// <summary>Addresses of <see cref="Email"/> not verified yet (added later); the others are verified when <see cref="EmailVerified"/> is.</summary>
    [Id(70)] public List<string> UnverifiedEmails { get; set; } = [];
    /// <summary>The Uids this account had before, oldest first.</summary>
    [Id(71)] public List<string> PreviousUids { get; set; } = [];
    /// <summary>A change of Uid in progress: recorded before the account is copied, so a retry completes it.</summary>
    [Id(72)] public string? MovingTo { get; set; }

    /// <summary>What tokens issued now are stamped with.</summary>
    public Sessions.TokenStamp Stamp => new(TokenGeneration, CredentialEpoch);

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;

    /// <summary>
    /// Whether this account, as it stands (not deleted, not blocked since, family not revoked, not ended by a
    /// credential change), accepts a token bound to <paramref name="grant"/>.
    /// </summary>
    public bool Accepts(Sessions.TokenGrant grant) =>
        !Deleted && IsActive && grant.Generation == TokenGeneration
        && (grant.Family is null || !RevokedTokenFamilies.ContainsKey(grant.Family))
        && !EndedByCredentialChange(grant);

    /// <summary>
    /// Whether a credential change since this grant was issued ended it (the changer's own family and PIN session are
    /// spared). Decided by epoch, not time: tokens of a login decided before the change end even if issued after it.
    /// </summary>
    public bool EndedByCredentialChange(Sessions.TokenGrant grant) =>
        LastCredentialChange is { } change && grant.CredentialEpoch != CredentialEpoch
        && !(change.KeptFamily is not null && grant.Family == change.KeptFamily)
        && !(change.KeptSession is not null && grant.Session == change.KeptSession);

    /// <summary>Moves the one failure count of an older row into <see cref="Failures"/>; true when anything moved.</summary>
    public bool UpgradeLegacyCounts()
    {
        if (LegacyFailedLoginAttempts == 0 && LegacyConsecutiveFailures == 0)
        {
            return false;
        }

        // An older silo may have counted on after a newer one wrote: keep the larger counts.
        var pin = Failures.TryGetValue(CredentialKind.Pin, out var counted) ? counted : Failures[CredentialKind.Pin] = new FailureCount();
        pin.Count = Math.Max(pin.Count, LegacyFailedLoginAttempts);
        pin.Consecutive = Math.Max(pin.Consecutive, Math.Max(LegacyConsecutiveFailures, LegacyFailedLoginAttempts));
        LegacyFailedLoginAttempts = LegacyConsecutiveFailures = 0;
        return true;
    }

    /// <summary>Moves the forgot-PIN request of an older row into <see cref="Secrets"/>.</summary>
    public void UpgradeLegacySecrets()
    {
        if (PinReset is { } reset)
        {
            Secrets.TryAdd(Recovery.SecretPurpose.PinReset, reset);
            PinReset = null;
        }
    }

    public UserProfile ToProfile(DateTimeOffset now) => new()
    {
        Uid = Uid,
        ID = Uid,
        Email = Email,
        UserName = UserName,
        PhoneId = PhoneId,
        EmailVerified = EmailVerified,
        PhoneIdVerified = PhoneIdVerified,
        IsActive = IsActive,
        HasPassword = PasswordHash is not null,
        PIN = PinHash is null && PinSkipped is null
            ? null
            : new PinInformation { HasPin = PinHash is not null, Skipped = PinSkipped, LastPINChangeDate = LastPINChangeDate, SkippedDate = PinSkippedDate },
        NoOfLogins = NoOfLogins,
        LastLoginDate = LastLoginDate,
        IsLoginLocked = IsLocked(now),
        LoginLockedType = IsLocked(now) ? LockType?.ToString() ?? "None" : "None",
        CreatedDate = CreatedDate,
        ModifiedDate = ModifiedDate,
        LastPasswordChangeDate = LastPasswordChangeDate,
        ProfileFields = ProfileFields,
        TokenGeneration = TokenGeneration,
        CredentialEpoch = CredentialEpoch,
        UnverifiedEmail = Email.Where(e => IsUnverifiedAddition(e.Value)).ToList(),
        PreviousUids = PreviousUids,
    };

    /// <summary>Whether <paramref name="address"/> is one of <see cref="UnverifiedEmails"/> (in any casing).</summary>
    public bool IsUnverifiedAddition(string address) =>
        UnverifiedEmails.Any(u => AccountKeys.Normalize(IdentifierKind.Email, u) == AccountKeys.Normalize(IdentifierKind.Email, address));
}

/// <summary>One event waiting in an account's outbox: its payload and the subscriptions it goes to.</summary>
[GenerateSerializer, Alias("PinOrleans.PendingWebhook")]
public sealed class PendingWebhook
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Event { get; set; } = "";
    [Id(2)] public string Body { get; set; } = "";
    [Id(3)] public List<string> SubscriptionIds { get; set; } = [];
}

/// <summary>A PIN session of <see cref="UserState.PinSessions"/>: its grain key, its end, and the stamp it was issued under.</summary>
[GenerateSerializer, Alias("PinOrleans.TrackedPinSession")]
public sealed class TrackedPinSession
{
    [Id(0)] public string Key { get; set; } = "";
    [Id(1)] public DateTimeOffset ExpiresAt { get; set; }
    [Id(2)] public int Generation { get; set; }
    [Id(3)] public int CredentialEpoch { get; set; }

    /// <summary>What the session's own grant says (for <see cref="UserState.Accepts"/>).</summary>
    public Sessions.TokenGrant Grant(string apiKey, string uid) =>
        new(apiKey, uid, default, ExpiresAt) { Generation = Generation, CredentialEpoch = CredentialEpoch, Session = Key };
}

/// <summary>A password or PIN change: tokens and PIN sessions issued before <see cref="At"/> end, except the changer's login and session.</summary>
[GenerateSerializer, Alias("PinOrleans.CredentialChange")]
public sealed class CredentialChange
{
    [Id(0)] public DateTimeOffset At { get; set; }
    [Id(1)] public string? KeptFamily { get; set; }
    [Id(2)] public string? KeptSession { get; set; }
}

/// <summary>
/// A one-time secret handed out: the link's lookup part and secret hash (e-mail), the OTP hash, their expiries, when
/// it was used, and the address or number it went to.
/// </summary>
[GenerateSerializer, Alias("PinOrleans.PendingPinReset")]
public sealed class PendingSecret
{
    [Id(0)] public string? Selector { get; set; }
    [Id(1)] public string? TokenHash { get; set; }
    [Id(2)] public DateTimeOffset TokenExpiresAt { get; set; }
    [Id(3)] public string? OtpHash { get; set; }
    [Id(4)] public DateTimeOffset OtpExpiresAt { get; set; }
    [Id(5)] public DateTimeOffset? UsedAt { get; set; }
    /// <summary>The e-mail address or phone number the secret was sent to (what a verification verifies).</summary>
    [Id(6)] public string? Target { get; set; }
}
