namespace PinOrleans.Operations;

/// <summary>Answers with the counters of its own silo (stateless workers always run where they are called).</summary>
[StatelessWorker(1)]
public sealed class SiloStatsGrain : Grain, ISiloStatsGrain
{
    public Task<StorageStats> GetStorageAsync() => Task.FromResult(CountingGrainStorage.Snapshot());

    public Task<MemoryStats> GetMemoryAsync() =>
        Task.FromResult(new MemoryStats(GC.GetGCMemoryInfo().HeapSizeBytes, Environment.WorkingSet));
}
