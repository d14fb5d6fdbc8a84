using System.Security.Cryptography;
using System.Text;

namespace PinOrleans.Tenants;

[GenerateSerializer, Alias("PinOrleans.TenantState")]
public sealed class TenantState
{
    [Id(0)] public string Name { get; set; } = "";
    /// <summary>SHA-256 (hex) of the API secret: the secret is 128 random bits, so a fast hash is enough.</summary>
    [Id(1)] public string SecretHash { get; set; } = "";
    [Id(2)] public TenantSettings Settings { get; set; } = new();
    [Id(3)] public DateTimeOffset CreatedDate { get; set; }
}

public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Store)] IPersistentState<TenantState> state,
    TimeProvider time) : Grain, ITenantGrain
{
    private string ApiKey => this.GetPrimaryKeyString();

    public async Task<TenantSnapshot> ConfigureAsync(TenantDefinition definition)
    {
        if (!state.RecordExists && string.IsNullOrEmpty(definition.ApiSecret))
        {
            throw new ArgumentException("A new tenant needs an API secret.", nameof(definition));
        }

        var current = state.State;
        current.Name = definition.Name;
        current.Settings = definition.Settings;
        if (!string.IsNullOrEmpty(definition.ApiSecret))
        {
            current.SecretHash = HashSecret(definition.ApiSecret);
        }

        if (!state.RecordExists)
        {
            current.CreatedDate = time.GetUtcNow();
        }

        await state.WriteStateAsync();
        return Snapshot();
    }

    public Task<TenantAccess> AuthorizeAsync(string? apiSecret, bool requireSecret)
    {
        if (!state.RecordExists)
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiKeyUnauthorized)));
        }

        if (state.State.Settings.Plan.IsExpired(time.GetUtcNow()))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.TrialPlanExpired)));
        }

        if (requireSecret && !SecretMatches(apiSecret))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiSecretUnauthorized)));
        }

        return Task.FromResult(new TenantAccess(Snapshot(), null));
    }

    private bool SecretMatches(string? secret) =>
        secret is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(HashSecret(secret)), Encoding.ASCII.GetBytes(state.State.SecretHash));

    private TenantSnapshot Snapshot() => new(ApiKey, state.State.Name, state.State.Settings);

    private static string HashSecret(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret.Trim())));
}
