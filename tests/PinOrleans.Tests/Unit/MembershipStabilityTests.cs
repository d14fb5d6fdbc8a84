using System.Collections.Immutable;
using PinOrleans.Accounts;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>Login statistics wait for a write only while the cluster's membership has stood still long enough.</summary>
public sealed class MembershipStabilityTests
{
    private sealed class FakeMembership : IClusterMembershipService
    {
        public long Version { get; set; } = 1;

        public ClusterMembershipSnapshot CurrentSnapshot =>
            new(ImmutableDictionary<SiloAddress, ClusterMember>.Empty, new MembershipVersion(Version));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public Task<bool> TryKill(SiloAddress siloAddress) => Task.FromResult(false);
    }

    [Fact]
    public void A_membership_counts_as_stable_only_a_period_after_it_was_first_seen_and_after_every_change()
    {
        var clock = new TestClock(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var membership = new FakeMembership();
        var stability = new MembershipStability(membership, clock);
        var minute = TimeSpan.FromMinutes(1);

        Assert.False(stability.StableFor(minute)); // first seen now
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(stability.StableFor(minute));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(stability.StableFor(minute));

        membership.Version = 2; // a silo joined, left or died
        Assert.False(stability.StableFor(minute));
        clock.Advance(minute);
        Assert.True(stability.StableFor(minute));
        Assert.True(stability.StableFor(TimeSpan.Zero));
    }

    [Fact]
    public void A_change_counts_from_when_it_is_noticed_and_an_older_view_starts_the_period_again()
    {
        var clock = new TestClock(DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var membership = new FakeMembership { Version = 3 };
        var stability = new MembershipStability(membership, clock);
        var minute = TimeSpan.FromMinutes(1);

        // The watch sees the silo's start (version 3) long before any login asks.
        stability.Notice(new MembershipVersion(3));
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(stability.StableFor(minute));

        // An update the watch delivers restarts the period even before the current snapshot shows it.
        clock.Advance(TimeSpan.FromSeconds(1));
        stability.Notice(new MembershipVersion(4));
        membership.Version = 4;
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(stability.StableFor(minute));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(stability.StableFor(minute));

        // A view older than the one seen is a different view all the same.
        stability.Notice(new MembershipVersion(3));
        Assert.False(stability.StableFor(minute));
    }
}
