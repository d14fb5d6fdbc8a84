using PinOrleans.Sessions;

namespace PinOrleans.Tenants;

[GenerateSerializer, Alias("PinOrleans.GeneratedTenantState")]
public sealed class GeneratedTenantState
{
    [Id(0)] public string? ApiKey { get; set; }
}

public sealed class GeneratedTenantGrain(
    [PersistentState("generatedtenant", StorageNames.Store)] IPersistentState<GeneratedTenantState> state) : Grain, IGeneratedTenantGrain
{
    public async Task<GeneratedTenant> EnsureAsync(string name, TenantSettings settings)
    {
        if (state.State.ApiKey is { } existing)
        {
            return new GeneratedTenant(existing, null);
        }

        var apiKey = Guid.NewGuid().ToString("D");
        var secret = new Sensitive(SecretToken.New());
        await GrainFactory.Reference<ITenantGrain>(apiKey).ConfigureAsync(new TenantDefinition { Name = name, ApiSecret = secret, Settings = settings });
        state.State.ApiKey = apiKey;
        await state.WriteOrDeactivateAsync(GrainContext);
        return new GeneratedTenant(apiKey, secret);
    }
}
