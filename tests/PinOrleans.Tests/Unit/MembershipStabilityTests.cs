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

    private sealed class StreamedMembership : IClusterMembershipService
    {
        private readonly System.Threading.Channels.Channel<ClusterMembershipSnapshot> _updates =
            System.Threading.Channels.Channel.CreateUnbounded<ClusterMembershipSnapshot>();

        private long _version = 1;

        public ClusterMembershipSnapshot CurrentSnapshot => Snapshot(Interlocked.Read(ref _version));

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => Updates();

        /// <summary>As Orleans' stream: the current snapshot first, then each one published.</summary>
        private async IAsyncEnumerable<ClusterMembershipSnapshot> Updates([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
        {
            yield return CurrentSnapshot;
            await foreach (var snapshot in _updates.Reader.ReadAllAsync(cancellation))
            {
                yield return snapshot;
            }
        }

        public void Publish(long version)
        {
            Interlocked.Exchange(ref _version, version);
            _updates.Writer.TryWrite(Snapshot(version));
        }

        private static ClusterMembershipSnapshot Snapshot(long version) =>
            new(ImmutableDictionary<SiloAddress, ClusterMember>.Empty, new MembershipVersion(version));

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public Task<bool> TryKill(SiloAddress siloAddress) => Task.FromResult(false);
    }

    [Fact]
    public async Task The_watch_notices_a_change_when_it_is_published_before_any_login_asks_and_stops_with_the_silo()
    {
        var clock = new TestClock(DateTimeOffset.Parse("2026-12-04T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var membership = new StreamedMembership();
        var stability = new MembershipStability(membership, clock);
        var minute = TimeSpan.FromMinutes(1);
        await stability.StartWatching(CancellationToken.None);
        await Eventually.UntilAsync(() => stability.NoticedVersion == new MembershipVersion(1));

        clock.Advance(TimeSpan.FromMinutes(5));
        membership.Publish(2); // a silo joined: noticed by the watch now, though no login asks for 30 s
        await Eventually.UntilAsync(() => stability.NoticedVersion == new MembershipVersion(2));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False(stability.StableFor(minute));
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(stability.StableFor(minute)); // a minute from the change, not from the first question

        await stability.StopWatchingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
