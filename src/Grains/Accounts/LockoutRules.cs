using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>The kinds of secret an attempt can prove; each has its own failure count.</summary>
public enum CredentialKind
{
    Password,
    Pin,
    /// <summary>The PIN re-entered for a step-up (re-authentication) proof.</summary>
    StepUp,
    /// <summary>A forgot-PIN reset token or OTP (e-mail or SMS).</summary>
    ResetSecret,
    SecurityAnswer,
}

/// <summary>Failures of one credential kind: since the last lock or lift (toward the threshold), and in a row (toward NIST's ceiling).</summary>
[GenerateSerializer, Alias("PinOrleans.FailureCount")]
public sealed class FailureCount
{
    /// <summary>Failures since this kind's last success, the last lock that ended or was lifted; the tenant's threshold applies to it.</summary>
    [Id(0)] public int Count { get; set; }

    /// <summary>Failures since this kind's last success (or a proof of control); locks ending or lifted do not reset it.</summary>
    [Id(1)] public int Consecutive { get; set; }
}

/// <summary>What an attempt proves besides its secret.</summary>
public enum AttemptStrength
{
    /// <summary>A secret only the holder should know (PIN, password, security answers).</summary>
    Knowledge,
    /// <summary>Control of the account's e-mail or phone (a reset link or OTP that reached it): it starts every count over and lifts a suspension.</summary>
    ProofOfControl,
}

/// <summary>Whether an attempt may go on to its checks, and under which lock.</summary>
/// <param name="Refusal">Refused before any hashing, or null.</param>
/// <param name="LockedAs">The lock the attempt is let through under (its proof was brought), or null when the account is not locked.</param>
/// <param name="NeedsSecurityAnswers">A SecurityQuestion lock: the request's answers must be right before its secret counts.</param>
public readonly record struct Admission(Problem? Refusal, LockoutType? LockedAs, bool NeedsSecurityAnswers);

/// <summary>
/// The brute-force rules of one account, with no I/O: who may attempt under which lock, what a failure or a
/// success of each credential kind does to the counts and the lock. The user grain orchestrates (hashing, the
/// write before the answer, events); these rules decide.
/// <list type="bullet">
/// <item>Each credential kind counts on its own: a success of one kind never resets another's count.</item>
/// <item>A kind reaching the tenant's threshold locks the whole account with the tenant's lock type.</item>
/// <item>A lock that ends or is lifted (a captcha, security answers, a login under the lock) restarts the
/// threshold counts, never the consecutive ones: the hundredth failure in a row of a kind blocks the account
/// (NIST SP 800-63B) however many locks were lifted on the way.</item>
/// <item>Only a proof of control (a reset by link or OTP) or an administrator starts every count over; a proof
/// of control also gets past a suspension that its own kind did not cause.</item>
/// </list>
/// </summary>
public static class LockoutRules
{
    /// <summary>The gate before any secret is checked. A suspension that has run out is cleared here (its counts restart).</summary>
    public static Admission Admit(UserState user, CredentialKind? kind, AttemptStrength strength, LockProof proof, DateTimeOffset now)
    {
        if (!user.IsActive)
        {
            return new Admission(new Problem(ErrorCode.AccountBlocked), null, false);
        }

        if (!user.IsLocked(now))
        {
            if (user.LockedUntil is { } ended)
            {
                // Escalation is measured from when a suspension ended, so a capped one that runs out does not
                // drop the next back to the base period.
                user.LastLockedAt = ended;
                Lift(user);
            }

            return default;
        }

        return user.LockType switch
        {
            LockoutType.Captcha when proof.CaptchaSolved => new Admission(null, LockoutType.Captcha, false),
            LockoutType.SecurityQuestion when proof.SecurityAnswers is { Count: > 0 } => new Admission(null, LockoutType.SecurityQuestion, true),
            // A reset that reached the holder's mailbox or phone gets past a suspension, unless guessing that very
            // kind of secret caused it: an attacker cannot keep a known account suspended, nor guess OTPs through it.
            // (A lock from before locks were attributed to a kind counts as caused by every kind.)
            LockoutType.Suspend when strength == AttemptStrength.ProofOfControl && user.LockedBy is { } cause && cause != kind => new Admission(null, LockoutType.Suspend, false),
            _ => new Admission(Refusal(user), null, false),
        };
    }

    /// <summary>What a locked account answers to a request that does not bring what its lock asks for.</summary>
    public static Problem Refusal(UserState user) => user.LockType switch
    {
        LockoutType.Block => new Problem(ErrorCode.AccountBlocked),
        LockoutType.Captcha => new Problem(ErrorCode.CaptchaRequired),
        LockoutType.SecurityQuestion => new Problem(ErrorCode.SecurityAnswerRequired),
        _ => Problem.Locked(user.LockedUntil!.Value),
    };

    /// <summary>
    /// A wrong secret of <paramref name="kind"/>: counted, and the account locked when the kind reaches the
    /// threshold (or blocked at NIST's ceiling). Returns the lock it applied, if any.
    /// </summary>
    public static AuditEntry? Fail(UserState user, CredentialKind kind, LockoutPolicy policy, LockoutType? lockedAs, DateTimeOffset now)
    {
        var count = CountOf(user, kind);
        count.Count++;
        count.Consecutive++;
        if (ConsecutiveGuessesOfTheSameSecret(user, kind) >= LockoutPolicy.NistCeiling && lockedAs != LockoutType.Block)
        {
            return Lock(user, kind, policy, LockoutType.Block, now, LockReason.NistCeiling);
        }

        // Under a Captcha or SecurityQuestion lock every attempt already pays the lock's price; a suspension let
        // through for a proof of control locks again when that kind reaches the threshold itself.
        var relocks = lockedAs is null || (lockedAs == LockoutType.Suspend && user.LockedBy != kind);
        return relocks && count.Count >= policy.Threshold ? Lock(user, kind, policy, policy.Type, now, LockReason.Threshold) : null;
    }

    /// <summary>
    /// A right secret of <paramref name="kind"/> (null: a self-service unlock, which proves no secret): its own
    /// count starts over (a proof of control: every count), and the lock it was let through under is lifted.
    /// Returns the unlock, if any.
    /// </summary>
    public static AuditEntry? Succeed(UserState user, CredentialKind? kind, AttemptStrength strength, LockoutType? lockedAs, UnlockedBy by)
    {
        if (strength == AttemptStrength.ProofOfControl)
        {
            user.Failures.Clear();
        }
        else if (kind is { } proven)
        {
            user.Failures.Remove(proven);
        }

        if (lockedAs is not { } lifted)
        {
            return null;
        }

        Lift(user);
        return AuditEntry.Unlocked(lifted, by);
    }

    /// <summary>An administrator's unlock: every count starts over and earlier locks are forgiven (no escalation).</summary>
    public static AuditEntry? AdministratorUnlock(UserState user, DateTimeOffset now)
    {
        var unlocked = user.IsLocked(now) && user.LockType is { } lifted ? AuditEntry.Unlocked(lifted, UnlockedBy.Administrator) : null;
        user.Failures.Clear();
        user.LockedUntil = null;
        user.LockType = null;
        user.LockedBy = null;
        user.LastLockedAt = null;
        user.LockEscalations = 0;
        return unlocked;
    }

    /// <summary>
    /// NIST's ceiling is per secret: the PIN re-entered for a step-up is the same PIN, so those guesses and PIN
    /// guesses add up toward it (while each kind keeps its own threshold count).
    /// </summary>
    private static int ConsecutiveGuessesOfTheSameSecret(UserState user, CredentialKind kind) => kind is CredentialKind.Pin or CredentialKind.StepUp
        ? Consecutive(user, CredentialKind.Pin) + Consecutive(user, CredentialKind.StepUp)
        : Consecutive(user, kind);

    private static int Consecutive(UserState user, CredentialKind kind) => user.Failures.TryGetValue(kind, out var count) ? count.Consecutive : 0;

    /// <summary>Ends the lock; the threshold counts restart, the consecutive ones go on.</summary>
    private static void Lift(UserState user)
    {
        user.LockedUntil = null;
        user.LockType = null;
        user.LockedBy = null;
        foreach (var count in user.Failures.Values)
        {
            count.Count = 0;
        }
    }

    private static FailureCount CountOf(UserState user, CredentialKind kind)
    {
        if (!user.Failures.TryGetValue(kind, out var count))
        {
            user.Failures[kind] = count = new FailureCount();
        }

        return count;
    }

    /// <summary>Locks the account; a suspension soon after the last lock doubles (up to the tenant's maximum).</summary>
    private static AuditEntry Lock(UserState user, CredentialKind kind, LockoutPolicy policy, LockoutType type, DateTimeOffset now, LockReason reason)
    {
        user.LockType = type;
        user.LockedBy = kind;
        user.LockEscalations = user.LastLockedAt is { } last && policy.EscalationWindow > TimeSpan.Zero && now - last <= policy.EscalationWindow
            ? Math.Min(user.LockEscalations + 1, 30)
            : 0;
        user.LastLockedAt = now;
        user.LockedUntil = type == LockoutType.Suspend ? now + policy.SuspendPeriod(user.LockEscalations) : DateTimeOffset.MaxValue;
        var count = user.Failures[kind];
        return AuditEntry.Locked(type, reason, user.LockedUntil.Value, count.Count, count.Consecutive);
    }
}
