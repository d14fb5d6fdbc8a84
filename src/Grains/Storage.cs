using System.Collections.Concurrent;
using PinOrleans.Operations;

namespace PinOrleans;

/// <summary>Names of the storage providers the grains persist to.</summary>
public static class StorageNames
{
    /// <summary>The grain-state store (Azure Table storage in every real deployment).</summary>
    public const string Store = "store";
}

/// <summary>
/// Wraps the grain-state store and counts its operations by state name (for the benchmark's writes-per-login
/// figure and for operators), as .NET metrics (meter <c>PinOrleans</c>) and as per-silo totals.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner, PinOrleansMetrics metrics) : IGrainStorage
{
    private static readonly Counts ProcessCounts = new();
    private readonly Counts _counts = new();

    /// <summary>Every store of this process (one silo per process in production).</summary>
    public static StorageStats Snapshot() => ProcessCounts.Snapshot();

    /// <summary>This store only.</summary>
    public StorageStats Stats => _counts.Snapshot();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("read", stateName, () => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("write", stateName, () => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("clear", stateName, () => inner.ClearStateAsync(stateName, grainId, grainState));

    /// <summary>
    /// One operation, counted when it succeeds. A failure of storage itself becomes
    /// <see cref="StorageUnavailableException"/> (the original inside), so callers tell "storage did not take it, try
    /// again" whatever the provider threw. Not wrapped: conflicting writes (decided again on fresh state) and state
    /// that does not serialize (a bug, which retrying would not cure).
    /// </summary>
    private async Task RunAsync(string kind, string stateName, Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception e) when (e is not (InconsistentStateException or StorageUnavailableException or OperationCanceledException
            or System.Text.Json.JsonException or NotSupportedException))
        {
            throw new StorageUnavailableException($"Storage {kind} of '{stateName}' state failed ({e.GetType().Name})", e);
        }

        Count(kind, stateName);
    }

    private void Count(string kind, string stateName)
    {
        ProcessCounts.Add(kind, stateName);
        _counts.Add(kind, stateName);
        metrics.StorageOperations.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("state", stateName));
    }

    private sealed class Counts
    {
        private readonly ConcurrentDictionary<(string Kind, string State), long> _counts = new();

        public void Add(string kind, string stateName) => _counts.AddOrUpdate((kind, stateName), 1, (_, n) => n + 1);

        public StorageStats Snapshot() => new(Of("read"), Of("write"), Of("clear"));

        private Dictionary<string, long> Of(string kind) =>
            _counts.Where(c => c.Key.Kind == kind).ToDictionary(c => c.Key.State, c => c.Value);
    }
}
