using Microsoft.Extensions.Logging;
using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Sessions;

[GenerateSerializer, Alias("PinOrleans.TokenState")]
public sealed class TokenState
{
    [Id(0)] public TokenGrant? Grant { get; set; }
    [Id(1)] public bool Revoked { get; set; }
    /// <summary>Refresh tokens: spent by a refresh (single use).</summary>
    [Id(2)] public bool Used { get; set; }
    /// <summary>Refresh tokens: the key of the refresh token that replaced this one.</summary>
    [Id(3)] public string? NextKey { get; set; }
}

/// <summary>How a rotated refresh token links to the one it replaces.</summary>
public sealed record RefreshLink(string PreviousKey, string Token);

/// <summary>Issues the tokens of a successful login: each is recorded (by its hash) before any is handed out.</summary>
public static class TokenIssuer
{
    public static async Task<IssuedTokens> IssueAsync(
        IGrainFactory grains, TenantSnapshot tenant, string uid, DateTimeOffset now, bool withPinSession, RefreshLink? rotation = null)
    {
        var lifetimes = tenant.Settings.Tokens;
        var access = SecretToken.New();
        var refresh = rotation?.Token ?? SecretToken.New();
        var accessKey = SecretToken.KeyOf(access)!;
        var refreshKey = SecretToken.KeyOf(refresh)!;
        var accessGrant = new TokenGrant(tenant.ApiKey, uid, now, now.AddMinutes(lifetimes.AccessTokenMinutes)) { PairKey = refreshKey };
        var refreshGrant = new TokenGrant(tenant.ApiKey, uid, now, now.AddDays(lifetimes.RefreshTokenDays)) { PairKey = accessKey, PreviousKey = rotation?.PreviousKey };

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
                .StartAsync(new TokenGrant(tenant.ApiKey, uid, now, sessionExpires.Value)));
        }

        await Task.WhenAll(writes);
        return new IssuedTokens(access, refresh, accessGrant.ExpiresAt) { SessionToken = session, SessionExpiresIn = sessionExpires };
    }
}

public sealed class AccessTokenGrain(
    [PersistentState("access", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time) : Grain, IAccessTokenGrain
{
    public Task IssueAsync(TokenGrant grant) => TokenRecord.IssueOnceAsync(state, grant);

    public async Task<TokenValidation> ValidateAsync(string apiKey)
    {
        var grant = state.State.Grant;
        if (grant is null || state.State.Revoked || grant.ApiKey != apiKey)
        {
            return new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
        }

        if (grant.ExpiresAt <= time.GetUtcNow())
        {
            return new TokenValidation(null, new Problem(ErrorCode.AccessTokenExpired));
        }

        // Deleting or blocking the account kills its tokens at once, wherever they live.
        return await grant.AccountAcceptsAsync(GrainFactory)
            ? new TokenValidation(grant, null)
            : new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
    }

    public Task RevokeAsync() => TokenRecord.RevokeAsync(state);

    public async Task<Problem?> InvalidateAsync(string apiKey, bool preventRefresh)
    {
        if ((await ValidateAsync(apiKey)).Problem is { } problem)
        {
            return problem;
        }

        await RevokeAsync();
        if (preventRefresh && state.State.Grant!.PairKey is { } refresh)
        {
            await GrainFactory.GetGrain<IRefreshTokenGrain>(refresh).RevokeAsync();
        }

        return null;
    }
}

public sealed class RefreshTokenGrain(
    [PersistentState("refresh", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time,
    ILogger<RefreshTokenGrain> logger) : Grain, IRefreshTokenGrain
{
    public Task IssueAsync(TokenGrant grant) => TokenRecord.IssueOnceAsync(state, grant);

    public Task RevokeAsync() => TokenRecord.RevokeAsync(state);

    public async Task<LoginOutcome> RefreshAsync(TenantSnapshot tenant)
    {
        var grant = state.State.Grant;
        if (grant is null || grant.ApiKey != tenant.ApiKey)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        if (state.State.Used)
        {
            // A spent token came back: it was copied. Nothing this login's refreshes produced can be trusted.
            logger.LogWarning("Refresh token reuse for account {Uid} of tenant {ApiKey}; revoking its token family", grant.Uid, grant.ApiKey);
            await RevokeLineageAsync(backward: true, forward: true);
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        var now = time.GetUtcNow();
        if (state.State.Revoked || grant.ExpiresAt <= now)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        if (!await grant.AccountAcceptsAsync(GrainFactory))
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        var user = await GrainFactory.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).GetProfileAsync();

        // Spent before the new pair exists: a crash in between costs a login, never a second use.
        var next = SecretToken.New();
        state.State.Used = true;
        state.State.NextKey = SecretToken.KeyOf(next);
        await state.WriteStateAsync();
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, now, withPinSession: false, new RefreshLink(this.GetPrimaryKeyString(), next));
        return new LoginOutcome(user.Profile, tokens, null);
    }

    public async Task<Problem?> RevokeForAsync(string apiKey)
    {
        if (state.State.Grant is not { } grant || grant.ApiKey != apiKey || state.State.Revoked || state.State.Used || grant.ExpiresAt <= time.GetUtcNow())
        {
            return new Problem(ErrorCode.RefreshTokenInvalid);
        }

        await RevokeAsync();
        return null;
    }

    public async Task RevokeLineageAsync(bool backward, bool forward)
    {
        if (state.State.Grant is not { } grant)
        {
            return;
        }

        await RevokeAsync();
        if (grant.PairKey is { } access)
        {
            await GrainFactory.GetGrain<IAccessTokenGrain>(access).RevokeAsync();
        }

        if (backward && grant.PreviousKey is { } previous)
        {
            await GrainFactory.GetGrain<IRefreshTokenGrain>(previous).RevokeLineageAsync(backward: true, forward: false);
        }

        if (forward && state.State.NextKey is { } nextKey)
        {
            await GrainFactory.GetGrain<IRefreshTokenGrain>(nextKey).RevokeLineageAsync(backward: false, forward: true);
        }
    }
}

internal static class TokenRecord
{
    /// <summary>A token key is a hash of 128 random bits: a second issue under the same key means a bug, not a collision.</summary>
    public static async Task IssueOnceAsync(IPersistentState<TokenState> state, TokenGrant grant)
    {
        if (state.State.Grant is not null)
        {
            throw new InvalidOperationException("This token has already been issued.");
        }

        state.State.Grant = grant;
        await state.WriteStateAsync();
    }

    /// <summary>Marks an issued token revoked (idempotent; unknown tokens stay unknown).</summary>
    public static async Task RevokeAsync(IPersistentState<TokenState> state)
    {
        if (state.State.Grant is null || state.State.Revoked)
        {
            return;
        }

        state.State.Revoked = true;
        await state.WriteStateAsync();
    }
}

/// <summary>A PIN session: valid, unexpired and unrevoked sessions let the user's PIN stand in for the password.</summary>
public sealed class PinSessionGrain(
    [PersistentState("pinsession", StorageNames.Store)] IPersistentState<TokenState> state,
    TimeProvider time) : Grain, IPinSessionGrain
{
    public Task StartAsync(TokenGrant grant) => TokenRecord.IssueOnceAsync(state, grant);

    public async Task<LoginOutcome> LoginWithPinAsync(TenantSnapshot tenant, Secret pin)
    {
        if (!tenant.Settings.Pin.PINLogin)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.PinLoginNotEnabled));
        }

        var grant = state.State.Grant;
        if (grant is null || state.State.Revoked || grant.ApiKey != tenant.ApiKey)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenInvalid));
        }

        var now = time.GetUtcNow();
        if (grant.ExpiresAt <= now)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenExpired));
        }

        var verdict = await GrainFactory.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).VerifyPinAsync(tenant, pin, grant.IssuedAt);
        if (verdict.Problem is { } problem)
        {
            // The session outlived its account.
            return LoginOutcome.Fail(problem.Code == ErrorCode.UserDoesNotExist ? new Problem(ErrorCode.SessionTokenInvalid) : problem);
        }

        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, time.GetUtcNow(), withPinSession: false);
        return new LoginOutcome(verdict.Profile, tokens, null);
    }

    public Task RevokeAsync() => TokenRecord.RevokeAsync(state);

    public async Task<Problem?> InvalidateAsync(string apiKey)
    {
        if (state.State.Grant is not { } grant || state.State.Revoked || grant.ApiKey != apiKey)
        {
            return new Problem(ErrorCode.SessionTokenInvalid);
        }

        await RevokeAsync();
        return null;
    }
}
