namespace PinOrleans;

/// <summary>
/// One state record of a grain, read when the grain activates and written through the grain-state store as
/// <c>[PersistentState]</c> does (same state name and grain id, so the same row, the same counting, timeouts and
/// circuit), but in one small object: Orleans' state bridge adds a state wrapper, a lifecycle observer and a migration
/// participant to every activation (about 300 bytes), which for the most numerous activations (PIN sessions) is a
/// tenth of what each costs. A grain that uses it reads it in its <c>OnActivateAsync</c> (<see cref="ReadAsync"/>).
/// </summary>
public sealed class GrainRecord<T>(IGrainStorage storage, string stateName) : IPersistentState<T>, IGrainState<T> where T : new()
{
    private IGrainContext? _owner;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public T State { get; set; } = new();

    public string? ETag { get; set; }

    string? Orleans.Core.IStorage.Etag => ETag;

    public bool RecordExists { get; set; }

    /// <summary>The first read, when <paramref name="grain"/> activates: the record (or a new state when there is none).</summary>
    public Task ReadAsync(IGrainContext grain, CancellationToken cancellationToken = default)
    {
        _owner = grain;
        return ReadStateAsync(cancellationToken);
    }

    /// <summary>
    /// Instead of the first read, for a record that cannot exist yet (its key was minted by the call that creates it):
    /// no read, and the first write is an insert, which storage refuses (<see cref="Orleans.Storage.InconsistentStateException"/>)
    /// if a record exists after all.
    /// </summary>
    public void AssumeAbsent(IGrainContext grain)
    {
        _owner = grain;
        State = new T();
        ETag = null;
        RecordExists = false;
    }

    public Task ReadStateAsync() => ReadStateAsync(CancellationToken.None);

    public async Task ReadStateAsync(CancellationToken cancellationToken)
    {
        await storage.ReadStateAsync(stateName, Owner.GrainId, this, cancellationToken);
        State ??= new T();
    }

    public Task WriteStateAsync() => WriteStateAsync(CancellationToken.None);

    public Task WriteStateAsync(CancellationToken cancellationToken) => storage.WriteStateAsync(stateName, Owner.GrainId, this, cancellationToken);

    public Task ClearStateAsync() => ClearStateAsync(CancellationToken.None);

    public async Task ClearStateAsync(CancellationToken cancellationToken)
    {
        await storage.ClearStateAsync(stateName, Owner.GrainId, this, cancellationToken);
        State = new T();
        RecordExists = false;
    }

    private IGrainContext Owner => _owner ?? throw new InvalidOperationException($"The '{stateName}' record is used before its grain read it.");
}
