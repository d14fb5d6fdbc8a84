using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PinOrleans.Recovery;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// One account. Not reentrant: attempts against one account are decided one after another, and each
/// failed attempt is written before it is answered, so the lockout threshold is exact across silos.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Store)] IPersistentState<UserState> state,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    ILogger<UserGrain> logger,
    ILoggerFactory loggers,
    IOptions<WebhookDeliveryOptions> webhookOptions,
    Operations.PinOrleansMetrics metrics,
    PooledHasher hasher,
    Orleans.Serialization.DeepCopier<UserState> copier,
    StorageCircuit circuit,
    IOptions<AccountWriteOptions> accountWrites,
    MembershipStability membershipStability) : Grain, IUserGrain, IRemindable
{
    private readonly ILogger _audit = loggers.CreateLogger(AccountAudit.Category);

    private const int MaxConflictRetries = 3;
    private bool _creating;

    private string ApiKey => this.GetPrimaryKeyString().Split('/')[0];

    private string Uid => this.GetPrimaryKeyString().Split('/')[1];

    public Task<bool> ExistsAsync() => Task.FromResult(Exists || _creating);

    public Task<bool> AcceptsTokenAsync(TokenGrant grant) => Task.FromResult(Accepts(grant));

    public Task<bool> AcceptsRefreshTokenAsync(TokenGrant grant) =>
        Task.FromResult(Accepts(grant) && !(grant.IssuedAt <= state.State.RefreshTokensRevokedAt));

    private bool Accepts(TokenGrant grant) => Exists && state.State.Accepts(grant);

    /// <summary>
    /// A password or PIN was changed or reset: every other PIN session and token of the account ends (unless the
    /// tenant keeps them); <paramref name="caller"/>'s own login and PIN session, when it made the change, stay.
    /// </summary>
    private static void EndOtherSessions(TenantSnapshot tenant, UserState user, DateTimeOffset now, TokenGrant? caller = null)
    {
        if (tenant.Settings.Tokens.EndSessionsOnCredentialChange)
        {
            user.CredentialEpoch++;
            user.LastCredentialChange = new CredentialChange { At = now, KeptFamily = caller?.Family, KeptSession = caller?.Session };
        }
    }

    public async Task<Problem?> RevokeAllRefreshTokensAsync()
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        state.State.RefreshTokensRevokedAt = time.GetUtcNow();
        await WriteOrDeactivateAsync();
        return null;
    }

    public async Task RevokeTokenFamilyAsync(string family, DateTimeOffset until)
    {
        if (!Exists)
        {
            return;
        }

        var now = time.GetUtcNow();
        var families = state.State.RevokedTokenFamilies;
        foreach (var expired in families.Where(f => f.Value <= now).Select(f => f.Key).ToList())
        {
            families.Remove(expired);
        }

        families[family] = until;
        await WriteOrDeactivateAsync();
    }

    public async Task<AccountOutcome> UpdateAsync(TenantSnapshot tenant, AccountUpdate update)
    {
        if (!Exists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        if (update.SetsPin && update.Pin is { } newPin && AccountRules.PinError(newPin.Value, tenant.Settings.Pin) is { } pinError)
        {
            return AccountOutcome.Fail(Problem.Validation("PIN", pinError));
        }

        Sensitive? pinHash = update.SetsPin && update.Pin is { } pin ? await hasher.HashAsync(pin) : (Sensitive?)null;
        AuditEntry? unlocked = null;
        var problem = await ChangeIdentifiersAsync(tenant, update.Identifiers, async (user, now) =>
        {
            if (update.SecurityAnswers is { } answers)
            {
                // Hashing awaits; everything after it is synchronous up to the write.
                await SetSecurityAnswersAsync(user, answers);
            }

            foreach (var (name, raw) in update.ProfileFields)
            {
                user.ProfileFields[name] = raw;
            }

            foreach (var name in update.ClearedFields)
            {
                user.ProfileFields.Remove(name);
            }

            if (update.EmailVerified is { } emailVerified)
            {
                // The administrator's word covers every address, added ones included.
                user.EmailVerified = emailVerified;
                user.UnverifiedEmails.Clear();
            }

            user.PhoneIdVerified = update.PhoneIdVerified ?? user.PhoneIdVerified;
            var blocked = update.IsActive == false && user.IsActive;
            if (update.IsActive is { } active && active != user.IsActive)
            {
                user.IsActive = active;
                if (!active)
                {
                    // Blocking kills every token and session at once, and unblocking does not revive them.
                    user.TokenGeneration++;
                }
            }

            // IsActive=true also lifts a brute-force Block; IsLoginLocked=false lifts any lock.
            if (update.IsLoginLocked == false || (update.IsActive == true && user.LockType == LockoutType.Block))
            {
                unlocked = LockoutRules.AdministratorUnlock(user, now);
            }

            if (update.SetsPin && user.PinHash is not null)
            {
                EndOtherSessions(tenant, user, now);
            }

            if (pinHash is { } hash)
            {
                SetPin(user, hash, now);
            }
            else if (update.SetsPin)
            {
                user.PinHash = null;
            }

            if (update.PinSkipped is { } skipped)
            {
                user.PinSkipped = skipped;
                user.PinSkippedDate = skipped ? now : user.PinSkippedDate;
            }

            Raise(tenant, user, WebhookEvents.UpdateProfile, now);
            if (blocked)
            {
                Raise(tenant, user, WebhookEvents.BlockAccount, now);
            }

            if (unlocked is not null)
            {
                Raise(tenant, user, WebhookEvents.UnlockAccount, now);
            }
        });
        if (problem is not null)
        {
            return AccountOutcome.Fail(problem);
        }

        if (unlocked is not null)
        {
            Audit(unlocked, state.State);
        }

        return AccountOutcome.Of(state.State.ToProfile(time.GetUtcNow()));
    }

    public async Task<Problem?> UnlockAsync(TenantSnapshot tenant, LockProof proof)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        if (!user.IsActive)
        {
            return new Problem(ErrorCode.AccountBlocked);
        }

        if (!user.IsLocked(time.GetUtcNow()))
        {
            return new Problem(ErrorCode.AccountAlreadyUnlocked);
        }

        if (user.LockType is not (LockoutType.Captcha or LockoutType.SecurityQuestion))
        {
            // Suspensions end by themselves; blocks need an administrator.
            return LockoutRules.Refusal(user);
        }

        return (await AttemptAsync(tenant, proof, NoSecret, (_, _) => Task.FromResult<Problem?>(null), unlockedBy: UnlockedBy.SelfService)).Problem;
    }

    public async Task<Problem?> SetPasswordAsync(TenantSnapshot tenant, Sensitive password)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        if (await NewPasswordProblemAsync(tenant, state.State, password, "password") is { } invalid)
        {
            return invalid;
        }

        var hash = await hasher.HashAsync(password);
        var now = time.GetUtcNow();
        StorePassword(tenant, state.State, hash, now);
        EndOtherSessions(tenant, state.State, now);
        Raise(tenant, state.State, WebhookEvents.SetPassword, now);
        await WriteOrDeactivateAsync();
        return null;
    }

    public async Task<Problem?> DeleteAsync(TenantSnapshot? tenant = null)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var identifiers = Identifiers(state.State.Email, state.State.UserName, state.State.PhoneId)
            .Select(i => GrainFactory.Reference<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, i.Kind, i.Value)))
            .ToList();
        // Its PIN sessions end with it, before it goes.
        await EndAllTrackedSessionsAsync();
        // What is left of a deleted account: its unsent events (DeleteAccount among them), until they are handed over.
        var tombstone = new UserState { Uid = Uid, Deleted = true, Outbox = state.State.Outbox };
        if (tenant is not null)
        {
            Raise(tenant, tombstone, WebhookEvents.DeleteAccount, time.GetUtcNow(), subject: state.State);
        }

        if (tombstone.Outbox.Count > 0)
        {
            state.State = tombstone;
            await WriteOrDeactivateAsync();
        }
        else
        {
            await state.ClearOrDeactivateAsync(GrainContext);
            state.State = new UserState();
            Written();
        }

        await ReleaseAsync(identifiers);
        return null;
    }

    public async Task<Problem?> DeleteByTokenAsync(TenantSnapshot tenant, SecretProof proof)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.DeleteTokenInvalid);
        }

        // The token is spent (and a wrong one counted) in one write; the deletion follows in the same turn.
        var verdict = await SpendSecretAsync(tenant, SecretPurpose.AccountDeletion, proof, null, (_, _, _) => Task.FromResult<Problem?>(null));
        return verdict.Problem ?? await DeleteAsync(tenant);
    }

    /// <summary>
    /// Writes the state (after guarding its outbox). Nothing unwritten is ever served: if storage is unavailable the
    /// state storage last took is put back (<see cref="RollBack"/>), and any other failure deactivates.
    /// </summary>
    private async Task WriteOrDeactivateAsync()
    {
        await EndSessionsTheWriteEndsAsync();
        await GuardOutboxOrDeactivateAsync();
        await state.WriteOrRollBackAsync(GrainContext, RollBack);
        Written();
        ScheduleFlush();
    }

    /// <summary>The outbox reminder before a write; if it cannot be registered, the change in memory is not written and the activation goes.</summary>
    private async Task GuardOutboxOrDeactivateAsync()
    {
        try
        {
            await GuardOutboxAsync();
        }
        catch
        {
            GrainContext.DeactivateUnwritten();
            throw;
        }
    }

    public Task<AccountOutcome> GetProfileAsync() => Task.FromResult(
        Exists ? AccountOutcome.Of(state.State.ToProfile(time.GetUtcNow())) : AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)));

    public async Task<AccountOutcome> CreateAsync(TenantSnapshot tenant, NewAccount account)
    {
        if (Exists)
        {
            throw new InvalidOperationException("An account with this Uid already exists.");
        }

        if (AccountRules.Validate(account, tenant.Settings) is { } invalid)
        {
            return AccountOutcome.Fail(invalid);
        }

        _creating = true;
        var claimed = new List<IIdentifierGrain>();
        try
        {
            foreach (var (kind, value, conflict) in Identifiers(account.Email, account.UserName, account.PhoneId))
            {
                var index = GrainFactory.Reference<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, kind, value));
                if (await index.ClaimAsync(Uid) != Uid)
                {
                    await ReleaseAsync(claimed);
                    return AccountOutcome.Fail(new Problem(conflict));
                }

                claimed.Add(index);
            }

            // Two hashes, two workers: the password and the PIN are hashed side by side.
            var passwordHash = hasher.HashAsync(account.Password!.Value);
            var pinHash = account.Pin is { } pin ? hasher.HashAsync(pin) : null;
            var now = time.GetUtcNow();
            state.State = new UserState
            {
                Uid = Uid,
                Email = account.Email.Select(e => new EmailAddress(e.Type, e.Value.Trim())).ToList(),
                UserName = account.UserName?.Trim(),
                PhoneId = account.PhoneId,
                EmailVerified = account.EmailVerified ?? false,
                PhoneIdVerified = account.PhoneIdVerified ?? false,
                PasswordHash = (await passwordHash).Value,
                LastPasswordChangeDate = now,
                PinHash = pinHash is null ? null : (await pinHash).Value,
                LastPINChangeDate = account.Pin is null ? null : now,
                PinSkipped = account.PinSkipped ?? (account.Pin is null ? null : false),
                PinSkippedDate = account.PinSkipped == true ? now : null,
                CreatedDate = now,
                ModifiedDate = now,
                ProfileFields = new Dictionary<string, string>(account.ProfileFields),
            };
            Raise(tenant, state.State, account.SelfRegistered ? WebhookEvents.Register : WebhookEvents.CreateTraditionalAccount, now);
            await WriteOrDeactivateAsync();
            return AccountOutcome.Of(state.State.ToProfile(now));
        }
        catch
        {
            state.State = new UserState();
            await ReleaseAsync(claimed);
            throw;
        }
        finally
        {
            _creating = false;
        }
    }

    public async Task<LoginOutcome> LoginWithPasswordAsync(TenantSnapshot tenant, Sensitive password, LockProof? proof = null, CancellationToken cancellationToken = default)
    {
        if (!Exists)
        {
            // A claim whose account never came to be: as slow as a wrong password, so existence does not show.
            await hasher.VerifyNothingAsync(password, cancellationToken);
            return LoginOutcome.Fail(new Problem(ErrorCode.InvalidCredentials));
        }

        var firstLogin = state.State.NoOfLogins == 0;
        TrackedSessionToken? session = null;
        var verdict = await AttemptAsync(tenant, proof, Check(password, Credential.Password, HashLane.Anonymous, cancellationToken), async (user, now) =>
        {
            if (await RecordPasswordLoginAsync(tenant, user, now) is { } refused)
            {
                return refused;
            }

            // The login's PIN session is recorded in the write that decides the login (decided again: recorded again).
            session = TrackPinSession(tenant, user, now, firstLogin);
            return null;
        }, WebhookEvents.Login);
        if (verdict.Problem is { } problem)
        {
            return LoginOutcome.Fail(problem);
        }

        return await FinishLoginAsync(tenant, verdict.Profile!, firstLogin, session);
    }

    /// <summary>
    /// The tokens of a login that was decided: access, refresh and PIN session tokens; when the tenant asks for a PIN
    /// the account does not have, also a PINAuthToken (and, when the PIN is mandatory, nothing else). The PIN session is
    /// <paramref name="trackedSession"/> when the login recorded one (<see cref="TrackPinSession"/>).
    /// </summary>
    private async Task<LoginOutcome> FinishLoginAsync(TenantSnapshot tenant, UserProfile profile, bool firstLogin, TrackedSessionToken? trackedSession = null)
    {
        var now = time.GetUtcNow();
        Sensitive? pinAuthToken = null;
        if (state.State.PinHash is null && tenant.Settings.Pin.AsksForPin(firstLogin))
        {
            var token = SecretToken.New();
            await GrainFactory.Reference<IPinAuthTokenGrain>(SecretToken.KeyOf(token)!)
                .StartAsync(new TokenGrant(ApiKey, Uid, now, now.AddMinutes(tenant.Settings.Tokens.PinAuthTokenMinutes)) { Generation = state.State.TokenGeneration, CredentialEpoch = state.State.CredentialEpoch });
            pinAuthToken = token;
            if (!IssuesPinSession(tenant, state.State, firstLogin))
            {
                // Mandatory PIN: no access token until the PIN is set.
                return new LoginOutcome(profile, null, null) { PinAuthToken = pinAuthToken };
            }
        }

        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, Uid, state.State.Stamp, now, withPinSession: true, trackedSession: trackedSession);
        return new LoginOutcome(profile, tokens, null) { PinAuthToken = pinAuthToken };
    }

    public async Task<AccountOutcome> SetPinAsync(TenantSnapshot tenant, Sensitive pin)
    {
        if (!Exists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        if (AccountRules.PinError(pin.Value, tenant.Settings.Pin) is { } error)
        {
            return AccountOutcome.Fail(Problem.Validation("PIN", error));
        }

        var hash = await hasher.HashAsync(pin);
        var now = time.GetUtcNow();
        if (state.State.PinHash is not null)
        {
            EndOtherSessions(tenant, state.State, now);
        }

        SetPin(state.State, hash, now);
        Raise(tenant, state.State, WebhookEvents.SetPIN, now);
        await WriteOrDeactivateAsync();
        return AccountOutcome.Of(state.State.ToProfile(now));
    }

    public async Task<Problem?> ChangePinAsync(TenantSnapshot tenant, Sensitive oldPin, Sensitive newPin, LockProof? proof = null, TokenGrant? caller = null)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        if (AccountRules.PinError(newPin.Value, tenant.Settings.Pin) is { } error)
        {
            return Problem.Validation("NewPIN", error);
        }

        // No rehash of the old PIN: it would overwrite the new one.
        var verdict = await AttemptAsync(tenant, proof, Check(oldPin, Credential.CurrentPin) with { StoreRehash = null }, async (user, now) =>
        {
            EndOtherSessions(tenant, user, now, caller);
            return await ReplacePinAsync(user, newPin, now);
        }, WebhookEvents.ChangePIN);
        return verdict.Problem;
    }

    public async Task<StepUpOutcome> ReauthenticateWithPinAsync(TenantSnapshot tenant, Sensitive pin, LockProof? proof = null)
    {
        if (!Exists)
        {
            return new StepUpOutcome(null, default, new Problem(ErrorCode.UserDoesNotExist));
        }

        var verdict = await AttemptAsync(tenant, proof, Check(pin, Credential.StepUpPin), (_, _) => Task.FromResult<Problem?>(null));
        if (verdict.Problem is { } problem)
        {
            return new StepUpOutcome(null, default, problem);
        }

        var now = time.GetUtcNow();
        var token = SecretToken.New();
        var expires = now.AddMinutes(tenant.Settings.Tokens.StepUpTokenMinutes);
        await GrainFactory.Reference<IStepUpTokenGrain>(SecretToken.KeyOf(token)!)
            .StartAsync(new TokenGrant(ApiKey, Uid, now, expires) { Generation = state.State.TokenGeneration, CredentialEpoch = state.State.CredentialEpoch });
        return new StepUpOutcome(token, expires, null);
    }

    private static void SetPin(UserState user, Sensitive hash, DateTimeOffset now)
    {
        user.PinHash = hash.Value;
        user.LastPINChangeDate = user.ModifiedDate = now;
        user.PinSkipped = false;
    }

    private static Task<Problem?> RecordLogin(UserState user, DateTimeOffset now)
    {
        user.NoOfLogins++;
        user.LastLoginDate = now;
        return Task.FromResult<Problem?>(null);
    }

    private async Task<Problem?> ReplacePinAsync(UserState user, Sensitive pin, DateTimeOffset now)
    {
        SetPin(user, await hasher.HashAsync(pin), now);
        return null;
    }

    public async Task<LoginOutcome> IssueTokensAsync(TenantSnapshot tenant)
    {
        if (!Exists)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        if (!state.State.IsActive)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.AccountBlocked));
        }

        var now = time.GetUtcNow();
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, Uid, state.State.Stamp, now, withPinSession: false);
        return new LoginOutcome(state.State.ToProfile(now), tokens, null);
    }

    public Task<AccountOutcome> VerifyPinAsync(TenantSnapshot tenant, Sensitive pin, TokenGrant session, LockProof? proof = null, CancellationToken cancellationToken = default)
    {
        if (!Exists)
        {
            return Task.FromResult(AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)));
        }

        if (session.Generation != state.State.TokenGeneration || state.State.EndedByCredentialChange(session))
        {
            return Task.FromResult(AccountOutcome.Fail(new Problem(ErrorCode.SessionTokenInvalid)));
        }

        return AttemptAsync(tenant, proof, Check(pin, Credential.Pin, HashLane.Session, cancellationToken), RecordLogin, WebhookEvents.Login, statisticsOnly: true);
    }

    /// <summary>Where a login secret's hash lives, and what a wrong or missing secret answers.</summary>
    private sealed record Credential(CredentialKind Kind, Func<UserState, string?> Stored, Action<UserState, string> Store, ErrorCode Wrong, ErrorCode Missing)
    {
        public static readonly Credential Password = new(CredentialKind.Password, s => s.PasswordHash, (s, h) => s.PasswordHash = h, ErrorCode.InvalidCredentials, ErrorCode.InvalidCredentials);
        public static readonly Credential Pin = new(CredentialKind.Pin, s => s.PinHash, (s, h) => s.PinHash = h, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable);
        public static readonly Credential CurrentPin = Pin with { Wrong = ErrorCode.CurrentPinInvalid };
        public static readonly Credential CurrentPassword = Password with { Wrong = ErrorCode.CurrentPasswordInvalid, Missing = ErrorCode.CurrentPasswordInvalid };
        public static readonly Credential StepUpPin = Pin with { Kind = CredentialKind.StepUp };
    }

    /// <summary>
    /// What one attempt proves and how: <see cref="Unavailable"/> refuses before any hashing when there is nothing
    /// to check against; <see cref="Material"/> names what <see cref="Verify"/> checks, so a re-decision after a
    /// conflict hashes again only when that changed; a failed check answers <see cref="Wrong"/> and counts toward
    /// <see cref="Kind"/> (null: nothing to count, the self-service unlock).
    /// </summary>
    private sealed record Challenge(
        CredentialKind? Kind,
        Func<UserState, Problem?> Unavailable,
        Func<UserState, string> Material,
        Func<UserState, Task<HashCheck>> Verify,
        ErrorCode Wrong,
        Action<UserState, Sensitive>? StoreRehash = null)
    {
        /// <summary>A reset secret that reached the account's e-mail or phone proves control of the account.</summary>
        public AttemptStrength Strength { get; init; } = AttemptStrength.Knowledge;

        /// <summary>What a wrong secret answers when it depends on the state (an unknown security question: 1094).</summary>
        public Func<UserState, ErrorCode>? WrongFor { get; init; }
    }

    private Challenge Check(Sensitive secret, Credential credential, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) => new(
        credential.Kind,
        user => credential.Stored(user) is null ? new Problem(credential.Missing) : null,
        user => credential.Stored(user)!,
        user => hasher.VerifyAsync(secret, new Sensitive(credential.Stored(user)!), lane, cancellationToken),
        credential.Wrong,
        (user, rehash) => credential.Store(user, rehash.Value));

    /// <summary>A challenge with nothing to check: the self-service unlock, where only the lock's own proof counts.</summary>
    private static readonly Challenge NoSecret = new(
        null, _ => null, _ => "", _ => Task.FromResult(new HashCheck(true, null)), ErrorCode.UnknownError);

    /// <summary>The verdict of one attempt's checks: the lock's security answers (if asked for), then the secret; a failure names the challenge that failed.</summary>
    private sealed record Decision(bool Valid, Challenge Failed, Sensitive? Rehashed);

    private static async Task<Decision> DecideAsync(Challenge? gate, Challenge challenge, UserState user)
    {
        if (gate is not null && !(await gate.Verify(user)).Valid)
        {
            return new Decision(false, gate, null);
        }

        var check = await challenge.Verify(user);
        return new Decision(check.Valid, challenge, check.Rehashed);
    }

    /// <summary>
    /// One attempt with a secret (PIN, password, reset token, OTP, security answers). Refusals that need no secret
    /// (blocked, suspended, a Captcha or SecurityQuestion lock without its proof, nothing set) come before any
    /// hashing. Under a SecurityQuestion lock the answers are checked first and a wrong one fails the attempt. A
    /// wrong secret counts toward the lockout; a right one runs <paramref name="onSuccess"/>, which may still refuse
    /// (a spent or expired OTP): then nothing is counted or written. Success clears the count and any lock. The
    /// outcome is written before it is returned; if another activation wrote first
    /// (<see cref="InconsistentStateException"/>), the attempt is decided again on the fresh state.
    /// </summary>
    private async Task<AccountOutcome> AttemptAsync(
        TenantSnapshot tenant,
        LockProof? proof,
        Challenge challenge,
        Func<UserState, DateTimeOffset, Task<Problem?>> onSuccess,
        string? successEvent = null,
        UnlockedBy unlockedBy = UnlockedBy.Login,
        bool statisticsOnly = false)
    {
        var outcome = await DecideAttemptAsync(tenant, proof, challenge, onSuccess, successEvent, unlockedBy, statisticsOnly);
        if (successEvent == WebhookEvents.Login)
        {
            AccountAudit.CountLogin(metrics, outcome.Problem?.Code switch
            {
                null => "success",
                ErrorCode.InvalidPin or ErrorCode.InvalidCredentials or ErrorCode.SecurityAnswerIncorrect => "invalid",
                ErrorCode.AccountSuspended or ErrorCode.CaptchaRequired or ErrorCode.SecurityAnswerRequired => "locked",
                ErrorCode.AccountBlocked => "blocked",
                _ => "refused",
            });
        }

        return outcome;
    }

    private async Task<AccountOutcome> DecideAttemptAsync(
        TenantSnapshot tenant,
        LockProof? proof,
        Challenge challenge,
        Func<UserState, DateTimeOffset, Task<Problem?>> onSuccess,
        string? successEvent,
        UnlockedBy unlockedBy,
        bool statisticsOnly)
    {
        proof ??= LockProof.None;
        var policy = tenant.Settings.Lockout;
        Decision? decision = null;
        string? checkedMaterial = null;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var user = state.State;
            var admission = LockoutRules.Admit(user, challenge.Kind, challenge.Strength, proof, now);
            if (admission.Refusal is { } refusal)
            {
                return AccountOutcome.Fail(refusal);
            }

            var gate = admission.NeedsSecurityAnswers ? SecurityAnswerChallenge(tenant.Settings.SecurityQuestions, proof.SecurityAnswers!) : null;
            if ((gate?.Unavailable(user) ?? challenge.Unavailable(user)) is { } unavailable)
            {
                return AccountOutcome.Fail(unavailable);
            }

            var material = (gate is null ? "" : gate.Material(user) + "\n") + challenge.Material(user);
            if (decision is null || checkedMaterial != material)
            {
                RefuseWhileStorageIsFailing();
                decision = await DecideAsync(gate, challenge, user);
                checkedMaterial = material;
            }

            Problem? problem = null;
            AuditEntry? audit;
            var unchanged = (Failures: user.Failures.Count, Outbox: user.Outbox.Count);
            if (decision.Valid)
            {
                if (await onSuccess(user, now) is { } refused)
                {
                    return AccountOutcome.Fail(refused);
                }

                if (gate is not null)
                {
                    // The lock's answers were right too: their own count starts over.
                    LockoutRules.Succeed(user, gate.Kind, gate.Strength, null, unlockedBy);
                }

                audit = LockoutRules.Succeed(user, challenge.Kind, challenge.Strength, admission.LockedAs, unlockedBy);
                if (decision.Rehashed is { } upgraded && challenge.StoreRehash is { } store)
                {
                    store(user, upgraded);
                }
            }
            else
            {
                var failed = decision.Failed;
                problem = new Problem(failed.WrongFor?.Invoke(user) ?? failed.Wrong);
                audit = LockoutRules.Fail(user, failed.Kind!.Value, policy, admission.LockedAs, now);
            }

            if (problem is null && successEvent is not null)
            {
                Raise(tenant, user, successEvent, now);
            }

            if (audit is not null)
            {
                Raise(tenant, user, audit.Event == "AccountLocked" ? WebhookEvents.BlockAccount : WebhookEvents.UnlockAccount, now);
            }

            // A success whose only change is the login statistics (onSuccess counts the login and nothing else):
            // answered without a write (UserGrain.LoginStats.cs). Failures, lifted locks, rehashes and webhooks are
            // always written before the answer.
            if (statisticsOnly && problem is null && gate is null && audit is null && decision.Rehashed is null
                && unchanged == (user.Failures.Count, user.Outbox.Count) && KeepStatisticsUnwritten(user))
            {
                return AccountOutcome.Of(user.ToProfile(now));
            }

            // Not recorded (storage failed, or conflicts went on): not answered, and the next call starts from what
            // storage holds, never from this activation's unwritten state.
            await EndSessionsTheWriteEndsAsync();
            await GuardOutboxOrDeactivateAsync();
            if (!await state.WriteOrRereadAsync(GrainContext, rereadOnConflict: attempt < MaxConflictRetries, RollBack))
            {
                logger.LogWarning("Account {Uid} of tenant {ApiKey} was written elsewhere; deciding the attempt again on fresh state", Uid, ApiKey);
                var unwritten = UnwrittenStatistics;
                state.State.UpgradeLegacyCounts();
                state.State.UpgradeLegacySecrets();
                Written();
                KeepUnwrittenStatistics(unwritten);
                continue;
            }

            Written();
            ScheduleFlush();
            if (audit is not null)
            {
                Audit(audit, user);
            }

            return problem is null ? AccountOutcome.Of(user.ToProfile(now)) : AccountOutcome.Fail(problem);
        }
    }

    private void Audit(AuditEntry entry, UserState user) => AccountAudit.Write(_audit, metrics, ApiKey, user.Uid, entry);

    private static IEnumerable<(IdentifierKind Kind, string Value, ErrorCode Conflict)> Identifiers(IEnumerable<EmailAddress> emails, string? userName, string? phone)
    {
        foreach (var email in emails)
        {
            yield return (IdentifierKind.Email, email.Value, ErrorCode.EmailAlreadyRegistered);
        }

        if (userName is not null)
        {
            yield return (IdentifierKind.UserName, userName, ErrorCode.UserNameAlreadyExists);
        }

        if (phone is not null)
        {
            yield return (IdentifierKind.Phone, phone, ErrorCode.PhoneAlreadyExists);
        }
    }

    private async Task ReleaseAsync(IEnumerable<IIdentifierGrain> claimed)
    {
        foreach (var index in claimed)
        {
            await index.ReleaseAsync(Uid);
        }
    }
}
