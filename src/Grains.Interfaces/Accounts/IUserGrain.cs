using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>One account of one tenant, keyed <c>{apiKey}/{uid}</c>. Owns the password and PIN hashes and the failure counter.</summary>
[Alias("PinOrleans.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Validates and creates the account, claiming its identifiers; fails if any is taken.</summary>
    Task<AccountOutcome> CreateAsync(TenantSnapshot tenant, NewAccount account);

    /// <summary>True when the account exists or is being created right now.</summary>
    [AlwaysInterleave]
    Task<bool> ExistsAsync();

    /// <summary>
    /// Whether a token or PIN session of this grant still stands: the account exists, is active, was not blocked
    /// since, the family was not revoked, and no credential change since ended it (unless it was the changer's own).
    /// </summary>
    [AlwaysInterleave]
    Task<bool> AcceptsTokenAsync(Sessions.TokenGrant grant);

    /// <summary>Like <see cref="AcceptsTokenAsync"/>, for a refresh token: also refused when all refresh tokens were revoked since it was issued.</summary>
    [AlwaysInterleave]
    Task<bool> AcceptsRefreshTokenAsync(Sessions.TokenGrant grant);

    /// <summary>Every refresh token issued so far stops working (access tokens live until they expire); 938 when there is no such account.</summary>
    Task<Problem?> RevokeAllRefreshTokensAsync();

    /// <summary>
    /// An operator ends every PIN session and every access and refresh token of the account at once (the account
    /// stays usable: a new login starts afresh); 938 when there is no such account.
    /// </summary>
    Task<Problem?> RevokeSessionsAsync();

    /// <summary>Revokes every access and refresh token of a login's family (refresh token reuse); remembered until <paramref name="until"/>.</summary>
    Task RevokeTokenFamilyAsync(string family, DateTimeOffset until);

    /// <summary>Applies a management update (profile fields, verification flags, block/unblock, unlock, PIN set/clear).</summary>
    Task<AccountOutcome> UpdateAsync(TenantSnapshot tenant, AccountUpdate update);

    /// <summary>Sets a new password (schema rules apply).</summary>
    Task<Problem?> SetPasswordAsync(TenantSnapshot tenant, Sensitive password);

    /// <summary>Deletes the account and frees its identifiers; its tokens and sessions die with it. 938 when there is none.</summary>
    Task<Problem?> DeleteAsync(TenantSnapshot? tenant = null);

    /// <summary>
    /// The account holder's deletion (<c>GET auth/account/delete</c>): spends the link token of the deletion e-mail
    /// (a wrong one is 1119 and counts toward the lockout; 975 expired, 979 replaced) and deletes the account as
    /// <see cref="DeleteAsync"/> does, raising DeleteAccount.
    /// </summary>
    Task<Problem?> DeleteByTokenAsync(TenantSnapshot tenant, Recovery.SecretProof proof);

    /// <summary>The profile, or 938 when there is no such account.</summary>
    Task<AccountOutcome> GetProfileAsync();

    /// <summary>First-level login: checks the lock, verifies the password, counts failures, and on success issues access, refresh and PIN session tokens.</summary>
    Task<LoginOutcome> LoginWithPasswordAsync(TenantSnapshot tenant, Sensitive password, LockProof? proof = null, CancellationToken cancellationToken = default);

    /// <summary>Sets (or replaces) the PIN after the schema check; not a login.</summary>
    Task<AccountOutcome> SetPinAsync(TenantSnapshot tenant, Sensitive pin);

    /// <summary>Changes the PIN given the current one; a wrong current PIN is 1241 and counts toward the lockout.</summary>
    Task<Problem?> ChangePinAsync(TenantSnapshot tenant, Sensitive oldPin, Sensitive newPin, LockProof? proof = null, Sessions.TokenGrant? caller = null);

    /// <summary>Step-up: re-checks the PIN (lockout applies) and issues a short-lived, single-use SecondFactorValidationToken.</summary>
    Task<StepUpOutcome> ReauthenticateWithPinAsync(TenantSnapshot tenant, Sensitive pin, LockProof? proof = null);

    /// <summary>Access and refresh tokens for the account without a login (management impersonation); 938 or 991 when it cannot have them.</summary>
    Task<LoginOutcome> IssueTokensAsync(TenantSnapshot tenant);

    /// <summary>Checks the lock, verifies the PIN, counts the failure or records the login. Persisted before it answers.</summary>
    Task<AccountOutcome> VerifyPinAsync(TenantSnapshot tenant, Sensitive pin, Sessions.TokenGrant session, LockProof? proof = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands out a one-time secret of <paramref name="purpose"/>: records the hashes of a fresh link token and OTP
    /// (e-mail; the OTP where the purpose has one) or OTP (SMS, voice), replacing the purpose's older one, and returns
    /// the secrets to deliver, to <paramref name="target"/> (an address or number to verify) or the account's own.
    /// </summary>
    Task<Recovery.SecretTicket> BeginSecretAsync(TenantSnapshot tenant, Recovery.SecretPurpose purpose, Recovery.RecoveryChannel channel, string? target = null);

    /// <summary>Sets a new PIN on proof of a reset token, OTP or security answers; wrong proofs count toward the lockout.</summary>
    Task<Problem?> ResetPinAsync(TenantSnapshot tenant, Recovery.SecretProof proof, Sensitive newPin, LockProof? lockProof = null);

    /// <summary>
    /// Self-service unlock (<c>PUT auth/account/unlock</c>): a Captcha lock lifts with a solved captcha, a
    /// SecurityQuestion lock with right answers (wrong ones count); Suspend and Block cannot be lifted this way;
    /// 1221 when the account is not locked.
    /// </summary>
    Task<Problem?> UnlockAsync(TenantSnapshot tenant, LockProof proof);

    /// <summary>
    /// The login a registration answers with: access, refresh and (PIN set) PIN session tokens, a PINAuthToken when
    /// the tenant asks for a PIN; 970 or 1066 while a mandatory verification is pending, 991 when blocked.
    /// </summary>
    Task<LoginOutcome> LoginAfterRegistrationAsync(TenantSnapshot tenant);

    /// <summary>
    /// Verifies the e-mail address with the link token or OTP of a verification message (wrong ones count toward the
    /// lockout; 974 used, 975 expired, 979 replaced); with the tenant's auto login the answer carries a login's tokens.
    /// </summary>
    Task<LoginOutcome> VerifyEmailAsync(TenantSnapshot tenant, Recovery.SecretProof proof, LockProof? lockProof = null);

    /// <summary>Verifies the phone number with the OTP of a verification SMS (wrong ones count; 1068 used, 1069 expired); with <paramref name="login"/> the tokens of a login too.</summary>
    Task<LoginOutcome> VerifyPhoneAsync(TenantSnapshot tenant, Sensitive otp, bool login);

    /// <summary>
    /// Changes the password given the current one (<c>PUT auth/password/change</c>): the tenant's password policy
    /// applies (1134), a wrong current password is 967 and counts toward the lockout, and every other session and
    /// token of the account ends (<paramref name="caller"/>'s own login stays).
    /// </summary>
    Task<Problem?> ChangePasswordAsync(TenantSnapshot tenant, Sensitive oldPassword, Sensitive newPassword, LockProof? proof = null, Sessions.TokenGrant? caller = null);

    /// <summary>Sets or changes the user name: claims the new one (1017 when taken), writes the account, releases the old one.</summary>
    Task<Problem?> SetUserNameAsync(TenantSnapshot tenant, string userName);

    /// <summary>Removes the phone number and releases it; 1043 when the account has none.</summary>
    Task<Problem?> RemovePhoneAsync(TenantSnapshot tenant);

    /// <summary>
    /// Adds an e-mail address, unverified (the account's own verification flag is kept for the others): 1174 when the
    /// account has it, 936 when another has it, 1177 when none of the account's addresses is verified, 1134 past 10.
    /// </summary>
    Task<Problem?> AddEmailAsync(TenantSnapshot tenant, EmailAddress email);

    /// <summary>Removes an e-mail address and releases it: 1023 when the account does not have it, 1005 for its only one.</summary>
    Task<AccountOutcome> RemoveEmailAsync(TenantSnapshot tenant, string email);

    /// <summary>LoginRadius' upsert: an address of a type the account has replaces that one, another type is added (unverified).</summary>
    Task<AccountOutcome> UpsertEmailsAsync(TenantSnapshot tenant, IReadOnlyList<EmailAddress> emails);

    /// <summary>Sets a new phone number (1058 when any account has it, this one included), verified or not, and releases the old one.</summary>
    Task<AccountOutcome> SetPhoneAsync(TenantSnapshot tenant, string phone, bool verified);

    /// <summary>
    /// Marks the e-mail addresses (<see cref="Recovery.SecretPurpose.EmailVerification"/>: 1113 none, 1115 unverified
    /// already) or the phone number (<see cref="Recovery.SecretPurpose.PhoneVerification"/>: 1147, 1161) unverified.
    /// </summary>
    Task<Problem?> InvalidateVerificationAsync(TenantSnapshot tenant, Recovery.SecretPurpose purpose);

    /// <summary>
    /// Moves the account to <paramref name="newUid"/> (937 when it has an account): recorded first, then copied,
    /// identifiers handed over, the old Uid removed (its tokens and sessions end). Repeating an interrupted move completes it.
    /// </summary>
    Task<Problem?> ChangeUidAsync(TenantSnapshot tenant, string newUid);

    /// <summary>The ids of the security questions the account has answers for (sorted), or null when there is no such account.</summary>
    Task<IReadOnlyList<string>?> SecurityQuestionIdsAsync();

    /// <summary>
    /// Sets a new password on proof of a forgot-password reset token or OTP, or security answers: wrong proofs count
    /// toward the lockout; the tenant's password policy applies (1134, the secret stays unspent); every session and
    /// token of the account ends; raises ResetPassword.
    /// </summary>
    Task<Problem?> ResetPasswordAsync(TenantSnapshot tenant, Recovery.SecretProof proof, Sensitive newPassword, LockProof? lockProof = null);
}

/// <summary>Maps one identifier (e-mail, username or phone) of a tenant to the Uid that owns it.</summary>
[Alias("PinOrleans.IIdentifierGrain")]
public interface IIdentifierGrain : IGrainWithStringKey
{
    /// <summary>Claims the identifier for <paramref name="uid"/>; returns the owner afterwards (another Uid when it was taken).</summary>
    Task<string> ClaimAsync(string uid);

    /// <summary>Deletes the owner's account; 938 when nobody owns the identifier. Interleaves: the deletion releases this very identifier.</summary>
    [AlwaysInterleave]
    Task<Problem?> DeleteOwnerAsync(TenantSnapshot? tenant = null);

    /// <summary>Gives the identifier up if <paramref name="uid"/> owns it.</summary>
    Task ReleaseAsync(string uid);

    /// <summary>Hands the identifier from <paramref name="from"/> to <paramref name="to"/> (a change of Uid); nothing when another owns it.</summary>
    Task TransferAsync(string from, string to);

    /// <summary>Password login by this identifier: the owner's login, or 966 after the same hashing cost when there is none.</summary>
    [AlwaysInterleave]
    Task<LoginOutcome> LoginWithPasswordAsync(TenantSnapshot tenant, Sensitive password, LockProof? proof = null, CancellationToken cancellationToken = default);

    /// <summary>The owner's profile, or 938 when nobody owns the identifier.</summary>
    [AlwaysInterleave]
    Task<AccountOutcome> GetProfileAsync();

    /// <summary>The owning Uid, or null.</summary>
    [AlwaysInterleave]
    Task<string?> ResolveAsync();
}
