using Microsoft.Extensions.Logging;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>
/// One account. Not reentrant: attempts against one account are decided one after another, and each
/// failed attempt is written before it is answered, so the lockout threshold is exact across silos.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Store)] IPersistentState<UserState> state,
    TimeProvider time,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private const int MaxConflictRetries = 3;
    private bool _creating;

    private string ApiKey => this.GetPrimaryKeyString().Split('/')[0];

    private string Uid => this.GetPrimaryKeyString().Split('/')[1];

    private IHasherGrain Hasher => GrainFactory.GetGrain<IHasherGrain>(0);

    public Task<bool> ExistsAsync() => Task.FromResult(state.RecordExists || _creating);

    public Task<bool> AcceptsTokenAsync(DateTimeOffset issuedAt) => Task.FromResult(Accepts(issuedAt));

    private bool Accepts(DateTimeOffset issuedAt) =>
        state.RecordExists && state.State.IsActive && !(issuedAt <= state.State.TokensRevokedAt);

    public async Task<AccountOutcome> UpdateAsync(TenantSnapshot tenant, AccountUpdate update)
    {
        if (!state.RecordExists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        if (update.SetsPin && update.Pin is { } newPin && AccountRules.PinError(newPin.Value, tenant.Settings.Pin) is { } pinError)
        {
            return AccountOutcome.Fail(Problem.Validation("PIN", pinError));
        }

        var pinHash = update.SetsPin && update.Pin is { } pin ? (await Hasher.HashAsync(pin)).Value : null;
        var now = time.GetUtcNow();
        var user = state.State;
        foreach (var (name, raw) in update.ProfileFields)
        {
            user.ProfileFields[name] = raw;
        }

        user.EmailVerified = update.EmailVerified ?? user.EmailVerified;
        user.PhoneIdVerified = update.PhoneIdVerified ?? user.PhoneIdVerified;
        if (update.IsActive is { } active && active != user.IsActive)
        {
            user.IsActive = active;
            if (!active)
            {
                // Blocking kills every token and session at once, and unblocking does not revive them.
                user.TokensRevokedAt = now;
            }
        }

        if (update.IsLoginLocked == false)
        {
            user.LockedUntil = null;
            user.LockType = null;
            user.FailedLoginAttempts = 0;
        }

        if (update.SetsPin)
        {
            user.PinHash = pinHash;
            user.LastPINChangeDate = pinHash is null ? user.LastPINChangeDate : now;
            user.PinSkipped = update.PinSkipped ?? (pinHash is null ? user.PinSkipped : false);
            user.PinSkippedDate = update.PinSkipped == true ? now : user.PinSkippedDate;
        }

        user.ModifiedDate = now;
        await WriteOrReloadAsync();
        return AccountOutcome.Of(user.ToProfile(now));
    }

    public async Task<Problem?> SetPasswordAsync(TenantSnapshot tenant, Secret password)
    {
        if (!state.RecordExists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        if (AccountRules.PasswordError(password.Value, tenant.Settings.Password) is { } error)
        {
            return Problem.Validation("Password", error);
        }

        var hash = await Hasher.HashAsync(password);
        state.State.PasswordHash = hash.Value;
        state.State.LastPasswordChangeDate = state.State.ModifiedDate = time.GetUtcNow();
        await WriteOrReloadAsync();
        return null;
    }

    public async Task<Problem?> DeleteAsync()
    {
        if (!state.RecordExists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var identifiers = Identifiers(state.State.Email, state.State.UserName, state.State.PhoneId)
            .Select(i => GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, i.Kind, i.Value)))
            .ToList();
        await state.ClearStateAsync();
        state.State = new UserState();
        await ReleaseAsync(identifiers);
        return null;
    }

    /// <summary>Writes the state; if the write fails, the activation goes, so nothing unwritten is ever served.</summary>
    private async Task WriteOrReloadAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<AccountOutcome> GetProfileAsync() => Task.FromResult(
        state.RecordExists ? AccountOutcome.Of(state.State.ToProfile(time.GetUtcNow())) : AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)));

    public async Task<AccountOutcome> CreateAsync(TenantSnapshot tenant, NewAccount account)
    {
        if (state.RecordExists)
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
                var index = GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, kind, value));
                if (await index.ClaimAsync(Uid) != Uid)
                {
                    await ReleaseAsync(claimed);
                    return AccountOutcome.Fail(new Problem(conflict));
                }

                claimed.Add(index);
            }

            // Two hashes, two workers: the password and the PIN are hashed side by side.
            var passwordHash = Hasher.HashAsync(account.Password!.Value);
            var pinHash = account.Pin is { } pin ? Hasher.HashAsync(pin) : null;
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
            await state.WriteStateAsync();
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

    public async Task<LoginOutcome> LoginWithPasswordAsync(TenantSnapshot tenant, Secret password)
    {
        if (!state.RecordExists)
        {
            // A claim whose account never came to be: as slow as a wrong password, so existence does not show.
            await Hasher.VerifyNothingAsync(password);
            return LoginOutcome.Fail(new Problem(ErrorCode.InvalidCredentials));
        }

        var verdict = await AttemptAsync(tenant, password, s => s.PasswordHash, ErrorCode.InvalidCredentials, ErrorCode.InvalidCredentials,
            (s, rehashed) => s.PasswordHash = rehashed.Value);
        if (verdict.Problem is { } problem)
        {
            return LoginOutcome.Fail(problem);
        }

        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, Uid, time.GetUtcNow(), withPinSession: true);
        return new LoginOutcome(verdict.Profile, tokens, null);
    }

    public async Task<LoginOutcome> IssueTokensAsync(TenantSnapshot tenant)
    {
        if (!state.RecordExists)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        if (!state.State.IsActive)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.AccountBlocked));
        }

        var now = time.GetUtcNow();
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, Uid, now, withPinSession: false);
        return new LoginOutcome(state.State.ToProfile(now), tokens, null);
    }

    public Task<AccountOutcome> VerifyPinAsync(TenantSnapshot tenant, Secret pin, DateTimeOffset sessionIssuedAt)
    {
        if (!state.RecordExists)
        {
            return Task.FromResult(AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)));
        }

        if (sessionIssuedAt <= state.State.TokensRevokedAt)
        {
            return Task.FromResult(AccountOutcome.Fail(new Problem(ErrorCode.SessionTokenInvalid)));
        }

        return AttemptAsync(tenant, pin, s => s.PinHash, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable, (s, rehashed) => s.PinHash = rehashed.Value);
    }

    /// <summary>
    /// One login attempt with a PIN or password. Refusals that need no secret (blocked, locked, nothing set)
    /// come before any hashing. The outcome is written before it is returned; if another activation wrote
    /// first (<see cref="InconsistentStateException"/>), the attempt is decided again on the fresh state.
    /// </summary>
    private async Task<AccountOutcome> AttemptAsync(
        TenantSnapshot tenant,
        Secret secret,
        Func<UserState, string?> storedHash,
        ErrorCode wrongSecret,
        ErrorCode noSecret,
        Action<UserState, Secret> upgradeHash)
    {
        var policy = tenant.Settings.Lockout;
        HashCheck? check = null;
        string? checkedHash = null;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var user = state.State;
            if (!user.IsActive)
            {
                return AccountOutcome.Fail(new Problem(ErrorCode.AccountBlocked));
            }

            if (user.IsLocked(now))
            {
                return AccountOutcome.Fail(user.LockType == LockoutType.Block ? new Problem(ErrorCode.AccountBlocked) : Problem.Locked(user.LockedUntil!.Value));
            }

            if (user.LockedUntil is not null)
            {
                // A suspension that has run out starts a fresh count.
                user.LockedUntil = null;
                user.LockType = null;
                user.FailedLoginAttempts = 0;
            }

            var hash = storedHash(user);
            if (hash is null)
            {
                return AccountOutcome.Fail(new Problem(noSecret));
            }

            if (check is null || checkedHash != hash)
            {
                check = await Hasher.VerifyAsync(secret, new Secret(hash));
                checkedHash = hash;
            }

            Problem? problem = null;
            if (check.Valid)
            {
                user.FailedLoginAttempts = 0;
                user.NoOfLogins++;
                user.LastLoginDate = now;
                if (check.Rehashed is { } upgraded)
                {
                    upgradeHash(user, upgraded);
                }
            }
            else
            {
                user.FailedLoginAttempts++;
                problem = new Problem(wrongSecret);
                if (user.FailedLoginAttempts >= policy.MaximumFailedLoginAttempts)
                {
                    user.LockType = policy.LoginLockedType;
                    user.LockedUntil = policy.LoginLockedType == LockoutType.Block
                        ? DateTimeOffset.MaxValue
                        : now.AddSeconds(policy.SuspendEffectivePeriodInSeconds);
                    logger.LogInformation("Account {Uid} of tenant {ApiKey} locked ({LockType}) after {Failures} failed attempts",
                        Uid, ApiKey, user.LockType, user.FailedLoginAttempts);
                }
            }

            try
            {
                await state.WriteStateAsync();
                return problem is null ? AccountOutcome.Of(user.ToProfile(now)) : AccountOutcome.Fail(problem);
            }
            catch (InconsistentStateException) when (attempt < MaxConflictRetries)
            {
                logger.LogWarning("Account {Uid} of tenant {ApiKey} was written elsewhere; deciding the attempt again on fresh state", Uid, ApiKey);
                await state.ReadStateAsync();
            }
            catch (Exception e) when (e is not InconsistentStateException)
            {
                // The attempt was not recorded, so it is not answered; the next call starts from what storage holds.
                DeactivateOnIdle();
                throw;
            }
        }
    }

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
