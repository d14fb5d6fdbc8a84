using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using PinOrleans.Operations;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>The silo's storage circuit and timeout, on a stopped clock: nothing here waits on real time.</summary>
public sealed class StorageCircuitTests
{
    private static readonly StorageCircuitOptions Options = new() { OperationTimeoutSeconds = 1.5, CircuitFailures = 3, CircuitOpenSeconds = 1 };
    private static readonly GrainId Grain = GrainId.Create("user", "tenant/uid");
    private readonly TestClock _clock = new();

    private static PinOrleansMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    [Fact]
    public void Failures_in_a_row_open_it_and_one_probe_at_a_time_goes_through_once_the_open_period_is_over()
    {
        var circuit = new StorageCircuit(Options, _clock);
        circuit.Failed();
        circuit.Failed();
        Assert.True(circuit.TryEnter());
        circuit.Failed();

        Assert.Equal(StorageCircuitState.Open, circuit.State);
        Assert.True(circuit.Refuses);
        Assert.False(circuit.TryEnter());

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(circuit.Refuses);
        Assert.True(circuit.TryEnter());
        Assert.Equal(StorageCircuitState.HalfOpen, circuit.State);
        Assert.False(circuit.TryEnter());

        // The probe failed: open again for a whole period.
        circuit.Failed();
        Assert.Equal(StorageCircuitState.Open, circuit.State);
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(circuit.TryEnter());
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(circuit.TryEnter());

        circuit.Succeeded();
        Assert.Equal(StorageCircuitState.Closed, circuit.State);
        Assert.True(circuit.TryEnter());
        Assert.False(circuit.Refuses);
    }

    [Fact]
    public void A_success_between_failures_starts_the_count_again()
    {
        var circuit = new StorageCircuit(Options, _clock);
        circuit.Failed();
        circuit.Failed();
        circuit.Succeeded();
        circuit.Failed();
        circuit.Failed();

        Assert.Equal(StorageCircuitState.Closed, circuit.State);
    }

    [Fact]
    public async Task An_operation_that_outlives_its_timeout_fails_as_unavailable_and_its_late_end_changes_nothing()
    {
        var inner = new HangingStorage();
        var storage = new CountingGrainStorage(inner, Metrics(), new StorageCircuit(Options, _clock));
        var state = new GrainState<string>("changed", "etag-1") { RecordExists = true };

        var write = storage.WriteStateAsync("user", Grain, state);
        Assert.False(write.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1.5));

        await Assert.ThrowsAsync<StorageUnavailableException>(() => write);
        inner.Finish("etag-2");
        Assert.Equal("etag-1", state.ETag);
        Assert.Equal(0, storage.Stats.Writes.GetValueOrDefault("user"));
    }

    [Fact]
    public async Task Once_open_it_refuses_at_once_without_calling_storage_and_closes_on_the_first_probe_that_succeeds()
    {
        var inner = new FailingStorage();
        var circuit = new StorageCircuit(Options, _clock);
        var storage = new CountingGrainStorage(inner, Metrics(), circuit);
        var state = new GrainState<string>("s", "etag-1");
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.WriteStateAsync("user", Grain, state));
        }

        await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.ReadStateAsync("user", Grain, state));
        Assert.Equal(3, inner.Calls);

        inner.Healed = true;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await storage.WriteStateAsync("user", Grain, state);
        Assert.Equal(StorageCircuitState.Closed, circuit.State);
        Assert.Equal("etag-ok", state.ETag);
        Assert.Equal(1, storage.Stats.Writes["user"]);
    }

    /// <summary>Never answers until <see cref="Finish"/>, then writes a new ETag into the state it was given.</summary>
    private sealed class HangingStorage : IGrainStorage
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Action<string>? _setEtag;

        public void Finish(string etag)
        {
            _setEtag?.Invoke(etag);
            _done.SetResult();
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _done.Task;

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _setEtag = etag => grainState.ETag = etag;
            return _done.Task;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => _done.Task;
    }

    /// <summary>Refuses connections until healed, as a stopped storage server does.</summary>
    private sealed class FailingStorage : IGrainStorage
    {
        public bool Healed { get; set; }

        public int Calls { get; private set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Run(grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Run(grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Run(grainState);

        private Task Run<T>(IGrainState<T> grainState)
        {
            Calls++;
            if (!Healed)
            {
                return Task.FromException(new HttpRequestException("Connection refused"));
            }

            grainState.ETag = "etag-ok";
            return Task.CompletedTask;
        }
    }
}
