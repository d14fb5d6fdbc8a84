using System.Security.Cryptography;
using System.Text;
using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Sessions;

/// <summary>Bearer secrets: 128 CSPRNG bits in GUID form, known to storage only by their SHA-256.</summary>
public static class SecretToken
{
    public static string New() => new Guid(RandomNumberGenerator.GetBytes(16)).ToString("D");

    /// <summary>The grain key of a token: SHA-256 (hex) of its canonical GUID form, or null when it is not a GUID.</summary>
    public static string? KeyOf(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || !Guid.TryParse(token.Trim(), out var guid))
        {
            return null;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(guid.ToString("D"))));
    }

    /// <summary>
    /// A login's access and refresh token: GUIDs that share their first 64 bits (the lookup part, so one record
    /// holds both and a login costs one token write) and differ in their last 64 CSPRNG bits (the secret part).
    /// </summary>
    public static (string Access, string Refresh) NewPair()
    {
        var lookup = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return (Guid.ParseExact(lookup + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), "N").ToString("D"),
                Guid.ParseExact(lookup + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), "N").ToString("D"));
    }

    /// <summary>The grain key of an access or refresh token's pair: SHA-256 (hex) of its lookup part; null when it is not a GUID.</summary>
    public static string? PairKeyOf(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || !Guid.TryParse(token.Trim(), out var guid))
        {
            return null;
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(guid.ToString("N")[..16])));
    }
}

/// <summary>What an account stamps on the tokens it issues: its token generation and its credential epoch.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenStamp")]
public readonly record struct TokenStamp([property: Id(0)] int Generation, [property: Id(1)] int CredentialEpoch);

/// <summary>What a token is bound to.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenGrant")]
public sealed record TokenGrant(
    [property: Id(0)] string ApiKey,
    [property: Id(1)] string Uid,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt)
{
    /// <summary>The account's token generation at issue; blocking the account moves it on, killing older tokens.</summary>
    [Id(5)] public int Generation { get; init; }

    /// <summary>Access and refresh tokens: the login they descend from (kept across refreshes, revoked together on reuse).</summary>
    [Id(6)] public string? Family { get; init; }

    /// <summary>The PIN session (its grain key) this grant belongs to: a session's own key, or the session a login's tokens came with or from.</summary>
    [Id(7)] public string? Session { get; init; }

    /// <summary>Access and refresh tokens: when the family's login happened (rotation never extends a family past its absolute lifetime).</summary>
    [Id(8)] public DateTimeOffset? FamilyStartedAt { get; init; }

    /// <summary>The account's credential epoch at issue: a password or PIN change moves it on, ending older tokens (but the changer's).</summary>
    [Id(9)] public int CredentialEpoch { get; init; }

    /// <summary>
    /// A PIN session its account keeps track of (recorded in the write that decided its login): the account revokes it
    /// before writing any change that ends it, so while it is live it answers a validation without asking the account.
    /// </summary>
    [Id(10)] public bool TrackedByAccount { get; init; }

    public TokenStamp Stamp => new(Generation, CredentialEpoch);

    /// <summary>Whether the account still accepts this token (exists, not blocked since, family not revoked, not ended by a credential change).</summary>
    public Task<bool> AccountAcceptsAsync(IGrainFactory grains) =>
        grains.Reference<IUserGrain>(AccountKeys.User(ApiKey, Uid)).AcceptsTokenAsync(this);

    /// <summary>As <see cref="AccountAcceptsAsync"/>, for a refresh token.</summary>
    public Task<bool> AccountAcceptsRefreshAsync(IGrainFactory grains) =>
        grains.Reference<IUserGrain>(AccountKeys.User(ApiKey, Uid)).AcceptsRefreshTokenAsync(this);
}

/// <summary>Tokens handed out by a login, in clear: they exist in clear only in this one response.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.IssuedTokens")]
public sealed record IssuedTokens(
    [property: Id(0)] string AccessToken,
    [property: Id(1)] string RefreshToken,
    [property: Id(2)] DateTimeOffset ExpiresIn)
{
    [Id(3)] public string? SessionToken { get; init; }
    [Id(4)] public DateTimeOffset? SessionExpiresIn { get; init; }

    /// <summary>Never the tokens themselves.</summary>
    public override string ToString() => $"IssuedTokens {{ ExpiresIn = {ExpiresIn:o}, SessionExpiresIn = {SessionExpiresIn:o} }}";
}

/// <summary>The answer to a login: the profile and its tokens, or the refusal.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.LoginOutcome")]
public sealed record LoginOutcome(
    [property: Id(0)] UserProfile? Profile,
    [property: Id(1)] IssuedTokens? Tokens,
    [property: Id(2)] Problem? Problem)
{
    /// <summary>When the tenant asks for a PIN the account lacks: the one-time token that lets the user set it.</summary>
    [Id(3)] public Sensitive? PinAuthToken { get; init; }

    public static LoginOutcome Fail(Problem problem) => new(null, null, problem);
}

/// <summary>A PIN session, keyed by the SHA-256 of its session token.</summary>
[Alias("PinOrleans.IPinSessionGrain")]
public interface IPinSessionGrain : IGrainWithStringKey
{
    /// <summary>Records a new session (called once, by the login that issues the token).</summary>
    Task StartAsync(TokenGrant grant);

    /// <summary>Second-level login: session valid? then the user's PIN check; on success issues access and refresh tokens.</summary>
    Task<LoginOutcome> LoginWithPinAsync(TenantSnapshot tenant, Sensitive pin, LockProof? proof = null, CancellationToken cancellationToken = default);

    /// <summary>Ends the session everywhere.</summary>
    Task RevokeAsync();

    /// <summary>
    /// Ends a session its account tracks (<paramref name="grant"/> as the account recorded it): revoked when issued, and
    /// when not issued yet (its login's start still in flight) recorded revoked, so that a late start fails.
    /// Interleaves: the account calls it while holding its own turn, and a PIN login holds this grain's turn while it
    /// waits on the account (which checks again, once it runs, that it still accepts the session).
    /// </summary>
    [AlwaysInterleave]
    Task EndTrackedAsync(TokenGrant grant);

    /// <summary>Ends the session if it belongs to <paramref name="apiKey"/>; 1245 when there is no such live session.</summary>
    Task<Problem?> InvalidateAsync(string apiKey);

    /// <summary>Whether the session is live for <paramref name="apiKey"/> and its account still accepts it (1245, 1246); changes nothing.</summary>
    [AlwaysInterleave]
    Task<TokenValidation> ValidateAsync(string apiKey);
}

/// <summary>What a live token is bound to, or why it is not live.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenValidation")]
public sealed record TokenValidation([property: Id(0)] TokenGrant? Grant, [property: Id(1)] Problem? Problem);

/// <summary>A PINAuthToken, keyed by its SHA-256: one chance, shortly after a password login, to set the missing PIN.</summary>
[Alias("PinOrleans.IPinAuthTokenGrain")]
public interface IPinAuthTokenGrain : IGrainWithStringKey
{
    /// <summary>Records the token (called once, by the login that issues it).</summary>
    Task StartAsync(TokenGrant grant);

    /// <summary>Sets the PIN (single use: 1239 when unknown or used, 1240 when expired) and logs in with a new PIN session.</summary>
    Task<LoginOutcome> SetPinAsync(TenantSnapshot tenant, Sensitive pin);
}

/// <summary>The answer to a step-up: the token in clear (only in this response) and its expiry, or the refusal.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.StepUpOutcome")]
public sealed record StepUpOutcome([property: Id(0)] Sensitive? Token, [property: Id(1)] DateTimeOffset ExpiresAt, [property: Id(2)] Problem? Problem);

/// <summary>A step-up SecondFactorValidationToken, keyed by its SHA-256.</summary>
[Alias("PinOrleans.IStepUpTokenGrain")]
public interface IStepUpTokenGrain : IGrainWithStringKey
{
    /// <summary>Records the token (called once, by the step-up that issues it).</summary>
    Task StartAsync(TokenGrant grant);

    /// <summary>True once: for a live, unused token of this tenant and Uid, which it then spends.</summary>
    Task<bool> ConsumeAsync(string apiKey, string uid);
}

/// <summary>
/// The access and refresh token of one login (or refresh), in one record keyed by the pair's lookup part
/// (<see cref="SecretToken.PairKeyOf"/>); each call presents the token, whose hash must match.
/// </summary>
[Alias("PinOrleans.ILoginTokensGrain")]
public interface ILoginTokensGrain : IGrainWithStringKey
{
    /// <summary>Records the pair (called once, by the login that issues it): one storage write for both tokens.</summary>
    Task IssueAsync(LoginTokens tokens);

    /// <summary>The grant when <paramref name="accessToken"/> is this pair's live access token for <paramref name="apiKey"/>; else 905 (unknown, revoked, other tenant) or 906 (expired).</summary>
    [AlwaysInterleave]
    Task<TokenValidation> ValidateAccessAsync(string apiKey, Sensitive accessToken);

    /// <summary>Ends the access token (logout); with <paramref name="preventRefresh"/> the refresh token too.</summary>
    Task<Problem?> InvalidateAccessAsync(string apiKey, Sensitive accessToken, bool preventRefresh);

    /// <summary>
    /// Rotation: a new access and refresh token, and this refresh token is spent. Presenting a spent refresh token
    /// again is reuse: the whole family (every token this login's refreshes produced) is revoked and the answer is 1217.
    /// </summary>
    Task<LoginOutcome> RefreshAsync(TenantSnapshot tenant, Sensitive refreshToken);

    /// <summary>Revokes the refresh token of <paramref name="apiKey"/>; 1217 when it is not this pair's live refresh token.</summary>
    Task<Problem?> RevokeRefreshAsync(string apiKey, Sensitive refreshToken);

    /// <summary>
    /// The sliding access token: a live access token of this pair (905/906 otherwise) is traded for a new access and
    /// refresh token of the same login (its family, so revoking the family revokes them too; never past the family's
    /// absolute lifetime: 905). This pair's access token ends and its refresh token is spent.
    /// </summary>
    Task<LoginOutcome> SlideAsync(TenantSnapshot tenant, Sensitive accessToken);
}

/// <summary>A pair to record: what it is bound to (expiry = the access token's) and the hashes of both tokens.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.LoginTokens")]
public sealed record LoginTokens(
    [property: Id(0)] TokenGrant Grant,
    [property: Id(1)] string AccessHash,
    [property: Id(2)] string RefreshHash,
    [property: Id(3)] DateTimeOffset RefreshExpiresAt)
{
    /// <summary>The SHA-256 (hex) a token of a pair is recorded as.</summary>
    public static string HashOf(string token) => SecretToken.KeyOf(token) ?? "";
}
