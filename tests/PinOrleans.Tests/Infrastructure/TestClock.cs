namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// The suite's one fake clock. Stopped (<c>new TestClock()</c>) for unit tests: it moves only when told, and timers
/// due by then fire on the caller's thread, in order. Following real time (<see cref="FollowingRealTime"/>) for the
/// test clusters and gateways: there it is the service's clock (<see cref="ServiceClock"/>) only, Orleans keeps the
/// system clock for membership, reminders and call timeouts, and <see cref="Advance"/> jumps the service's rules
/// (locks, trials, caches, expiries) forward instead of a test waiting for them.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly TimeProvider? _real;
    private DateTimeOffset _stopped;
    private TimeSpan _ahead;

    public TestClock()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public TestClock(DateTimeOffset start) => _stopped = start;

    private TestClock(TimeProvider real) => _real = real;

    /// <summary>A clock that runs with real time, ahead of it by what tests advanced it.</summary>
    public static TestClock FollowingRealTime() => new(System);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _real is null ? _stopped : _real.GetUtcNow() + _ahead;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (_real is not null)
        {
            // Following real time (moved ahead by the test): a timer (a storage timeout, say) runs in real time.
            return _real.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward to <paramref name="moment"/>, if it is not there yet.</summary>
    public void AdvanceTo(DateTimeOffset moment)
    {
        var by = moment - GetUtcNow();
        if (by > TimeSpan.Zero)
        {
            Advance(by);
        }
    }

    /// <summary>Moves the clock forward and (stopped clocks) fires every timer that came due, in order.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset until;
        lock (_gate)
        {
            if (_real is not null)
            {
                _ahead += by;
                return;
            }

            until = _stopped + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.Due <= until).MinBy(t => t.Due);
                if (next is null)
                {
                    _stopped = until;
                    return;
                }

                _stopped = next.Due!.Value;
                next.Due = next.Period is { } period ? _stopped + period : null;
                if (next.Due is null)
                {
                    _timers.Remove(next);
                }
            }

            next.Fire();
        }
    }

    private sealed class ManualTimer(TestClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }

        public TimeSpan? Period { get; private set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock._stopped + dueTime;
                if (Due is not null)
                {
                    clock._timers.Add(this);
                }
            }

            return true;
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
