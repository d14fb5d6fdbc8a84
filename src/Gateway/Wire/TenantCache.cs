using System.Collections.Concurrent;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// What the tenant grain said about an API key (its settings, or that it is unknown), kept for a few seconds
/// (<c>Gateway:TenantCacheSeconds</c>, default 5; 0 asks the grain every time) so that calls without the API
/// secret cost one grain call fewer. Calls with the secret always ask the grain. A tenant's new settings reach
/// every gateway within that time; a trial's expiry is checked on each call. It also remembers, for as long, whether
/// an API secret was the tenant's (by the secret's SHA-256): what decides whose <c>X-Origin-IP</c> is believed.
/// </summary>
public sealed class TenantCache(IConfiguration configuration, [FromKeyedServices(ServiceClock.Key)] TimeProvider time)
{
    /// <summary>More distinct keys than this (random keys from a flood) and the cache starts over.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (TenantAccess Access, long Until)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Matches, long Until)> _secrets = new(StringComparer.Ordinal);
    private readonly TimeSpan _lifetime = TimeSpan.FromSeconds(configuration.GetValue("Gateway:TenantCacheSeconds", 5.0));

    public async Task<TenantAccess> AuthorizeAsync(string apiKey, IGrainFactory grains)
    {
        var now = time.GetTimestamp();
        if (_lifetime > TimeSpan.Zero && _entries.TryGetValue(apiKey, out var cached) && now < cached.Until)
        {
            return cached.Access.Tenant is { } tenant && tenant.Settings.Plan.IsExpired(time.GetUtcNow())
                ? new TenantAccess(null, new Problem(ErrorCode.TrialPlanExpired))
                : cached.Access;
        }

        var access = await grains.Reference<ITenantGrain>(apiKey).AuthorizeAsync(null, false);
        if (_lifetime > TimeSpan.Zero && access.Problem?.Code is null or ErrorCode.ApiKeyUnauthorized)
        {
            Remember(_entries, apiKey, (access, Until(now)));
        }

        return access;
    }

    /// <summary>
    /// Whether <paramref name="secret"/> is the API secret of the live tenant <paramref name="apiKey"/>, checked by the
    /// tenant grain as for management routes. A backend that sends its secret on every request costs one grain call
    /// per lifetime, not per request; a rotated secret stops counting within that lifetime.
    /// </summary>
    public async Task<bool> SecretMatchesAsync(string apiKey, Sensitive secret, IGrainFactory grains)
    {
        var key = apiKey + "/" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret.Value)));
        var now = time.GetTimestamp();
        if (_lifetime > TimeSpan.Zero && _secrets.TryGetValue(key, out var cached) && now < cached.Until)
        {
            return cached.Matches;
        }

        var matches = (await grains.Reference<ITenantGrain>(apiKey).AuthorizeAsync(secret, true)).Tenant is not null;
        if (_lifetime > TimeSpan.Zero)
        {
            Remember(_secrets, key, (matches, Until(now)));
        }

        return matches;
    }

    private long Until(long now) => now + (long)(_lifetime.TotalSeconds * time.TimestampFrequency);

    private static void Remember<T>(ConcurrentDictionary<string, T> entries, string key, T entry)
    {
        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }

        entries[key] = entry;
    }
}
