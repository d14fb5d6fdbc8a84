using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PinOrleans.Expiry;

/// <summary>Removal of expired records (configuration section <c>Storage</c>).</summary>
public sealed class ExpiryOptions
{
    public const string Section = "Storage";

    /// <summary>How often the sweeper looks for closed hours (a reminder: at least one minute).</summary>
    public double ExpirySweepMinutes { get; set; } = 15;

    /// <summary>
    /// How long an expired record is kept after its end, answering "expired" (906, 1246, 1240...) rather than
    /// "unknown": after that it is removed, and a token presented then answers what an unknown token answers.
    /// </summary>
    public double ExpiredRecordRetentionHours { get; set; } = 24;

    /// <summary>How often each silo's journal files what it was told into the buckets: the most a silo crash can lose.</summary>
    public double ExpiryFlushSeconds { get; set; } = 1;

    public TimeSpan SweepPeriod => TimeSpan.FromMinutes(Math.Max(1, ExpirySweepMinutes));

    public TimeSpan Retention => TimeSpan.FromHours(Math.Max(0, ExpiredRecordRetentionHours));

    public TimeSpan FlushPeriod => TimeSpan.FromSeconds(Math.Clamp(ExpiryFlushSeconds, 0.1, 60));
}

/// <summary>
/// A store that can list the records of given states, for the repair's one full pass (never the login path).
/// Optional: without one, a repair reports itself unsupported.
/// </summary>
public interface IExpiringRecordDirectory
{
    IAsyncEnumerable<GrainId> ListAsync(IReadOnlyCollection<string> stateNames, CancellationToken cancellationToken = default);
}

/// <summary>
/// The silo's expiry journal: a record's grain, after its write succeeded, says "remove me at T" (in memory, no
/// storage call on the caller's path); every <see cref="ExpiryOptions.ExpiryFlushSeconds"/> the journal files what
/// it was told, grouped by hour and shard, into the bucket grains with one write per bucket. A silo that dies loses
/// at most the last interval's entries: those records stay until they are used again (an activation tracks its
/// record again) or an operator's repair (<see cref="IExpirySweeperGrain.RepairAsync"/>).
/// </summary>
public sealed partial class ExpiryJournal(
    IGrainFactory grains,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(ServiceClock.Key)] TimeProvider clock,
    IOptions<ExpiryOptions> options,
    ILogger<ExpiryJournal> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The states of the records that expire (what a repair lists).</summary>
    public static readonly IReadOnlyCollection<string> ExpiringStates = ["tokens", "pinsession", "pinauth", "pinreset", "stepup"];

    private readonly ConcurrentDictionary<GrainId, DateTimeOffset> _pending = new();
    private readonly ConcurrentDictionary<(DateTimeOffset Hour, int Shard), int> _pages = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly ConcurrentDictionary<DateTimeOffset, bool> _announced = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public ExpiryOptions Options => options.Value;

    /// <summary>Entries told and not yet filed.</summary>
    public int Pending => _pending.Count;

    /// <summary>Remembers that <paramref name="grain"/>'s record may be removed from <paramref name="removeAt"/> (the latest word wins).</summary>
    public void Track(GrainId grain, DateTimeOffset removeAt) => _pending[grain] = removeAt;

    /// <summary>Drops every pending entry: what a crash loses (tests and drills).</summary>
    public void Clear() => _pending.Clear();

    /// <summary>Drops a pending entry of a record that is gone already.</summary>
    public void Forget(GrainId grain) => _pending.TryRemove(grain, out _);

    /// <summary>Files every pending entry in its bucket; what storage refused stays pending for the next flush.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            var batch = new List<KeyValuePair<GrainId, DateTimeOffset>>();
            foreach (var entry in _pending)
            {
                if (_pending.TryRemove(entry.Key, out var removeAt))
                {
                    batch.Add(new(entry.Key, removeAt));
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            var now = clock.GetUtcNow();
            var current = ExpiryBuckets.HourOf(now);
            foreach (var group in batch.GroupBy(e => (Hour: Max(ExpiryBuckets.HourOf(e.Value), current), Shard: ExpiryBuckets.ShardOf(e.Key))))
            {
                try
                {
                    await FileAsync(group.Key.Hour, group.Key.Shard, group.Select(e => e.Key).ToList(), current);
                }
                catch (Exception e)
                {
                    foreach (var (grain, removeAt) in group)
                    {
                        _pending.TryAdd(grain, removeAt);
                    }

                    LogFlushFailed(logger, group.Count(), e.GetType().Name);
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task FileAsync(DateTimeOffset hour, int shard, List<GrainId> entries, DateTimeOffset current)
    {
        while (true)
        {
            await AnnounceAsync(hour);
            var page = _pages.GetValueOrDefault((hour, shard));
            switch (await grains.Reference<IExpiryBucketGrain>(ExpiryBuckets.Key(hour, shard, page)).AddAsync(entries))
            {
                case BucketAdmission.Added:
                    return;
                case BucketAdmission.Full:
                    _pages.AddOrUpdate((hour, shard), page + 1, (_, known) => Math.Max(known, page + 1));
                    break;
                default:
                    // Closed while the batch waited: the current hour's bucket takes it (the sweep comes later there).
                    _pages.TryRemove((hour, shard), out _);
                    hour = Max(current, ExpiryBuckets.HourOf(clock.GetUtcNow()));
                    break;
            }
        }
    }

    /// <summary>The sweeper learns of an hour before its first bucket is written, so it visits only hours that have buckets.</summary>
    private async Task AnnounceAsync(DateTimeOffset hour)
    {
        if (_announced.ContainsKey(hour))
        {
            return;
        }

        await grains.GetGrain<IExpirySweeperGrain>(0).AnnounceAsync(hour);
        _announced.TryAdd(hour, true);
        foreach (var past in _announced.Keys.Where(h => ExpiryBuckets.IsClosed(h, clock.GetUtcNow())))
        {
            _announced.TryRemove(past, out _);
            foreach (var key in _pages.Keys.Where(k => k.Hour == past))
            {
                _pages.TryRemove(key, out _);
            }
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ExpiryJournal), ServiceLifecycleStage.Active, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        // Orleans' own clock paces the loop; the service's clock (which tests move) only dates the entries.
        using var timer = new PeriodicTimer(Options.FlushPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    await FlushAsync();
                }
                catch (Exception e)
                {
                    LogFlushFailed(logger, _pending.Count, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A silo leaving the cluster files what it holds first.</summary>
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop;
        try
        {
            await FlushAsync().WaitAsync(cancellationToken);
        }
        catch (Exception e)
        {
            LogFlushFailed(logger, _pending.Count, e.GetType().Name);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry journal: {Count} entries not filed ({Error}); kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, int count, string error);

}
