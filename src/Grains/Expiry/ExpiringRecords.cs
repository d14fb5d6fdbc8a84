using Microsoft.Extensions.DependencyInjection;

namespace PinOrleans.Expiry;

/// <summary>What every expiring record's grain does: journal its end after each write, and go once it is due.</summary>
public static class ExpiringRecords
{
    /// <summary>Tells the silo's journal (memory only) that this record may be removed once <paramref name="end"/> plus the retention has passed.</summary>
    public static void TrackExpiry(this IGrainBase grain, DateTimeOffset? end)
    {
        if (end is { } ends)
        {
            var journal = Journal(grain);
            journal.Track(grain.GrainContext.GrainId, ends + journal.Options.Retention);
        }
    }

    /// <summary>
    /// <see cref="IExpiringGrain.ExpireAsync"/> for a record that ends at <paramref name="end"/> (null: none stored):
    /// removed and the activation gone when due, else journaled again. The clock is the service's.
    /// </summary>
    public static async Task<bool> ExpireAsync<T>(this IPersistentState<T> state, IGrainBase grain, DateTimeOffset? end)
    {
        var journal = Journal(grain);
        if (state.RecordExists && end is { } ends)
        {
            var removeAt = ends + journal.Options.Retention;
            var now = grain.GrainContext.ActivationServices.GetRequiredKeyedService<TimeProvider>(ServiceClock.Key).GetUtcNow();
            if (removeAt > now)
            {
                // Its life was extended (or the entry was early): the bucket of its new end takes it.
                journal.Track(grain.GrainContext.GrainId, removeAt);
                return false;
            }

            await state.ClearOrDeactivateAsync(grain.GrainContext);
        }

        journal.Forget(grain.GrainContext.GrainId);
        grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "Its record expired."));
        return true;
    }

    /// <summary>
    /// The grain key of an expiring record from the key a store that cannot hold '/' wrote (as '_'): token keys are hex
    /// hashes, a reset link's is <c>{apiKey}/{16 hex digits}</c>. Null for a grain type that does not expire.
    /// </summary>
    public static string? KeyOfStored(string grainType, string storedKey) => grainType switch
    {
        "logintokens" or "pinsession" or "pinauthtoken" or "stepuptoken" => storedKey,
        "pinresetlink" when storedKey.Length > Recovery.ResetTokens.SelectorLength + 1 =>
            $"{storedKey[..^(Recovery.ResetTokens.SelectorLength + 1)]}/{storedKey[^Recovery.ResetTokens.SelectorLength..]}",
        _ => null,
    };

    private static ExpiryJournal Journal(IGrainBase grain) => grain.GrainContext.ActivationServices.GetRequiredService<ExpiryJournal>();
}
