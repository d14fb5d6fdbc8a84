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
}

/// <summary>What a token is bound to.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TokenGrant")]
public sealed record TokenGrant(
    [property: Id(0)] string ApiKey,
    [property: Id(1)] string Uid,
    [property: Id(2)] DateTimeOffset IssuedAt,
    [property: Id(3)] DateTimeOffset ExpiresAt)
{
    /// <summary>For access and refresh tokens: the grain key of the other half of the pair.</summary>
    [Id(4)] public string? PairKey { get; init; }

    /// <summary>The account's token generation at issue; blocking the account moves it on, killing older tokens.</summary>
    [Id(5)] public int Generation { get; init; }

    /// <summary>Access and refresh tokens: the login they descend from (kept across refreshes, revoked together on reuse).</summary>
    [Id(6)] public string? Family { get; init; }

    /// <summary>Whether the account still accepts this token (exists, not blocked since, family not revoked).</summary>
    public Task<bool> AccountAcceptsAsync(IGrainFactory grains) =>
        grains.GetGrain<IUserGrain>(AccountKeys.User(ApiKey, Uid)).AcceptsTokenAsync(Generation, Family);

    /// <summary>As <see cref="AccountAcceptsAsync"/>, for a refresh token.</summary>
    public Task<bool> AccountAcceptsRefreshAsync(IGrainFactory grains) =>
        grains.GetGrain<IUserGrain>(AccountKeys.User(ApiKey, Uid)).AcceptsRefreshTokenAsync(Generation, Family, IssuedAt);
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
    Task<LoginOutcome> LoginWithPinAsync(TenantSnapshot tenant, Sensitive pin);

    /// <summary>Ends the session everywhere.</summary>
    Task RevokeAsync();

    /// <summary>Ends the session if it belongs to <paramref name="apiKey"/>; 1245 when there is no such live session.</summary>
    Task<Problem?> InvalidateAsync(string apiKey);
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

/// <summary>An access token, keyed by its SHA-256.</summary>
[Alias("PinOrleans.IAccessTokenGrain")]
public interface IAccessTokenGrain : IGrainWithStringKey
{
    /// <summary>Records the token (called once, by the login that issues it).</summary>
    Task IssueAsync(TokenGrant grant);

    /// <summary>The grant when the token is live for <paramref name="apiKey"/>; else 905 (invalid, revoked, other tenant) or 906 (expired).</summary>
    [AlwaysInterleave]
    Task<TokenValidation> ValidateAsync(string apiKey);

    /// <summary>Ends the token (logout); with <paramref name="preventRefresh"/> its refresh token too.</summary>
    Task<Problem?> InvalidateAsync(string apiKey, bool preventRefresh);

    /// <summary>Ends the token, whoever asks (token family revocation).</summary>
    Task RevokeAsync();
}

/// <summary>A refresh token, keyed by its SHA-256.</summary>
[Alias("PinOrleans.IRefreshTokenGrain")]
public interface IRefreshTokenGrain : IGrainWithStringKey
{
    /// <summary>Records the token (called once, by the login that issues it).</summary>
    Task IssueAsync(TokenGrant grant);

    /// <summary>Ends the token; it can no longer refresh.</summary>
    Task RevokeAsync();

    /// <summary>
    /// Rotation: a new access and refresh token, and this one is spent. Presenting a spent token again is reuse:
    /// the whole family (every token this login's refreshes produced) is revoked and the answer is 1217.
    /// </summary>
    Task<LoginOutcome> RefreshAsync(TenantSnapshot tenant);

    /// <summary>Revokes this token of <paramref name="apiKey"/>; 1217 when there is no such live token.</summary>
    Task<Problem?> RevokeForAsync(string apiKey);

}
