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
/// figure and for operators), as .NET metrics (meter <c>PinOrleans</c>) and as per-silo totals. With a
/// <see cref="StorageCircuit"/>, every operation is bounded by its timeout and refused at once while the circuit is open.
/// </summary>
public sealed class CountingGrainStorage(IGrainStorage inner, PinOrleansMetrics metrics, StorageCircuit? circuit = null) : IGrainStorage
{
    private static readonly Counts ProcessCounts = new();
    private readonly Counts _counts = new();
    private readonly StorageCircuit? _circuit = Guarding(circuit);

    /// <summary>Every store of this process (one silo per process in production).</summary>
    public static StorageStats Snapshot() => ProcessCounts.Snapshot();

    /// <summary>This store only.</summary>
    public StorageStats Stats => _counts.Snapshot();

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("read", stateName, grainState, state => inner.ReadStateAsync(stateName, grainId, state));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("write", stateName, grainState, state => inner.WriteStateAsync(stateName, grainId, state));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        RunAsync("clear", stateName, grainState, state => inner.ClearStateAsync(stateName, grainId, state));

    /// <summary>
    /// One operation, counted when it succeeds. A failure of storage itself becomes
    /// <see cref="StorageUnavailableException"/> (the original inside), so callers tell "storage did not take it, try
    /// again" whatever the provider threw. Not wrapped: conflicting writes (decided again on fresh state) and state
    /// that does not serialize (a bug, which retrying would not cure).
    /// </summary>
    private async Task RunAsync<T>(string kind, string stateName, IGrainState<T> grainState, Func<IGrainState<T>, Task> operation)
    {
        if (_circuit is null)
        {
            await Wrapped(kind, stateName, () => operation(grainState));
            Count(kind, stateName);
            return;
        }

        if (!_circuit.TryEnter())
        {
            metrics.StorageRefusals.Add(1, new KeyValuePair<string, object?>("kind", kind));
            throw new StorageUnavailableException($"Storage {kind} of '{stateName}' state refused: storage is failing (circuit open)");
        }

        // The provider works on a copy: one abandoned at the timeout may still finish later, and must not change the
        // activation's ETag or state behind its back (its next write then conflicts and decides again).
        var copy = new GrainState<T>(grainState.State, grainState.ETag) { RecordExists = grainState.RecordExists };
        Task running;
        try
        {
            running = operation(copy);
        }
        catch (Exception e)
        {
            // Thrown before the provider's task existed: reported like any other outcome, so a probe never hangs the circuit.
            running = Task.FromException(e);
        }

        try
        {
            await Wrapped(kind, stateName, async () =>
            {
                try
                {
                    await running.WaitAsync(_circuit.Options.OperationTimeout, _circuit.Time);
                }
                catch (TimeoutException e)
                {
                    _ = running.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                    throw new StorageUnavailableException($"Storage {kind} of '{stateName}' state did not answer within {_circuit.Options.OperationTimeoutSeconds} s", e);
                }
            });
        }
        catch (Exception e) when (e is StorageUnavailableException or OperationCanceledException)
        {
            _circuit.Failed();
            throw;
        }
        catch
        {
            // Storage answered (a conflict, or state it could not read back).
            _circuit.Succeeded();
            throw;
        }

        _circuit.Succeeded();
        grainState.State = copy.State;
        grainState.ETag = copy.ETag;
        grainState.RecordExists = copy.RecordExists;
        Count(kind, stateName);
    }

    private static StorageCircuit? Guarding(StorageCircuit? circuit)
    {
        circuit?.Guard();
        return circuit;
    }

    private static async Task Wrapped(string kind, string stateName, Func<Task> operation)
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
