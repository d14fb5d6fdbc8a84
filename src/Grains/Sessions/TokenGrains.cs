using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PinOrleans.Accounts;
using PinOrleans.Expiry;
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

/// <summary>
/// A PIN session its account recorded (<see cref="Accounts.UserState.PinSessions"/>) in the write that decided the
/// login, before the session exists: its token and its end.
/// </summary>
public sealed record TrackedSessionToken(string Token, DateTimeOffset ExpiresAt)
{
    /// <summary>Never the token itself.</summary>
    public override string ToString() => $"TrackedSessionToken {{ ExpiresAt = {ExpiresAt:o} }}";
}

/// <summary>Issues the tokens of a successful login: each is recorded (by its hash) before any is handed out.</summary>
public static class TokenIssuer
{
    /// <summary>
    /// Access + refresh token (one record; and a PIN session when asked), stamped with the account's token
    /// <paramref name="stamp"/> (its token generation and credential epoch) and a token <paramref name="family"/> (new for a login, kept by a refresh).
    /// A PIN login passes the session (grain key) it came from as <c>fromSession</c>; a refresh passes the family it
    /// keeps and <c>familyStartedAt</c>, when that family's login happened. A PIN session the account recorded already
    /// comes as <paramref name="trackedSession"/> (else a new, untracked one is made).
    /// </summary>
    public static async Task<IssuedTokens> IssueAsync(
        IGrainFactory grains, TenantSnapshot tenant, string uid, TokenStamp stamp, DateTimeOffset now, bool withPinSession,
        string? family = null, string? fromSession = null, DateTimeOffset? familyStartedAt = null, TrackedSessionToken? trackedSession = null)
    {
        var lifetimes = tenant.Settings.Tokens;
        var (access, refresh) = SecretToken.NewPair();
        family ??= Guid.NewGuid().ToString("N");
        var familyStart = familyStartedAt ?? now;
        string? session = null;
        if (withPinSession)
        {
            session = trackedSession?.Token ?? SecretToken.New();
            fromSession = SecretToken.KeyOf(session)!;
        }

        var grant = new TokenGrant(tenant.ApiKey, uid, now, now.AddMinutes(lifetimes.AccessTokenMinutes))
        {
            Generation = stamp.Generation, CredentialEpoch = stamp.CredentialEpoch, Family = family, Session = fromSession, FamilyStartedAt = familyStart,
        };
        // Rotation never takes a family past its absolute lifetime.
        var refreshExpires = Min(now.AddDays(lifetimes.RefreshTokenDays), familyStart.AddDays(lifetimes.MaxRefreshFamilyDays));
        var pair = grains.Reference<ILoginTokensGrain>(SecretToken.PairKeyOf(access)!)
            .IssueAsync(new LoginTokens(grant, LoginTokens.HashOf(access), LoginTokens.HashOf(refresh), refreshExpires));

        DateTimeOffset? sessionExpires = null;
        Task started = Task.CompletedTask;
        if (session is not null)
        {
            // A tracked session ends exactly when its account's record of it says.
            sessionExpires = trackedSession?.ExpiresAt ?? now.AddMinutes(lifetimes.PinSessionTokenMinutes);
            started = grains.Reference<IPinSessionGrain>(fromSession!).StartAsync(new TokenGrant(tenant.ApiKey, uid, now, sessionExpires.Value)
            {
                Generation = stamp.Generation, CredentialEpoch = stamp.CredentialEpoch, Session = fromSession, TrackedByAccount = trackedSession is not null,
            });
        }

        await Task.WhenAll(pair, started);
        return new IssuedTokens(access, refresh, grant.ExpiresAt) { SessionToken = session, SessionExpiresIn = sessionExpires };
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>
/// What every token grain shares: issue once, revoke idempotently, and never serve state that storage did not
/// take (a failed write deactivates the grain, so the next call reads what storage really holds). Its record is
/// <paramref name="stateName"/> in the grain-state store, held as a <see cref="GrainRecord{T}"/>: tokens and PIN
/// sessions are the most numerous activations.
/// </summary>
public abstract class TokenGrain(IGrainStorage storage, string stateName) : Grain, IExpiringGrain
{
    private readonly GrainRecord<TokenState> _state = new(storage, stateName);

    protected TokenState Token => _state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _state.ReadAsync(GrainContext, cancellationToken);
        _state.State.Grant = Shared(_state.State.Grant);
        // A record whose journal entry a crashed silo lost is journaled again whenever it is used.
        this.TrackExpiry(_state.State.Grant?.ExpiresAt);
    }

    /// <summary>Removed once its end (plus the retention) has passed: a used or revoked token answers as an expired one until then.</summary>
    public Task<bool> ExpireAsync() => _state.ExpireAsync(this, _state.State.Grant?.ExpiresAt);

    /// <summary>
    /// Where this token stands for <paramref name="apiKey"/> at <paramref name="now"/> (<see cref="TokenGuard"/>):
    /// live, expired or unknown; a <paramref name="singleUse"/> token once used is unknown, as its codes say.
    /// </summary>
    protected TokenStanding StandingFor(string apiKey, DateTimeOffset now, bool singleUse = false) =>
        TokenGuard.StandingOf(_state.State.Grant, apiKey, now, spent: singleUse && _state.State.Used, revoked: _state.State.Revoked) switch
        {
            TokenStanding.Spent => TokenStanding.Unknown,
            var standing => standing,
        };

    /// <summary>A token key is a hash of 128 random bits: a second issue under the same key means a bug, not a collision.</summary>
    protected Task IssueOnceAsync(TokenGrant grant)
    {
        if (_state.State.Grant is not null)
        {
            throw new InvalidOperationException("This token has already been issued.");
        }

        _state.State.Grant = Shared(grant);
        return SaveAsync();
    }

    /// <summary>The grant naming its tenant by the one string all of them share (a token activation holds a copy of its grant).</summary>
    private static TokenGrant? Shared(TokenGrant? grant) =>
        grant is null || ReferenceEquals(grant.ApiKey, string.IsInterned(grant.ApiKey)) ? grant : grant with { ApiKey = string.Intern(grant.ApiKey) };

    /// <summary>Marks an issued token revoked (idempotent; unknown tokens stay unknown).</summary>
    protected Task RevokeSelfAsync()
    {
        if (_state.State.Grant is null || _state.State.Revoked)
        {
            return Task.CompletedTask;
        }

        _state.State.Revoked = true;
        return SaveAsync();
    }

    /// <summary>Revokes the token, and when it was not issued yet records it revoked under <paramref name="grant"/>, so a later issue fails.</summary>
    protected Task RevokeEvenUnissuedAsync(TokenGrant grant)
    {
        if (_state.State.Grant is not null)
        {
            return RevokeSelfAsync();
        }

        _state.State.Grant = Shared(grant);
        _state.State.Revoked = true;
        return SaveAsync();
    }

    protected async Task SaveAsync()
    {
        await _state.WriteOrDeactivateAsync(GrainContext);
        this.TrackExpiry(_state.State.Grant?.ExpiresAt);
    }
}

/// <summary>What a login's token pair persists: hashes only.</summary>
[GenerateSerializer, Alias("PinOrleans.LoginTokensState")]
public sealed class LoginTokensState
{
    /// <summary>Account, tenant, generation and family; <c>ExpiresAt</c> is the access token's.</summary>
    [Id(0)] public TokenGrant? Grant { get; set; }
    [Id(1)] public string AccessHash { get; set; } = "";
    [Id(2)] public string RefreshHash { get; set; } = "";
    [Id(3)] public DateTimeOffset RefreshExpiresAt { get; set; }
    [Id(4)] public bool AccessRevoked { get; set; }
    [Id(5)] public bool RefreshRevoked { get; set; }
    /// <summary>The refresh token was rotated: presenting it again is reuse.</summary>
    [Id(6)] public bool RefreshUsed { get; set; }
    /// <summary>
    /// Rotated or slid: kept until the family's absolute end, so that this spent refresh token presented while any
    /// pair it led to may live is still seen as reuse.
    /// </summary>
    [Id(7)] public DateTimeOffset? KeepUntil { get; set; }

    /// <summary>When the record stops mattering (beyond answering "expired"): the latest of its tokens' ends.</summary>
    public DateTimeOffset? End => Grant is null ? null : Max(Max(Grant.ExpiresAt, RefreshExpiresAt), KeepUntil ?? default);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>
/// A login's access and refresh token in one record: issued with one write, validated in memory (plus the
/// account's consent, so blocking or deleting it kills the pair at once), rotated once, revoked on reuse.
/// The record is read when a call first needs it, not when the grain activates: the login that issues a pair mints
/// its key, so a new pair's activation (one per login) writes its record without reading storage first, and the
/// write is an insert, refused if a record exists after all. Held as a <see cref="GrainRecord{T}"/>.
/// </summary>
public sealed class LoginTokensGrain(
    [FromKeyedServices(StorageNames.Store)] IGrainStorage storage,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    ILogger<LoginTokensGrain> logger) : Grain, ILoginTokensGrain, IExpiringGrain
{
    private readonly GrainRecord<LoginTokensState> _state = new(storage, "tokens");

    /// <summary>The record's read (or its absence assumed by the issue): once per activation, shared by interleaved calls.</summary>
    private Task? _loaded;

    private LoginTokensState Pair => _state.State;

    public async Task<bool> ExpireAsync()
    {
        await LoadedAsync();
        return await _state.ExpireAsync(this, Pair.End);
    }

    public async Task IssueAsync(LoginTokens tokens)
    {
        if (_loaded is null)
        {
            _state.AssumeAbsent(GrainContext);
            _loaded = Task.CompletedTask;
        }
        else
        {
            await _loaded;
        }

        if (Pair.Grant is not null)
        {
            // 64 random lookup bits per pair: a second issue under one key means a bug, not a collision worth serving.
            throw new InvalidOperationException("This token pair has already been issued.");
        }

        _state.State = new LoginTokensState
        {
            Grant = tokens.Grant,
            AccessHash = tokens.AccessHash,
            RefreshHash = tokens.RefreshHash,
            RefreshExpiresAt = tokens.RefreshExpiresAt,
        };
        await SaveAsync();
    }

    public async Task<TokenValidation> ValidateAccessAsync(string apiKey, Sensitive accessToken)
    {
        if (_loaded is not { IsCompletedSuccessfully: true })
        {
            await LoadedAsync();
        }

        switch (TokenGuard.StandingOf(Pair.Grant, apiKey, time.GetUtcNow(), Matches(Pair.AccessHash, accessToken), revoked: Pair.AccessRevoked))
        {
            case TokenStanding.Unknown:
                return new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
            case TokenStanding.Expired:
                return new TokenValidation(null, new Problem(ErrorCode.AccessTokenExpired));
        }

        var grant = Pair.Grant!;
        // Deleting or blocking the account, or a reused refresh token of this family, kills the token at once.
        return await grant.AccountAcceptsAsync(GrainFactory)
            ? new TokenValidation(grant, null)
            : new TokenValidation(null, new Problem(ErrorCode.AccessTokenInvalid));
    }

    public async Task<Problem?> InvalidateAccessAsync(string apiKey, Sensitive accessToken, bool preventRefresh)
    {
        if ((await ValidateAccessAsync(apiKey, accessToken)).Problem is { } problem)
        {
            return problem;
        }

        Pair.AccessRevoked = true;
        Pair.RefreshRevoked |= preventRefresh;
        await SaveAsync();
        return null;
    }

    public async Task<LoginOutcome> RefreshAsync(TenantSnapshot tenant, Sensitive refreshToken)
    {
        await LoadedAsync();
        var now = time.GetUtcNow();
        var standing = RefreshStanding(tenant.ApiKey, refreshToken, now);
        var grant = Pair.Grant!;
        if (standing == TokenStanding.Spent)
        {
            // A spent token came back: it was copied. Nothing this login's refreshes produced can be trusted.
            logger.LogWarning("Refresh token reuse for account {Uid} of tenant {ApiKey}; revoking its token family", grant.Uid, grant.ApiKey);
            await GrainFactory.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid))
                .RevokeTokenFamilyAsync(grant.Family!, now.AddDays(tenant.Settings.Tokens.RefreshTokenDays));
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        if (standing != TokenStanding.Live || !await grant.AccountAcceptsRefreshAsync(GrainFactory))
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.RefreshTokenInvalid));
        }

        // Spent before the new pair exists: a crash in between costs a login, never a second use.
        Pair.RefreshUsed = true;
        Pair.KeepUntil = FamilyEnd(tenant, grant);
        await SaveAsync();
        var tokens = await TokenIssuer.IssueAsync(
            GrainFactory, tenant, grant.Uid, grant.Stamp, now, withPinSession: false, grant.Family, grant.Session, grant.FamilyStartedAt ?? grant.IssuedAt);
        return new LoginOutcome(null, tokens, null);
    }

    public async Task<Problem?> RevokeRefreshAsync(string apiKey, Sensitive refreshToken)
    {
        await LoadedAsync();
        if (RefreshStanding(apiKey, refreshToken, time.GetUtcNow()) != TokenStanding.Live)
        {
            return new Problem(ErrorCode.RefreshTokenInvalid);
        }

        Pair.RefreshRevoked = true;
        await SaveAsync();
        return null;
    }

    public async Task<LoginOutcome> SlideAsync(TenantSnapshot tenant, Sensitive accessToken)
    {
        if ((await ValidateAccessAsync(tenant.ApiKey, accessToken)).Problem is { } problem)
        {
            return LoginOutcome.Fail(problem);
        }

        var now = time.GetUtcNow();
        var grant = Pair.Grant!;
        var familyStart = grant.FamilyStartedAt ?? grant.IssuedAt;
        if (familyStart.AddDays(tenant.Settings.Tokens.MaxRefreshFamilyDays) <= now)
        {
            // Sliding never keeps a login alive past what refreshing would.
            return LoginOutcome.Fail(new Problem(ErrorCode.AccessTokenInvalid));
        }

        // Ended before the new pair exists: a crash in between costs a login, never two live pairs.
        Pair.AccessRevoked = true;
        Pair.RefreshUsed = true;
        Pair.KeepUntil = FamilyEnd(tenant, grant);
        await SaveAsync();
        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, grant.Stamp, now, withPinSession: false, grant.Family, grant.Session, familyStart);
        return new LoginOutcome(null, tokens, null);
    }

    /// <summary>Where the presented refresh token stands: its own expiry, spent once rotated.</summary>
    private TokenStanding RefreshStanding(string apiKey, Sensitive refreshToken, DateTimeOffset now) => TokenGuard.StandingOf(
        Pair.Grant, apiKey, now, Matches(Pair.RefreshHash, refreshToken), spent: Pair.RefreshUsed, revoked: Pair.RefreshRevoked, expiresAt: Pair.RefreshExpiresAt);

    private static bool Matches(string storedHash, Sensitive presented) =>
        storedHash.Length > 0 && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(storedHash), System.Text.Encoding.ASCII.GetBytes(LoginTokens.HashOf(presented.Value)));

    /// <summary>No pair of this login's family lives past this (its refreshes never extend the family).</summary>
    private static DateTimeOffset FamilyEnd(TenantSnapshot tenant, TokenGrant grant) =>
        (grant.FamilyStartedAt ?? grant.IssuedAt).AddDays(tenant.Settings.Tokens.MaxRefreshFamilyDays);

    /// <summary>The record as storage holds it, read once; a failed read is tried again by the next call.</summary>
    private Task LoadedAsync() => _loaded ??= LoadAsync();

    private async Task LoadAsync()
    {
        try
        {
            await _state.ReadAsync(GrainContext);
        }
        catch
        {
            _loaded = null;
            throw;
        }

        // A record whose journal entry a crashed silo lost is journaled again whenever it is used.
        this.TrackExpiry(Pair.End);
    }

    private async Task SaveAsync()
    {
        await _state.WriteOrDeactivateAsync(GrainContext);
        this.TrackExpiry(Pair.End);
    }
}

/// <summary>A PIN session: valid, unexpired and unrevoked sessions let the user's PIN stand in for the password.</summary>
public sealed class PinSessionGrain(
    [FromKeyedServices(StorageNames.Store)] IGrainStorage storage,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time) : TokenGrain(storage, "pinsession"), IPinSessionGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public async Task<LoginOutcome> LoginWithPinAsync(TenantSnapshot tenant, Sensitive pin, LockProof? proof = null, CancellationToken cancellationToken = default)
    {
        if (!tenant.Settings.Pin.PINLogin)
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.PinLoginNotEnabled));
        }

        switch (StandingFor(tenant.ApiKey, time.GetUtcNow()))
        {
            case TokenStanding.Unknown:
                return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenInvalid));
            case TokenStanding.Expired:
                return LoginOutcome.Fail(new Problem(ErrorCode.SessionTokenExpired));
        }

        var grant = Token.Grant!;
        var verdict = await GrainFactory.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).VerifyPinAsync(tenant, pin, grant, proof, cancellationToken);
        if (verdict.Problem is { } problem)
        {
            // The session outlived its account.
            return LoginOutcome.Fail(problem.Code == ErrorCode.UserDoesNotExist ? new Problem(ErrorCode.SessionTokenInvalid) : problem);
        }

        // Stamped with the generation and credential epoch the PIN was verified under: a block or a credential
        // change that lands meanwhile kills these too.
        var tokens = await TokenIssuer.IssueAsync(
            GrainFactory, tenant, grant.Uid, verdict.Profile!.Stamp, time.GetUtcNow(), withPinSession: false, fromSession: this.GetPrimaryKeyString());
        return new LoginOutcome(verdict.Profile, tokens, null);
    }

    public Task RevokeAsync() => RevokeSelfAsync();

    public Task EndTrackedAsync(TokenGrant grant) => RevokeEvenUnissuedAsync(grant);

    public async Task<Problem?> InvalidateAsync(string apiKey)
    {
        // An expired session may still be ended.
        if (StandingFor(apiKey, time.GetUtcNow()) == TokenStanding.Unknown)
        {
            return new Problem(ErrorCode.SessionTokenInvalid);
        }

        await RevokeSelfAsync();
        return null;
    }

    public async Task<TokenValidation> ValidateAsync(string apiKey)
    {
        switch (StandingFor(apiKey, time.GetUtcNow()))
        {
            case TokenStanding.Unknown:
                return new TokenValidation(null, new Problem(ErrorCode.SessionTokenInvalid));
            case TokenStanding.Expired:
                return new TokenValidation(null, new Problem(ErrorCode.SessionTokenExpired));
        }

        var grant = Token.Grant!;
        if (grant.TrackedByAccount)
        {
            // Its account revokes it before writing any change that ends it: live here is accepted there.
            return new TokenValidation(grant, null);
        }

        return await grant.AccountAcceptsAsync(GrainFactory)
            ? new TokenValidation(grant, null)
            : new TokenValidation(null, new Problem(ErrorCode.SessionTokenInvalid));
    }
}
