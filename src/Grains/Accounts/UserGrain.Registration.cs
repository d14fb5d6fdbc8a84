using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>Registration and verification: what an unverified address may not do, and how addresses become verified.</summary>
public sealed partial class UserGrain
{
    /// <summary>
    /// A right password under a mandatory verification flow: an account with an e-mail address that is not verified
    /// answers 970, one registered by phone alone whose phone is not verified 1066; nothing is counted or written.
    /// Decided only after the password was right, so it tells nothing a wrong password would not.
    /// </summary>
    private static Task<Problem?> RecordPasswordLoginAsync(TenantSnapshot tenant, UserState user, DateTimeOffset now) =>
        UnverifiedRefusal(tenant.Settings.Registration, user) is { } refused ? Task.FromResult<Problem?>(refused) : RecordLogin(user, now);

    /// <summary>Why a login of <paramref name="user"/> must wait for a verification, or null.</summary>
    private static Problem? UnverifiedRefusal(RegistrationPolicy policy, UserState user)
    {
        if (user.Email.Count > 0)
        {
            return policy.EmailVerification == VerificationFlow.Mandatory && !user.EmailVerified ? new Problem(ErrorCode.EmailNotVerified) : null;
        }

        return user.PhoneId is not null && policy.PhoneVerification == VerificationFlow.Mandatory && !user.PhoneIdVerified
            ? new Problem(ErrorCode.PhoneNotVerified)
            : null;
    }

    public Task<LoginOutcome> LoginAfterRegistrationAsync(TenantSnapshot tenant)
    {
        if (!Exists)
        {
            return Task.FromResult(LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)));
        }

        var user = state.State;
        var refused = !user.IsActive ? new Problem(ErrorCode.AccountBlocked) : UnverifiedRefusal(tenant.Settings.Registration, user);
        return refused is not null
            ? Task.FromResult(LoginOutcome.Fail(refused))
            : FinishLoginAsync(tenant, user.ToProfile(time.GetUtcNow()), firstLogin: true);
    }
}
