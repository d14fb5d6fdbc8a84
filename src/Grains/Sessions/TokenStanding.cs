namespace PinOrleans.Sessions;

/// <summary>Where a presented token stands before its account is asked.</summary>
public enum TokenStanding
{
    Live,
    /// <summary>Never issued, of another tenant, not the secret that was presented, or revoked.</summary>
    Unknown,
    /// <summary>A single-use token that was used already (a refresh token: reuse, which says it was copied).</summary>
    Spent,
    Expired,
}

/// <summary>
/// The one validity guard of every token (PIN session, PINAuthToken, step-up, reset link and OTP, access and
/// refresh token): unknown first, then spent, then revoked, then expired.
/// </summary>
public static class TokenGuard
{
    /// <summary>
    /// Where a token bound to <paramref name="grant"/> stands for <paramref name="apiKey"/> at <paramref name="now"/>.
    /// <paramref name="matches"/>: the presented secret is the recorded one (a grain keyed by the secret's hash always
    /// matches); <paramref name="expiresAt"/>: the token's own expiry when it is not the grant's (a refresh token's).
    /// Spent comes before revoked: a used refresh token presented again is reuse even after its pair was revoked.
    /// </summary>
    public static TokenStanding StandingOf(
        TokenGrant? grant, string apiKey, DateTimeOffset now, bool matches = true, bool spent = false, bool revoked = false, DateTimeOffset? expiresAt = null) =>
        grant is null || grant.ApiKey != apiKey || !matches ? TokenStanding.Unknown
        : StandingOf(now, expiresAt ?? grant.ExpiresAt, spent, revoked);

    /// <summary>Where a token known to be the right one stands: spent, revoked (unknown), expired or live.</summary>
    public static TokenStanding StandingOf(DateTimeOffset now, DateTimeOffset expiresAt, bool spent = false, bool revoked = false) =>
        spent ? TokenStanding.Spent
        : revoked ? TokenStanding.Unknown
        : expiresAt <= now ? TokenStanding.Expired
        : TokenStanding.Live;
}
