namespace PinOrleans.Operations;

/// <summary>Answers with the counters of its own silo (stateless workers always run where they are called).</summary>
[StatelessWorker(1)]
public sealed class StorageStatsGrain : Grain, IStorageStatsGrain
{
    public Task<StorageStats> GetAsync() => Task.FromResult(CountingGrainStorage.Snapshot());
}
