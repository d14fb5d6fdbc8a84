using Microsoft.Extensions.Logging;
using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Sessions;

[GenerateSerializer, Alias("PinOrleans.TokenState")]
public sealed class TokenState
{
    [Id(0)] public TokenGrant? Grant { get; set; }
    [Id(1)] public bool Revoked { get; set; }
    /// <summary>Refresh tokens and PINAuthTokens: spent (single use).</summary>
    [Id(2)] public bool Used { get; set; }
}

/// <summary>Issues the tokens of a successful login: each is recorded (by its hash) before any is handed out.</summary>
public static class TokenIssuer
{
    /// <summary>
    /// Access + refresh token (and a PIN session when asked), stamped with the account's token
    /// <paramref name="generation"/> and a token <paramref name="family"/> (new for a login, kept by a refresh).
    /// </summary>
    public static async Task<IssuedTokens> IssueAsync(
        IGrainFactory grains, TenantSnapshot tenant, string uid, int generation, DateTimeOffset now, bool withPinSession, string? family = null)
    {
        var lifetimes = tenant.Settings.Tokens;
        var access = SecretToken.New();
        var refresh = SecretToken.New();
        var accessKey = SecretToken.KeyOf(access)!;
        var refreshKey = SecretToken.KeyOf(refresh)!;
        family ??= Guid.NewGuid().ToString("N");
        var accessGrant = new TokenGrant(tenant.ApiKey, uid, now, now.AddMinutes(lifetimes.AccessTokenMinutes)) { PairKey = refreshKey, Generation = generation, Family = family };
        var refreshGrant = new TokenGrant(tenant.ApiKey, uid, now, now.AddDays(lifetimes.RefreshTokenDays)) { PairKey = accessKey, Generation = generation, Family = family };

        var writes = new List<Task>
        {
            grains.GetGrain<IAccessTokenGrain>(accessKey).IssueAsync(accessGrant),
            grains.GetGrain<IRefreshTokenGrain>(refreshKey).IssueAsync(refreshGrant),
        };

        string? session = null;
        DateTimeOffset? sessionExpires = null;
        if (withPinSession)
        {
            session = SecretToken.New();
            sessionExpires = now.AddMinutes(lifetimes.PinSessionTokenMinutes);
            writes.Add(grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(session)!)
                .StartAsync(new TokenGrant(tenant.ApiKey, uid, now, sessionExpires.Value) { Generation = generation }));
        }

        await Task.WhenAll(writes);
        return new IssuedTokens(access, refresh, accessGrant.ExpiresAt) { SessionToken = session, SessionExpiresIn = sessionExpires };
    }
}

/// <summary>
/// What every token grain shares: issue once, revoke idempotently, and never serve state that storage did not
/// take (a failed write deactivates the grain, so the next call reads what storage really holds).
/// </summary>
public abstract class TokenGrain(IPersistentState<TokenState> state) : Grain
{
    protected TokenState Token => state.State;

    /// <summary>A token key is a hash of 128 random bits: a second issue under the same key means a bug, not a collision.</summary>
    protected Task IssueOnceAsync(TokenGrant grant)
    {
        if (state.State.Grant is not null)
        {
            throw new InvalidOperationException("This token has already been issued.");
        }

        state.State.Grant = grant;
        return SaveAsync();
    }

    /// <summary>Marks an issued token revoked (idempotent; unknown tokens stay unknown).</summary>
    protected Task RevokeSelfAsync()
    {
        if (state.State.Grant is null || state.State.Revoked)
        {
            return Task.CompletedTask;
        }

        state.State.Revoked = true;
        return SaveAsync();
    }

    protected async Task SaveAsync()
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
}

public sealed class AccessTokenGrain(
    [PersistentState("access", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time) : TokenGrain(state), IAccessTokenGrain
{
    public Task IssueAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public Task RevokeAsync() => RevokeSelfAsync();

    public async Task<TokenValidation> ValidateAsync(string apiKey)
    {
        var grant = Token.Grant;
        if (grant is null || Token.Revoked || grant.ApiKey != apiKey)
        {
            return new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
        }

        if (grant.ExpiresAt <= time.GetUtcNow())
        {
            return new TokenValidation(null, new Problem(ErrorCode.AccessTokenExpired));
        }

        // Deleting or blocking the account, or a reused refresh token of this family, kills the token at once.
        return await grant.AccountAcceptsAsync(GrainFactory)
            ? new TokenValidation(grant, null)
            : new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
    }

    public async Task<Problem?> InvalidateAsync(string apiKey, bool preventRefresh)
    {
        if ((await ValidateAsync(apiKey)).Problem is { } problem)
        {
            return problem;
        }

        await RevokeSelfAsync();
        if (preventRefresh && Token.Grant!.PairKey is { } refresh)
        {
            // The refresh token never calls back into access tokens, so this cannot wait on itself.
            await GrainFactory.GetGrain<IRefreshTokenGrain>(refresh).RevokeAsync();
        }

        return null;
    }
}

public sealed class RefreshTokenGrain(
    [PersistentState("refresh", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time,
    ILogger<RefreshTokenGrain> logger) : TokenGrain(state), IRefreshTokenGrain
{
    public Task IssueAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public Task RevokeAsync() => RevokeSelfAsync();

    public async Task<LoginOutcome> RefreshAsync(TenantSnapshot tenant)
    {
        var grant = Token.Grant;
        if (grant is null || grant.ApiKey != tenant.ApiKey)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        var now = time.GetUtcNow();
        var user = GrainFactory.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid));
        if (Token.Used)
        {
            // A spent token came back: it was copied. Nothing this login's refreshes produced can be trusted.
            logger.LogWarning("Refresh token reuse for account {Uid} of tenant {ApiKey}; revoking its token family", grant.Uid, grant.ApiKey);
            await user.RevokeTokenFamilyAsync(grant.Family!, now.AddDays(tenant.Settings.Tokens.RefreshTokenDays));
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        if (Token.Revoked || grant.ExpiresAt <= now || !await grant.AccountAcceptsRefreshAsync(GrainFactory))
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        // Spent before the new pair exists: a crash in between costs a login, never a second use.
        Token.Used = true;
        await SaveAsync();
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, grant.Generation, now, withPinSession: false, grant.Family);
        return new LoginOutcome(null, tokens, null);
    }

    public async Task<Problem?> RevokeForAsync(string apiKey)
    {
        if (Token.Grant is not { } grant || grant.ApiKey != apiKey || Token.Revoked || Token.Used || grant.ExpiresAt <= time.GetUtcNow())
        {
            return new Problem(ErrorCode.RefreshTokenInvalid);
        }

        await RevokeSelfAsync();
        return null;
    }
}

/// <summary>A PIN session: valid, unexpired and unrevoked sessions let the user's PIN stand in for the password.</summary>
public sealed class PinSessionGrain(
    [PersistentState("pinsession", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time) : TokenGrain(state), IPinSessionGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public async Task<LoginOutcome> LoginWithPinAsync(TenantSnapshot tenant, Sensitive pin)
    {
        if (!tenant.Settings.Pin.PINLogin)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.PinLoginNotEnabled));
        }

        var grant = Token.Grant;
        if (grant is null || Token.Revoked || grant.ApiKey != tenant.ApiKey)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenInvalid));
        }

        if (grant.ExpiresAt <= time.GetUtcNow())
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenExpired));
        }

        var verdict = await GrainFactory.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).VerifyPinAsync(tenant, pin, grant.Generation);
        if (verdict.Problem is { } problem)
        {
            // The session outlived its account.
            return LoginOutcome.Fail(problem.Code == ErrorCode.UserDoesNotExist ? new Problem(ErrorCode.SessionTokenInvalid) : problem);
        }

        // Stamped with the generation the PIN was verified under: a block that lands meanwhile kills these too.
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, verdict.Profile!.TokenGeneration, time.GetUtcNow(), withPinSession: false);
        return new LoginOutcome(verdict.Profile, tokens, null);
    }

    public Task RevokeAsync() => RevokeSelfAsync();

    public async Task<Problem?> InvalidateAsync(string apiKey)
    {
        if (Token.Grant is not { } grant || Token.Revoked || grant.ApiKey != apiKey)
        {
            return new Problem(ErrorCode.SessionTokenInvalid);
        }

        await RevokeSelfAsync();
        return null;
    }
}
