namespace PinOrleans.Tenants;

/// <summary>The stored directory: names and creation dates by API key, nothing secret.</summary>
[GenerateSerializer, Alias("PinOrleans.TenantDirectoryState")]
public sealed class TenantDirectoryState
{
    /// <summary>Tenants by API key.</summary>
    [Id(0)] public Dictionary<string, TenantEntry> Tenants { get; set; } = [];
}

/// <summary>
/// The tenant directory. One record for the whole cluster: registering is rare (a tenant's save) and a repeated
/// registration of an unchanged tenant costs no write.
/// </summary>
public sealed class TenantDirectoryGrain(
    [PersistentState("tenants", StorageNames.Store)] IPersistentState<TenantDirectoryState> state) : Grain, ITenantDirectoryGrain
{
    public async Task RegisterAsync(string apiKey, string name, DateTimeOffset createdDate)
    {
        var entry = new TenantEntry(apiKey, name, createdDate);
        if (state.State.Tenants.TryGetValue(apiKey, out var known) && known == entry)
        {
            return;
        }

        state.State.Tenants[apiKey] = entry;
        // Nothing unwritten is ever listed: the next activation reads what storage holds.
        await state.WriteOrDeactivateAsync(GrainContext);
    }

    public Task<IReadOnlyList<TenantEntry>> ListAsync() => Task.FromResult<IReadOnlyList<TenantEntry>>(
        [.. state.State.Tenants.Values.OrderBy(t => t.CreatedDate).ThenBy(t => t.ApiKey, StringComparer.Ordinal)]);
}
