using PinOrleans.Accounts;
using PinOrleans.Sessions;

namespace PinOrleans.Tests.Unit;

/// <summary>Which tokens a password or PIN change ends: decided by the epoch they were issued under, not by the clock.</summary>
public sealed class CredentialEpochTests
{
    private static readonly DateTimeOffset Change = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static UserState Changed(string? keptFamily = null, string? keptSession = null) => new()
    {
        CredentialEpoch = 1,
        LastCredentialChange = new CredentialChange { At = Change, KeptFamily = keptFamily, KeptSession = keptSession },
    };

    private static TokenGrant Grant(int epoch, DateTimeOffset issuedAt, string? family = null, string? session = null) =>
        new("key", "uid", issuedAt, issuedAt.AddMinutes(15)) { CredentialEpoch = epoch, Family = family, Session = session };

    [Fact]
    public void Tokens_of_a_login_decided_before_the_change_end_even_when_issued_after_it()
    {
        // A PIN checked before the change, its tokens stamped a moment after it (the race a clock cannot see).
        Assert.True(Changed().EndedByCredentialChange(Grant(0, Change.AddMilliseconds(5))));
    }

    [Fact]
    public void Tokens_issued_under_the_new_epoch_stand()
    {
        Assert.False(Changed().EndedByCredentialChange(Grant(1, Change.AddSeconds(-1))));
    }

    [Fact]
    public void The_changers_own_family_and_pin_session_stand()
    {
        var user = Changed(keptFamily: "mine", keptSession: "my-session");

        Assert.False(user.EndedByCredentialChange(Grant(0, Change.AddDays(-1), family: "mine")));
        Assert.False(user.EndedByCredentialChange(Grant(0, Change.AddDays(-1), session: "my-session")));
        Assert.True(user.EndedByCredentialChange(Grant(0, Change.AddDays(-1), family: "theirs", session: "their-session")));
    }

    [Fact]
    public void Without_a_change_nothing_ends()
    {
        Assert.False(new UserState().EndedByCredentialChange(Grant(0, Change)));
    }
}
