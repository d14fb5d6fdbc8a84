using Microsoft.Extensions.Logging;
using PinOrleans.Operations;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>Why an account was locked.</summary>
public enum LockReason
{
    /// <summary>The tenant's <c>MaxFailedAttempts</c> was reached.</summary>
    Threshold,
    /// <summary>The hundredth consecutive failure (NIST SP 800-63B): blocked whatever the tenant's settings.</summary>
    NistCeiling,
}

/// <summary>Who lifted a lock.</summary>
public enum UnlockedBy
{
    /// <summary>A successful login (or reset) that carried what the Captcha or SecurityQuestion lock asks for.</summary>
    Login,
    /// <summary><c>PUT /identity/v2/auth/account/unlock</c>.</summary>
    SelfService,
    /// <summary><c>PUT /identity/v2/manage/account/{uid}</c> with <c>IsLoginLocked: false</c> or <c>IsActive: true</c>.</summary>
    Administrator,
}

/// <summary>One lock or unlock of an account, as the audit log records it (and, later, webhooks deliver it).</summary>
public sealed record AuditEntry(string Event, LockoutType LockType, LockReason? Reason, UnlockedBy? By, DateTimeOffset? Until, int Failures, int ConsecutiveFailures)
{
    public static AuditEntry Locked(LockoutType type, LockReason reason, DateTimeOffset until, int failures, int consecutive) =>
        new("AccountLocked", type, reason, null, until == DateTimeOffset.MaxValue ? null : until, failures, consecutive);

    public static AuditEntry Unlocked(LockoutType type, UnlockedBy by) => new("AccountUnlocked", type, null, by, null, 0, 0);
}

/// <summary>
/// Structured audit events of accounts, on the logger category <c>PinOrleans.Audit</c> (event ids 5101 locked,
/// 5102 unlocked) and counted on the meter <c>PinOrleans</c> (<c>pinorleans.account.locks</c>, <c>pinorleans.account.unlocks</c>).
/// They name the tenant, the Uid, the lock type and why; never a secret.
/// </summary>
public static partial class AccountAudit
{
    public const string Category = "PinOrleans.Audit";



    /// <summary>Counts a password or PIN login attempt by outcome (never a secret or an account in the tags).</summary>
    public static void CountLogin(PinOrleansMetrics metrics, string outcome) => metrics.Logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void Write(ILogger audit, PinOrleansMetrics metrics, string apiKey, string uid, AuditEntry entry)
    {
        if (entry.Event == "AccountLocked")
        {
            metrics.AccountLocks.Add(1, new("lock_type", entry.LockType.ToString()), new("reason", entry.Reason.ToString()));
            AccountLocked(audit, apiKey, uid, entry.LockType, entry.Reason, entry.Until, entry.Failures, entry.ConsecutiveFailures);
        }
        else
        {
            metrics.AccountUnlocks.Add(1, new("lock_type", entry.LockType.ToString()), new("by", entry.By.ToString()));
            AccountUnlocked(audit, apiKey, uid, entry.LockType, entry.By);
        }
    }

    [LoggerMessage(EventId = 5101, EventName = "AccountLocked", Level = LogLevel.Warning,
        Message = "Account {Uid} of tenant {ApiKey} locked: {LockType} ({Reason}) until {Until} after {Failures} failed attempts ({ConsecutiveFailures} in a row)")]
    private static partial void AccountLocked(ILogger logger, string apiKey, string uid, LockoutType lockType, LockReason? reason, DateTimeOffset? until, int failures, int consecutiveFailures);

    [LoggerMessage(EventId = 5102, EventName = "AccountUnlocked", Level = LogLevel.Information,
        Message = "Account {Uid} of tenant {ApiKey} unlocked: {LockType} lock lifted by {By}")]
    private static partial void AccountUnlocked(ILogger logger, string apiKey, string uid, LockoutType lockType, UnlockedBy? by);
}
