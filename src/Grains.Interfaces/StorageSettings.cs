using Microsoft.Extensions.Configuration;

namespace PinOrleans;

/// <summary>The store that holds grain state, cluster membership and reminders.</summary>
public enum StorageProvider
{
    /// <summary>Azure Table storage (Azurite locally): the default.</summary>
    AzureTable,

    /// <summary>PostgreSQL through Orleans' ADO.NET providers (Npgsql): the self-hosted production store.</summary>
    PostgreSQL,
}

/// <summary>
/// Configuration section <c>Storage</c>: <c>Provider</c> (<c>AzureTable</c>, the default, or <c>PostgreSQL</c>) and
/// <c>ConnectionString</c> (Azure Storage form, or Npgsql form). Read the same way by silos and gateways.
/// </summary>
public sealed record StorageSettings(StorageProvider Provider, string ConnectionString)
{
    public const string Section = "Storage";

    /// <summary>The ADO.NET invariant Orleans' providers load Npgsql by.</summary>
    public const string NpgsqlInvariant = "Npgsql";

    /// <summary><c>Storage:Provider</c> and <c>Storage:ConnectionString</c> (else <c>ConnectionStrings:AzureStorage</c> for Azure Table storage).</summary>
    public static StorageSettings From(IConfiguration configuration)
    {
        var name = configuration[$"{Section}:Provider"];
        var provider = string.IsNullOrWhiteSpace(name) ? StorageProvider.AzureTable
            : Enum.GetValues<StorageProvider>().Cast<StorageProvider?>().FirstOrDefault(p => p.ToString()!.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"Storage:Provider '{name}' is not a store: use AzureTable or PostgreSQL.");
        var connectionString = configuration[$"{Section}:ConnectionString"]
            ?? (provider == StorageProvider.AzureTable ? configuration.GetConnectionString("AzureStorage") : null)
            ?? throw new InvalidOperationException(provider == StorageProvider.AzureTable
                ? "No storage configured: set Storage:ConnectionString (Azure Table storage or Azurite)."
                : "No storage configured: set Storage:ConnectionString (Npgsql form: Host=...;Port=...;Database=...;Username=...;Password=...).");
        return new StorageSettings(provider, connectionString);
    }
}
