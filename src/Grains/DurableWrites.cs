namespace PinOrleans;

/// <summary>
/// The one write policy of every grain: success is answered only after storage took the state, and an activation
/// whose write failed goes, so the next call reads what storage really holds and nothing unwritten is ever served.
/// </summary>
public static class DurableWrites
{
    public static async Task WriteOrDeactivateAsync<T>(this IPersistentState<T> state, IGrainContext grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            grain.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "Its state was not written."));
            throw;
        }
    }
}
