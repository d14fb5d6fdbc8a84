using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PinOrleans.Tenants;

[GenerateSerializer, Alias("PinOrleans.TenantState")]
public sealed class TenantState
{
    [Id(0)] public string Name { get; set; } = "";
    /// <summary>SHA-256 (hex) of the API secret: the secret is 128 random bits, so a fast hash is enough.</summary>
    [Id(1)] public string SecretHash { get; set; } = "";
    [Id(2)] public TenantSettings Settings { get; set; } = new();
    [Id(3)] public DateTimeOffset CreatedDate { get; set; }
    /// <summary>SHA-256 of the bootstrap definition last applied: an unchanged configuration does not undo runtime changes.</summary>
    [Id(4)] public string? BootstrapFingerprint { get; set; }
}

/// <summary>
/// A tenant. Authorization interleaves with everything, so it reads <see cref="_published"/>: the last state that
/// storage acknowledged, never one still being written.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Store)] IPersistentState<TenantState> state,
    TimeProvider time) : Grain, ITenantGrain
{
    private TenantState? _published;

    private string ApiKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = state.RecordExists ? state.State : null;
        return Task.CompletedTask;
    }

    public Task<TenantSnapshot> ConfigureAsync(TenantDefinition definition) => SaveAsync(definition, _published?.BootstrapFingerprint);

    public Task<TenantSnapshot> BootstrapAsync(TenantDefinition definition)
    {
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{definition.Name}\n{definition.ApiSecret?.Value}\n{TenantSettingsJson.Canonical(definition.Settings)}")));
        return _published is { } current && current.BootstrapFingerprint == fingerprint
            ? Task.FromResult(Snapshot(current))
            : SaveAsync(definition, fingerprint);
    }

    private async Task<TenantSnapshot> SaveAsync(TenantDefinition definition, string? bootstrapFingerprint)
    {
        if (_published is null && definition.ApiSecret is null)
        {
            throw new ArgumentException("A new tenant needs an API secret.", nameof(definition));
        }

        if (definition.Settings.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(definition));
        }

        var next = new TenantState
        {
            Name = definition.Name,
            Settings = definition.Settings,
            SecretHash = definition.ApiSecret is { } secret ? HashSecret(secret.Value) : _published!.SecretHash,
            CreatedDate = _published?.CreatedDate ?? time.GetUtcNow(),
            BootstrapFingerprint = bootstrapFingerprint,
        };
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = _published ?? new TenantState();
            throw;
        }

        _published = next;
        return Snapshot(next);
    }

    public async Task<TenantSettingsChange> ChangeSettingsAsync(string patch)
    {
        if (_published is not { } current)
        {
            return new TenantSettingsChange(null, "There is no such tenant.");
        }

        TenantSettings settings;
        try
        {
            settings = TenantSettingsJson.Merge(current.Settings, patch);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return new TenantSettingsChange(null, e.Message);
        }

        if (settings.Problem() is { } problem)
        {
            return new TenantSettingsChange(null, problem);
        }

        return new TenantSettingsChange(await ConfigureAsync(new TenantDefinition { Name = current.Name, Settings = settings }), null);
    }

    public Task<TenantAccess> AuthorizeAsync(Sensitive? apiSecret, bool requireSecret)
    {
        var tenant = _published;
        if (tenant is null)
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiKeyUnauthorized)));
        }

        if (tenant.Settings.Plan.IsExpired(time.GetUtcNow()))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.TrialPlanExpired)));
        }

        if (requireSecret && !SecretMatches(tenant, apiSecret))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiSecretUnauthorized)));
        }

        return Task.FromResult(new TenantAccess(Snapshot(tenant), null));
    }

    private static bool SecretMatches(TenantState tenant, Sensitive? secret) =>
        secret is { } given && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(HashSecret(given.Value)), Encoding.ASCII.GetBytes(tenant.SecretHash));

    private TenantSnapshot Snapshot(TenantState tenant) => new(ApiKey, tenant.Name, tenant.Settings);

    private static string HashSecret(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret.Trim())));
}
