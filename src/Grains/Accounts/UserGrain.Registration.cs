using PinOrleans.Recovery;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

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

    public async Task<LoginOutcome> VerifyEmailAsync(TenantSnapshot tenant, SecretProof proof, LockProof? lockProof = null)
    {
        if (!Exists)
        {
            return LoginOutcome.Fail(new Problem(proof.Kind == SecretProofKind.ResetToken ? ErrorCode.VerificationTokenInvalid : ErrorCode.UserDoesNotExist));
        }

        var verdict = await SpendSecretAsync(tenant, SecretPurpose.EmailVerification, proof, lockProof, (user, pending, now) =>
        {
            MarkEmailVerified(user, pending?.Target);
            user.ModifiedDate = now;
            return Task.FromResult<Problem?>(null);
        }, WebhookEvents.EmailVerification);
        return await VerifiedAsync(tenant, verdict, tenant.Settings.Registration.AutoLoginAfterVerification);
    }

    public async Task<LoginOutcome> VerifyPhoneAsync(TenantSnapshot tenant, Sensitive otp, bool login)
    {
        if (!Exists)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        var verdict = await SpendSecretAsync(tenant, SecretPurpose.PhoneVerification, SecretProof.Otp(otp), null, (user, _, now) =>
        {
            user.PhoneIdVerified = true;
            user.ModifiedDate = now;
            return Task.FromResult<Problem?>(null);
        }, WebhookEvents.VerifyPhoneNumber);
        return await VerifiedAsync(tenant, verdict, login);
    }

    /// <summary>A verification's answer: the profile, and with <paramref name="login"/> (and nothing else pending) the tokens of a login.</summary>
    private async Task<LoginOutcome> VerifiedAsync(TenantSnapshot tenant, AccountOutcome verdict, bool login)
    {
        if (verdict.Problem is { } problem)
        {
            return LoginOutcome.Fail(problem);
        }

        var user = state.State;
        return login && user.IsActive && UnverifiedRefusal(tenant.Settings.Registration, user) is null
            ? await FinishLoginAsync(tenant, verdict.Profile!, firstLogin: user.NoOfLogins == 0)
            : new LoginOutcome(verdict.Profile, null, null);
    }

    /// <summary>A verification message for an address that is verified already: 1025 (e-mail) or 1073 (phone); null otherwise.</summary>
    private static Problem? AlreadyVerified(SecretPurpose purpose, UserState user, string? target) => (purpose, target) switch
    {
        (SecretPurpose.EmailVerification, null) when user.EmailVerified => new Problem(ErrorCode.EmailAlreadyVerified),
        (SecretPurpose.PhoneVerification, null) when user.PhoneIdVerified => new Problem(ErrorCode.PhoneAlreadyVerified),
        _ => null,
    };
}
