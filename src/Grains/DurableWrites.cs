namespace PinOrleans;

/// <summary>
/// The one write policy of every grain: success is answered only after storage took the state, and an activation
/// whose write (or clear) failed goes, so the next call reads what storage really holds and nothing unwritten is
/// ever served. A write whose outcome is unknown (a timeout) leaves a stale ETag behind too: only a fresh
/// activation can write again.
/// </summary>
public static class DurableWrites
{
    public static Task WriteOrDeactivateAsync<T>(this IPersistentState<T> state, IGrainContext grain) =>
        OrDeactivateAsync(state.WriteStateAsync, grain);

    /// <summary>Removes the record; a failure deactivates as a failed write does.</summary>
    public static Task ClearOrDeactivateAsync<T>(this IPersistentState<T> state, IGrainContext grain) =>
        OrDeactivateAsync(state.ClearStateAsync, grain);

    /// <summary>
    /// As <see cref="WriteOrDeactivateAsync{T}"/>, except that an ETag conflict (another activation wrote the record
    /// since it was read) while <paramref name="rereadOnConflict"/> reads what storage holds and answers false: the
    /// caller decides again on that state instead of overwriting it.
    /// </summary>
    public static async Task<bool> WriteOrRereadAsync<T>(this IPersistentState<T> state, IGrainContext grain, bool rereadOnConflict, Action? rollBack = null)
    {
        try
        {
            await state.WriteStateAsync();
            return true;
        }
        catch (InconsistentStateException) when (rereadOnConflict)
        {
        }
        catch (Exception e) when (rollBack is not null && IsUnavailable(e))
        {
            rollBack();
            throw;
        }
        catch
        {
            grain.DeactivateUnwritten();
            throw;
        }

        await OrDeactivateAsync(state.ReadStateAsync, grain);
        return false;
    }

    /// <summary>
    /// As <see cref="WriteOrDeactivateAsync{T}"/>, except that when storage is unavailable the activation stays and
    /// <paramref name="rollBack"/> puts back the state storage last took: reads that need no write go on being served
    /// during an outage, where a new activation could not even read. Any other failure deactivates.
    /// </summary>
    public static async Task WriteOrRollBackAsync<T>(this IPersistentState<T> state, IGrainContext grain, Action rollBack)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            rollBack();
            throw;
        }
        catch
        {
            grain.DeactivateUnwritten();
            throw;
        }
    }

    /// <summary>Storage did not take the operation (unreachable, timed out, or refused by the silo's circuit), however the runtime wrapped it.</summary>
    public static bool IsUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is StorageUnavailableException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Has the activation go (after the current turn): something it holds may not be in storage.</summary>
    public static void DeactivateUnwritten(this IGrainContext grain) =>
        grain.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, NotWritten));

    private const string NotWritten = "Its state was not written.";

    /// <summary>Whether an activation goes because storage did not take its state (<see cref="DeactivateUnwritten"/>): nothing of it may be written then.</summary>
    public static bool IsUnwritten(DeactivationReason reason) =>
        reason.ReasonCode == DeactivationReasonCode.ApplicationRequested && reason.Description == NotWritten;

    private static async Task OrDeactivateAsync(Func<Task> operation, IGrainContext grain)
    {
        try
        {
            await operation();
        }
        catch
        {
            grain.DeactivateUnwritten();
            throw;
        }
    }
}
