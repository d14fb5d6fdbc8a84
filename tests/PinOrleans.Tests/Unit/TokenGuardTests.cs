using PinOrleans.Sessions;

namespace PinOrleans.Tests.Unit;

/// <summary>The one token-validity guard: unknown first, then spent, then revoked, then expired.</summary>
public sealed class TokenGuardTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TokenGrant Grant = new("tenant-a", "uid", Now.AddMinutes(-5), Now.AddMinutes(5));

    [Theory]
    [InlineData("tenant-a", true, false, false, 5, TokenStanding.Live)]
    [InlineData("tenant-b", true, false, false, 5, TokenStanding.Unknown)]
    [InlineData("tenant-a", false, false, false, 5, TokenStanding.Unknown)]
    [InlineData("tenant-a", false, true, true, -5, TokenStanding.Unknown)]
    [InlineData("tenant-a", true, false, true, 5, TokenStanding.Unknown)]
    [InlineData("tenant-a", true, false, false, 0, TokenStanding.Expired)]
    [InlineData("tenant-a", true, false, true, -5, TokenStanding.Unknown)]
    // A used token stays spent whatever else happened to it: a rotated refresh token that comes back is reuse.
    [InlineData("tenant-a", true, true, false, 5, TokenStanding.Spent)]
    [InlineData("tenant-a", true, true, true, 5, TokenStanding.Spent)]
    [InlineData("tenant-a", true, true, true, -5, TokenStanding.Spent)]
    public void A_token_stands_unknown_then_spent_then_revoked_then_expired(string apiKey, bool matches, bool spent, bool revoked, int expiresInMinutes, TokenStanding expected) =>
        Assert.Equal(expected, TokenGuard.StandingOf(Grant, apiKey, Now, matches, spent, revoked, Now.AddMinutes(expiresInMinutes)));

    [Fact]
    public void Without_its_own_expiry_a_token_expires_with_its_grant_and_never_issued_is_unknown()
    {
        Assert.Equal(TokenStanding.Live, TokenGuard.StandingOf(Grant, "tenant-a", Grant.ExpiresAt.AddTicks(-1)));
        Assert.Equal(TokenStanding.Expired, TokenGuard.StandingOf(Grant, "tenant-a", Grant.ExpiresAt));
        Assert.Equal(TokenStanding.Unknown, TokenGuard.StandingOf(null, "tenant-a", Now));
    }
}
