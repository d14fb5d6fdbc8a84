using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// Resetting a forgotten password: the one-time secrets of <see cref="SecretPurpose.PasswordReset"/> (a link's token,
/// an OTP by e-mail or SMS) or security answers, spent as every one-time secret is (<see cref="SpendSecretAsync"/>).
/// </summary>
public sealed partial class UserGrain
{
    public async Task<Problem?> ResetPasswordAsync(TenantSnapshot tenant, SecretProof proof, Sensitive newPassword, LockProof? lockProof = null)
    {
        if (!Exists)
        {
            return new Problem(proof.Kind == SecretProofKind.ResetToken ? ErrorCode.VerificationTokenInvalid : ErrorCode.UserDoesNotExist);
        }

        // LoginRadius refuses a password its policy refuses before anything else. With uniform answers the policy
        // answers only after the secret proved right (below), so that an identifier's answer never depends on the
        // account: a wrong secret answers as it would for an unknown identifier, whatever the password.
        if (!tenant.Settings.UniformAnswers && ResetPasswordProblem(tenant, state.State, newPassword) is { } invalid)
        {
            return invalid;
        }

        var verdict = await SpendSecretAsync(tenant, SecretPurpose.PasswordReset, proof, lockProof, async (user, _, now) =>
        {
            // A refused password leaves the secret unspent and nothing counted: the holder may try another one.
            if (ResetPasswordProblem(tenant, user, newPassword) is { } refused)
            {
                return refused;
            }

            var hash = await hasher.HashAsync(newPassword);
            EndOtherSessions(tenant, user, now);
            user.PasswordHash = hash.Value;
            user.LastPasswordChangeDate = user.ModifiedDate = now;
            return null;
        }, WebhookEvents.ResetPassword);
        return verdict.Problem;
    }

    /// <summary>The tenant's password policy for a reset's new password (1134 naming <c>Password</c>), or null.</summary>
    private static Problem? ResetPasswordProblem(TenantSnapshot tenant, UserState user, Sensitive password) =>
        AccountRules.PasswordError(password.Value, tenant.Settings.Password) is { } error ? Problem.Validation("Password", error) : null;
}
