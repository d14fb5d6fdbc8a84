namespace PinOrleans.Operations;

/// <summary>Grain-state storage operations a silo has performed since it started, by state name.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.StorageStats")]
public sealed record StorageStats(
    [property: Id(0)] IReadOnlyDictionary<string, long> Reads,
    [property: Id(1)] IReadOnlyDictionary<string, long> Writes,
    [property: Id(2)] IReadOnlyDictionary<string, long> Clears)
{
    public long TotalWrites => Writes.Values.Sum();

    /// <summary>
    /// Writes of the service's records: all but the expiry journal's buckets and sweeper, which are batched off the
    /// request path (a flush a second per silo, whatever the load) and counted apart.
    /// </summary>
    public long RecordWrites => Writes.Where(w => !Expiry.ExpiryBuckets.BookkeepingStates.Contains(w.Key)).Sum(w => w.Value);

    /// <summary>Reads of the service's records (the expiry journal's aside, as for <see cref="RecordWrites"/>).</summary>
    public long RecordReads => Reads.Where(r => !Expiry.ExpiryBuckets.BookkeepingStates.Contains(r.Key)).Sum(r => r.Value);
}

/// <summary>A silo's memory right now: the managed heap after the last garbage collection, and the process working set.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.MemoryStats")]
public sealed record MemoryStats([property: Id(0)] long HeapBytes, [property: Id(1)] long WorkingSetBytes);

/// <summary>Reads counters of the silo this (stateless, local) activation runs on; with one silo, of the whole cluster.</summary>
[Alias("PinOrleans.ISiloStatsGrain")]
public interface ISiloStatsGrain : IGrainWithIntegerKey
{
    /// <summary>Grain-state storage operations of the silo that answers.</summary>
    Task<StorageStats> GetStorageAsync();

    /// <summary>Memory of the silo that answers.</summary>
    Task<MemoryStats> GetMemoryAsync();
}
