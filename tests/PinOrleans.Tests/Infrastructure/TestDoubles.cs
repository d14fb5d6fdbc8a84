using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using PinOrleans.Security;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>The real Argon2id hasher, counting how often it runs (to prove refusals never reach it).</summary>
public sealed class CountingHasher(ISecretHasher inner) : ISecretHasher
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public string Hash(string secret)
    {
        Interlocked.Increment(ref _count);
        return inner.Hash(secret);
    }

    public HashCheck Verify(string secret, string storedHash)
    {
        Interlocked.Increment(ref _count);
        return inner.Verify(secret, storedHash);
    }

    public void VerifyNothing(string secret)
    {
        Interlocked.Increment(ref _count);
        inner.VerifyNothing(secret);
    }
}

/// <summary>
/// Storage faults to inject, shared by every silo's store: a grain may activate on a silo whose store is created
/// only then, after the fault was asked for.
/// </summary>
public sealed class StorageFaults
{
    private readonly ConcurrentDictionary<GrainId, bool> _failWrites = new();
    private readonly ConcurrentDictionary<GrainId, Func<IGrainStorage, Task>> _conflicts = new();

    /// <summary>Every write and clear of <paramref name="grain"/> fails until <see cref="Heal"/>.</summary>
    public void FailWrites(GrainId grain) => _failWrites[grain] = true;

    /// <summary>On the next write of <paramref name="grain"/>, another writer gets there first (ETag conflict).</summary>
    public void ConflictOnce(GrainId grain, Func<IGrainStorage, Task> otherWriter) => _conflicts[grain] = otherWriter;

    public void Heal()
    {
        _failWrites.Clear();
        _conflicts.Clear();
    }

    public bool Fails(GrainId grain) => _failWrites.ContainsKey(grain);

    public Func<IGrainStorage, Task>? TakeConflict(GrainId grain) => _conflicts.TryRemove(grain, out var otherWriter) ? otherWriter : null;
}

/// <summary>Real in-memory grain storage that fails writes (and clears) of chosen grains as <paramref name="faults"/> say, and is read back directly.</summary>
public sealed class FaultInjectingStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage
{
    public IGrainStorage Inner => inner;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (faults.Fails(grainId))
        {
            throw new IOException("Injected storage failure");
        }

        if (faults.TakeConflict(grainId) is { } otherWriter)
        {
            await otherWriter(inner);
            throw new InconsistentStateException("Injected ETag conflict");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => faults.Fails(grainId)
        ? throw new IOException("Injected storage failure")
        : inner.ClearStateAsync(stateName, grainId, grainState);
}

/// <summary>Collects every log line of the silos and gateway, to check that no secret is ever logged.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category} {eventId.Name}: {formatter(state, exception)} {exception}");
    }
}
