namespace PinOrleans.Operations;

/// <summary>Grain-state storage operations a silo has performed since it started, by state name.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.StorageStats")]
public sealed record StorageStats(
    [property: Id(0)] IReadOnlyDictionary<string, long> Reads,
    [property: Id(1)] IReadOnlyDictionary<string, long> Writes,
    [property: Id(2)] IReadOnlyDictionary<string, long> Clears)
{
    public long TotalWrites => Writes.Values.Sum();
}

/// <summary>Reads the storage counters of the silo this (stateless, local) activation runs on.</summary>
[Alias("PinOrleans.IStorageStatsGrain")]
public interface IStorageStatsGrain : IGrainWithIntegerKey
{
    /// <summary>The counters of the silo that answers (with one silo: the whole cluster).</summary>
    Task<StorageStats> GetAsync();
}
