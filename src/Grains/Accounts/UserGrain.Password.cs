using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// The password policy where a password is set (manage set, change; registration and resets use the same two
/// helpers): <see cref="NewPasswordProblemAsync"/> checks it, <see cref="StorePassword"/> records the new hash and
/// the history.
/// </summary>
public sealed partial class UserGrain
{
    public async Task<Problem?> ChangePasswordAsync(TenantSnapshot tenant, Sensitive oldPassword, Sensitive newPassword, LockProof? proof = null, TokenGrant? caller = null)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        // The rules that need no hashing first: a refused new password costs nothing and counts nothing.
        if (AccountRules.PasswordProblem(tenant, state.State, newPassword, "newpassword") is { } invalid)
        {
            return invalid;
        }

        // No rehash of the old password: it would overwrite the new one.
        var verdict = await AttemptAsync(tenant, proof, Check(oldPassword, Credential.CurrentPassword) with { StoreRehash = null }, async (user, now) =>
        {
            // The old password was right: a new one from the history is refused without counting or writing anything.
            if (await PasswordReusedAsync(tenant, user, newPassword, "newpassword") is { } reused)
            {
                return reused;
            }

            var hash = await hasher.HashAsync(newPassword);
            EndOtherSessions(tenant, user, now, caller);
            StorePassword(tenant, user, hash, now);
            return null;
        }, WebhookEvents.ChangePassword);
        return verdict.Problem;
    }

    /// <summary>
    /// The whole password policy for a new password of this account: <see cref="AccountRules.PasswordProblem(TenantSnapshot, UserState, Sensitive?, string)"/>
    /// (no hashing), then the history (<see cref="PasswordReusedAsync"/>). 1134 naming <paramref name="field"/>, or null.
    /// </summary>
    private async Task<Problem?> NewPasswordProblemAsync(TenantSnapshot tenant, UserState user, Sensitive password, string field = "Password") =>
        AccountRules.PasswordProblem(tenant, user, password, field) ?? await PasswordReusedAsync(tenant, user, password, field);

    /// <summary>
    /// Whether <paramref name="password"/> is one of the account's last N passwords (the tenant's
    /// <c>Password:History</c>, the current one included): one verification per remembered hash, side by side on
    /// the hashing pool, as security answers are. 1134 naming <paramref name="field"/>, or null.
    /// </summary>
    private async Task<Problem?> PasswordReusedAsync(TenantSnapshot tenant, UserState user, Sensitive password, string field)
    {
        var remember = Math.Clamp(tenant.Settings.Password.History, 0, PasswordPolicy.MaxHistory);
        var hashes = (user.PasswordHash is { } current ? user.PasswordHistory.Prepend(current) : user.PasswordHistory).Take(remember).ToList();
        if (hashes.Count == 0)
        {
            return null;
        }

        var checks = await Task.WhenAll(hashes.Select(hash => hasher.VerifyAsync(password, new Sensitive(hash))));
        return checks.Any(check => check.Valid)
            ? Problem.Validation(field, $"The Password field may not be one of the account's last {remember} passwords.")
            : null;
    }

    /// <summary>Records a new password hash: the one it replaces joins the history (as much of it as the tenant remembers), and the change date moves.</summary>
    private static void StorePassword(TenantSnapshot tenant, UserState user, Sensitive hash, DateTimeOffset now)
    {
        // The current password is one of the last N: the history keeps the N - 1 before it.
        var keep = Math.Clamp(tenant.Settings.Password.History, 0, PasswordPolicy.MaxHistory) - 1;
        if (user.PasswordHash is { } previous && keep > 0)
        {
            user.PasswordHistory.Insert(0, previous);
        }

        if (user.PasswordHistory.Count > Math.Max(keep, 0))
        {
            user.PasswordHistory.RemoveRange(Math.Max(keep, 0), user.PasswordHistory.Count - Math.Max(keep, 0));
        }

        user.PasswordHash = hash.Value;
        user.LastPasswordChangeDate = user.ModifiedDate = now;
    }
}
