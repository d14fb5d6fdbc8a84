using System.Collections.Concurrent;
using System.Reflection;

namespace PinOrleans.Accounts;

/// <summary>
/// An account during a storage outage: a write storage did not take puts back the state it last took instead of
/// deactivating, so what needs no write (validating a token, refusing a locked account) is still answered while a
/// new activation could not even read; once storage has answered this silo again, the activation goes and the next
/// call reads what storage holds (the write that timed out may have landed after all).
/// The copy of what storage took exists only while a call that may change the account runs (taken when it starts,
/// renewed by each write or read it makes): when the call ends, the state is that copy, so nothing the call left
/// unwritten outlives it, and between calls an active account holds its state once.
/// </summary>
public sealed partial class UserGrain : IIncomingGrainCallFilter
{
    /// <summary>Methods that interleave with the others (<see cref="AlwaysInterleaveAttribute"/>): reads, which change nothing and take no copy.</summary>
    private static readonly ConcurrentDictionary<MethodInfo, bool> Interleaving = new();

    /// <summary>While a call that may change the account runs: the state as storage last read or took it.</summary>
    private UserState? _written;

    private IGrainTimer? _reload;

    /// <summary>How many answers the silo's storage had given when this activation fell back.</summary>
    private long _answersAtRollBack;

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (_written is not null || (context.InterfaceMethod is { } method && Interleaving.GetOrAdd(method, m => m.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: true))))
        {
            // A read beside a call, or a call within a call's chain: the outer call keeps the copy.
            await context.Invoke();
            return;
        }

        _written = copier.Copy(state.State);
        try
        {
            await context.Invoke();
        }
        finally
        {
            state.State = _written;
            _written = null;
        }
    }

    /// <summary>After a read or a write: this is what storage holds (login statistics included, <see cref="StatisticsWritten"/>).</summary>
    private void Written()
    {
        StatisticsWritten();
        if (_written is not null)
        {
            _written = copier.Copy(state.State);
        }
    }

    /// <summary>A write storage did not take: back to what it holds; reloaded once storage answers again.</summary>
    private void RollBack()
    {
        if (_written is null)
        {
            // Not within a call (nothing to go back to): the activation goes, as on any other failed write.
            GrainContext.DeactivateUnwritten();
            return;
        }

        state.State = copier.Copy(_written);
        // Whether storage took the write is unknown: its login statistics are not counted again on top of a re-read.
        _unwrittenLogins = 0;
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
