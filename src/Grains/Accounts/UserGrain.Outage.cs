namespace PinOrleans.Accounts;

/// <summary>
/// An account during a storage outage: a write storage did not take puts back the state it last took instead of
/// deactivating, so what needs no write (validating a token, refusing a locked account) is still answered while a
/// new activation could not even read; once storage has answered this silo again, the activation goes and the next
/// call reads what storage holds (the write that timed out may have landed after all).
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>The state as storage last read or took it.</summary>
    private UserState _written = new();

    private IGrainTimer? _reload;

    /// <summary>How many answers the silo's storage had given when this activation fell back.</summary>
    private long _answersAtRollBack;

    /// <summary>After a read or a write: this is what storage holds.</summary>
    private void Written() => _written = copier.Copy(state.State);

    /// <summary>A write storage did not take: back to what it holds; reloaded once storage answers again.</summary>
    private void RollBack()
    {
        state.State = copier.Copy(_written);
        _answersAtRollBack = circuit.Answers;
        var period = circuit.Options.OpenPeriod;
        _reload ??= this.RegisterGrainTimer(ReloadWhenStorageAnswersAsync, new GrainTimerCreationOptions(period, period));
    }

    private Task ReloadWhenStorageAnswersAsync(CancellationToken cancellation)
    {
        if (circuit.Answers > _answersAtRollBack || !circuit.Guards)
        {
            _reload?.Dispose();
            _reload = null;
            GrainContext.DeactivateUnwritten();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Before the hashing of an attempt that will have to write: while the circuit refuses, storage would not take
    /// the outcome, so the attempt is refused (503) before it costs a hash or changes anything.
    /// </summary>
    private void RefuseWhileStorageIsFailing()
    {
        if (circuit.Refuses)
        {
            RollBack();
            throw new StorageUnavailableException("Storage is failing (circuit open): the attempt could not be recorded");
        }
    }
}
