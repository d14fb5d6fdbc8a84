namespace PinOrleans.Tenants;

/// <summary>
/// The list of every tenant of the cluster (key 0), for operators: each tenant grain registers itself here whenever
/// it saves, and at silo start (bootstrap). Holds names and dates only, never a secret or a setting.
/// </summary>
[Alias("PinOrleans.ITenantDirectoryGrain")]
public interface ITenantDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds the tenant or updates its name; writes only when something changed.</summary>
    Task RegisterAsync(string apiKey, string name, DateTimeOffset createdDate);

    /// <summary>Every registered tenant, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TenantEntry>> ListAsync();
}

/// <summary>One tenant as the directory lists it.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantEntry")]
public sealed record TenantEntry(
    [property: Id(0)] string ApiKey,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedDate);
