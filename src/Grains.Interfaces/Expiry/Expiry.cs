namespace PinOrleans.Expiry;

/// <summary>A grain whose record ends (a token, a session, a one-time link): the expiry sweep asks it to go.</summary>
[Alias("PinOrleans.IExpiringGrain")]
public interface IExpiringGrain : IGrainWithStringKey
{
    /// <summary>
    /// Removes the record from storage (and deactivates) when its end plus the retention has passed; otherwise
    /// tracks it again for that moment. True when nothing is left in storage.
    /// </summary>
    Task<bool> ExpireAsync();
}

/// <summary>How an expiry bucket took a batch.</summary>
public enum BucketAdmission
{
    /// <summary>Filed.</summary>
    Added,

    /// <summary>This page is full: file the batch in the next page of the same hour and shard.</summary>
    Full,

    /// <summary>The hour is closed (the sweep may already have passed it): file the batch in the current hour.</summary>
    Closed,
}

/// <summary>What sweeping one bucket page did.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.BucketSweep")]
public sealed record BucketSweep([property: Id(0)] int Entries, [property: Id(1)] int Removed, [property: Id(2)] bool WasFull);

/// <summary>
/// One page of the expiry journal: the records (grain ids) whose removal falls in one hour, for one shard
/// (<see cref="ExpiryBuckets"/>). Written in batches by the silos' journals, swept and deleted once the hour is past.
/// </summary>
[Alias("PinOrleans.IExpiryBucketGrain")]
public interface IExpiryBucketGrain : IGrainWithStringKey
{
    /// <summary>Files <paramref name="grains"/> (idempotent), unless the page is full or its hour closed.</summary>
    Task<BucketAdmission> AddAsync(IReadOnlyList<GrainId> grains);

    /// <summary>Asks every filed record to expire (those not yet due track themselves again), then deletes this page.</summary>
    Task<BucketSweep> SweepAsync();
}

/// <summary>What a sweep or a repair did.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.ExpiryReport")]
public sealed record ExpiryReport([property: Id(0)] int Visited, [property: Id(1)] int Removed)
{
    /// <summary>Hours whose buckets a sweep visited.</summary>
    [Id(2)] public int Hours { get; init; }

    /// <summary>A repair on a store that cannot list its records: nothing was done.</summary>
    [Id(3)] public bool Unsupported { get; init; }
}

/// <summary>
/// The cluster's one expiry sweeper (key 0): it knows the hours that have buckets, and a reminder every
/// <c>Storage:ExpirySweepMinutes</c> sweeps every bucket of each of them that has closed.
/// </summary>
[Alias("PinOrleans.IExpirySweeperGrain")]
public interface IExpirySweeperGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Notes that <paramref name="hour"/> has (or is about to have) buckets, and starts the reminder if it is not
    /// running; a journal calls it before it first files into an hour.
    /// </summary>
    Task AnnounceAsync(DateTimeOffset hour);

    /// <summary>Sweeps every noted hour that has closed.</summary>
    Task<ExpiryReport> SweepAsync();

    /// <summary>
    /// The operators' repair: one pass over every expiring record in storage (a full listing, off the login path):
    /// the due ones are removed, the others tracked again (what a crashed silo's journal lost is journaled again).
    /// </summary>
    Task<ExpiryReport> RepairAsync();

    /// <summary>Starts <see cref="RepairAsync"/> on a timer of this grain (its report goes to the silo's log); false when the store cannot list its records.</summary>
    Task<bool> StartRepairAsync();
}

/// <summary>Where the journal files a record: keys computed from an hour, a shard and a page, never found by a scan.</summary>
public static class ExpiryBuckets
{
    /// <summary>The states of the journal itself (its buckets and its sweeper), not of any record.</summary>
    public static readonly IReadOnlySet<string> BookkeepingStates = new HashSet<string>(["expiry", "expirysweep"]);

    /// <summary>Shards per hour: spreads one hour's filing over several grains (fixed: the sweeper computes every key).</summary>
    public const int Shards = 8;

    /// <summary>Records per bucket page (about 100 KB of grain ids): a full page sends new entries to the next.</summary>
    public const int PageSize = 1_000;

    /// <summary>How long after an hour ends its buckets still take entries; the sweep visits it only after that.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    public static DateTimeOffset HourOf(DateTimeOffset moment)
    {
        var utc = moment.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Whether <paramref name="hour"/>'s buckets are closed at <paramref name="now"/> (and may be swept).</summary>
    public static bool IsClosed(DateTimeOffset hour, DateTimeOffset now) => hour.AddHours(1) + Grace <= now;

    public static string Key(DateTimeOffset hour, int shard, int page) =>
        FormattableString.Invariant($"{hour.UtcDateTime:yyyyMMddHH}-{shard}-{page}");

    /// <summary>The hour a key names.</summary>
    public static DateTimeOffset HourOfKey(string key) =>
        new(DateTime.ParseExact(key[..10], "yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);

    /// <summary>A stable shard for a grain (the same on every silo, so one record always lands in one bucket of an hour).</summary>
    public static int ShardOf(GrainId grain)
    {
        var hash = 2166136261u;
        foreach (var c in grain.ToString())
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Shards);
    }
}
