using System.Collections.Concurrent;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// What the tenant grain said about an API key (its settings, or that it is unknown), kept for a few seconds
/// (<c>Gateway:TenantCacheSeconds</c>, default 5; 0 asks the grain every time) so that calls without the API
/// secret cost one grain call fewer. Calls with the secret always ask the grain. A tenant's new settings reach
/// every gateway within that time; a trial's expiry is checked on each call.
/// </summary>
public sealed class TenantCache(IConfiguration configuration, TimeProvider time)
{
    /// <summary>More distinct keys than this (random keys from a flood) and the cache starts over.</summary>
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (TenantAccess Access, long Until)> _entries = new(StringComparer.Ordinal);
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

        var access = await grains.GetGrain<ITenantGrain>(apiKey).AuthorizeAsync(null, false);
        if (_lifetime > TimeSpan.Zero && access.Problem?.Code is null or ErrorCode.ApiKeyUnauthorized)
        {
            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            _entries[apiKey] = (access, now + (long)(_lifetime.TotalSeconds * time.TimestampFrequency));
        }

        return access;
    }
}
