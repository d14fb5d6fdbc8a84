using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PinOrleans.Expiry;

[GenerateSerializer, Alias("PinOrleans.ExpiryBucketState")]
public sealed class ExpiryBucketState
{
    /// <summary>Grain ids (<see cref="GrainId.ToString"/>) of the records filed here.</summary>
    [Id(0)] public List<string> Grains { get; set; } = [];
}

/// <summary>One page of one hour and shard of the expiry journal (<see cref="IExpiryBucketGrain"/>).</summary>
public sealed partial class ExpiryBucketGrain(
    [PersistentState("expiry", StorageNames.Store)] IPersistentState<ExpiryBucketState> state,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    ILogger<ExpiryBucketGrain> logger) : Grain, IExpiryBucketGrain
{
    /// <summary>Expire calls in flight at once while sweeping.</summary>
    private const int Parallelism = 16;

    private HashSet<string>? _filed;

    public async Task<BucketAdmission> AddAsync(IReadOnlyList<GrainId> grains)
    {
        if (ExpiryBuckets.IsClosed(ExpiryBuckets.HourOfKey(this.GetPrimaryKeyString()), time.GetUtcNow()))
        {
            return BucketAdmission.Closed;
        }

        _filed ??= [.. state.State.Grains];
        var added = grains.Select(g => g.ToString()).Where(_filed.Add).ToList();
        if (added.Count == 0)
        {
            return BucketAdmission.Added;
        }

        if (state.State.Grains.Count >= ExpiryBuckets.PageSize)
        {
            _filed = null;
            return BucketAdmission.Full;
        }

        state.State.Grains.AddRange(added);
        try
        {
            await state.WriteOrDeactivateAsync(GrainContext);
        }
        catch
        {
            _filed = null;
            throw;
        }

        return BucketAdmission.Added;
    }

    public async Task<BucketSweep> SweepAsync()
    {
        var entries = state.State.Grains;
        if (entries.Count == 0 && !state.RecordExists)
        {
            DeactivateOnIdle();
            return new BucketSweep(0, 0, false);
        }

        var removed = 0;
        var retry = false;
        var grains = GrainFactory; // the loop's bodies run off the activation's scheduler
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (entry, _) =>
        {
            try
            {
                if (await grains.GetGrain<IExpiringGrain>(GrainId.Parse(entry)).ExpireAsync())
                {
                    Interlocked.Increment(ref removed);
                }
            }
            catch (Exception e) when (e is StorageUnavailableException or TimeoutException or SiloUnavailableException)
            {
                retry = true;
            }
            catch (Exception e)
            {
                // Not a record that expires (a bug, or a type since removed): dropped rather than blocking the page.
                // The type only: a token's grain key is its hash, which no log line carries.
                LogDropped(logger, entry.Split('/')[0], e.GetType().Name);
            }
        });

        if (retry)
        {
            // Storage or a silo is away: the page stays, and the next sweep asks again (asking twice is harmless).
            throw new StorageUnavailableException($"Expiry bucket {this.GetPrimaryKeyString()}: some records could not be asked to expire.");
        }

        var sweep = new BucketSweep(entries.Count, removed, entries.Count >= ExpiryBuckets.PageSize);
        await state.ClearOrDeactivateAsync(GrainContext);
        state.State = new ExpiryBucketState();
        _filed = null;
        DeactivateOnIdle();
        return sweep;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Expiry bucket entry of grain type {GrainType} dropped: {Error}")]
    private static partial void LogDropped(ILogger logger, string grainType, string error);
}

[GenerateSerializer, Alias("PinOrleans.ExpirySweeperState")]
public sealed class ExpirySweeperState
{
    /// <summary>Hours (UTC) that have buckets not swept yet: at most one per hour of the longest record life.</summary>
    [Id(0)] public SortedSet<DateTimeOffset> Hours { get; set; } = [];
}

/// <summary>The cluster's one sweeper (<see cref="IExpirySweeperGrain"/>); one reminder, whatever the number of records.</summary>
public sealed partial class ExpirySweeperGrain(
    [PersistentState("expirysweep", StorageNames.Store)] IPersistentState<ExpirySweeperState> state,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    IOptions<ExpiryOptions> options,
    ILogger<ExpirySweeperGrain> logger) : Grain, IExpirySweeperGrain, IRemindable
{
    private const string ReminderName = "sweep";
    private bool _reminderKnown;
    private IGrainTimer? _repair;

    public async Task AnnounceAsync(DateTimeOffset hour)
    {
        if (state.State.Hours.Add(ExpiryBuckets.HourOf(hour)))
        {
            await state.WriteOrDeactivateAsync(GrainContext);
        }

        if (_reminderKnown)
        {
            return;
        }

        try
        {
            if (await this.GetReminder(ReminderName) is null)
            {
                await this.RegisterOrUpdateReminder(ReminderName, options.Value.SweepPeriod, options.Value.SweepPeriod);
            }
        }
        catch (Exception e) when (e is not StorageUnavailableException)
        {
            // A host without a reminder service (some test clusters): sweeps run only when asked.
            LogNoReminder(logger, e.GetType().Name);
        }

        _reminderKnown = true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status) => await SweepAsync();

    public async Task<ExpiryReport> SweepAsync()
    {
        var now = time.GetUtcNow();
        int visited = 0, removed = 0, hours = 0;
        foreach (var hour in state.State.Hours.Where(h => ExpiryBuckets.IsClosed(h, now)).ToList())
        {
            for (var shard = 0; shard < ExpiryBuckets.Shards; shard++)
            {
                for (var page = 0; ; page++)
                {
                    var sweep = await GrainFactory.Reference<IExpiryBucketGrain>(ExpiryBuckets.Key(hour, shard, page)).SweepAsync();
                    visited += sweep.Entries;
                    removed += sweep.Removed;
                    if (!sweep.WasFull)
                    {
                        break;
                    }
                }
            }

            // Progress is kept per hour: a sweep cut short resumes with the hour it was in.
            state.State.Hours.Remove(hour);
            hours++;
            if (state.State.Hours.Count > 0)
            {
                await state.WriteOrDeactivateAsync(GrainContext);
            }
            else
            {
                // Nothing left to sweep: not even this grain's row stays.
                await state.ClearOrDeactivateAsync(GrainContext);
                state.State = new ExpirySweeperState();
            }
        }

        if (hours > 0)
        {
            LogSwept(logger, hours, visited, removed);
        }

        return new ExpiryReport(visited, removed) { Hours = hours };
    }

    public Task<bool> StartRepairAsync()
    {
        if (ServiceProvider.GetService<IExpiringRecordDirectory>() is null)
        {
            return Task.FromResult(false);
        }

        // On a timer of its own: a pass over a large table outlasts any call's timeout.
        _repair?.Dispose();
        _repair = this.RegisterGrainTimer(async _ =>
        {
            _repair?.Dispose();
            _repair = null;
            await RepairAsync();
        }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        return Task.FromResult(true);
    }

    public async Task<ExpiryReport> RepairAsync()
    {
        if (ServiceProvider.GetService<IExpiringRecordDirectory>() is not { } directory)
        {
            return new ExpiryReport(0, 0) { Unsupported = true };
        }

        int visited = 0, removed = 0;
        var grains = GrainFactory; // the loop's bodies run off the activation's scheduler
        await Parallel.ForEachAsync(directory.ListAsync(ExpiryJournal.ExpiringStates), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (grain, _) =>
        {
            Interlocked.Increment(ref visited);
            if (await grains.GetGrain<IExpiringGrain>(grain).ExpireAsync())
            {
                Interlocked.Increment(ref removed);
            }
        });
        LogRepaired(logger, visited, removed);
        return new ExpiryReport(visited, removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Expiry sweep: {Hours} hours, {Visited} records visited, {Removed} removed")]
    private static partial void LogSwept(ILogger logger, int hours, int visited, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry repair: {Visited} records visited, {Removed} removed, the rest journaled again")]
    private static partial void LogRepaired(ILogger logger, int visited, int removed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expiry sweeper: no reminder service ({Error}); sweeps run only when asked")]
    private static partial void LogNoReminder(ILogger logger, string error);
}
