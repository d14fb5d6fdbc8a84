using Microsoft.Extensions.Configuration;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>The gateway's short-lived memory of tenant answers: reused within its lifetime, a trial's end still checked each call.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantCacheTests(ClusterFixture fixture)
{
    private TenantCache Cache(double seconds) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:TenantCacheSeconds"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }).Build(),
        fixture.Clock);

    [Fact]
    public async Task Answers_are_reused_within_their_lifetime_and_not_without_one()
    {
        var tenant = await fixture.NewTenantAsync();
        var grain = fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey);
        var cached = Cache(60);
        var uncached = Cache(0);
        Assert.Equal("Test", (await cached.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Tenant!.Name);

        await grain.ConfigureAsync(new TenantDefinition { Name = "Renamed" });
        Assert.Equal("Test", (await cached.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Tenant!.Name);
        Assert.Equal("Renamed", (await uncached.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Tenant!.Name);

        var unknown = Guid.NewGuid().ToString("D");
        Assert.Equal(ErrorCode.ApiKeyUnauthorized, (await cached.AuthorizeAsync(unknown, fixture.Grains)).Problem!.Code);
        await fixture.Grains.GetGrain<ITenantGrain>(unknown).ConfigureAsync(new TenantDefinition { Name = "Late", ApiSecret = "s" });
        Assert.Equal(ErrorCode.ApiKeyUnauthorized, (await cached.AuthorizeAsync(unknown, fixture.Grains)).Problem!.Code);
        Assert.Equal("Late", (await uncached.AuthorizeAsync(unknown, fixture.Grains)).Tenant!.Name);

        // Once the lifetime is over, the grain is asked again.
        fixture.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("Renamed", (await cached.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Tenant!.Name);
        Assert.Equal("Late", (await cached.AuthorizeAsync(unknown, fixture.Grains)).Tenant!.Name);
    }

    [Fact]
    public async Task An_api_secret_is_checked_by_the_grain_once_per_lifetime()
    {
        var tenant = await fixture.NewTenantAsync();
        var cached = Cache(60);
        var uncached = Cache(0);
        Assert.True(await cached.SecretMatchesAsync(tenant.ApiKey, tenant.ApiSecret, fixture.Grains));
        Assert.False(await cached.SecretMatchesAsync(tenant.ApiKey, "not-the-secret", fixture.Grains));
        Assert.False(await cached.SecretMatchesAsync(Guid.NewGuid().ToString("D"), tenant.ApiSecret, fixture.Grains));

        var rotated = Sessions.SecretToken.New();
        await fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey).RotateSecretAsync(rotated);
        // Remembered: no grain call, so the old answer stands for the lifetime.
        Assert.True(await cached.SecretMatchesAsync(tenant.ApiKey, tenant.ApiSecret, fixture.Grains));
        Assert.False(await uncached.SecretMatchesAsync(tenant.ApiKey, tenant.ApiSecret, fixture.Grains));
        Assert.True(await uncached.SecretMatchesAsync(tenant.ApiKey, rotated, fixture.Grains));

        fixture.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.False(await cached.SecretMatchesAsync(tenant.ApiKey, tenant.ApiSecret, fixture.Grains));
    }

    [Fact]
    public async Task A_trial_that_ends_while_cached_is_refused_from_then_on()
    {
        var ends = fixture.Clock.GetUtcNow().AddSeconds(20);
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Plan = new TenantPlan { Name = "Trial", TrialExpiresAt = ends } });
        var cache = Cache(60);
        Assert.NotNull((await cache.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Tenant);
        // The trial ends well within the cached answer's lifetime.
        fixture.Clock.AdvanceTo(ends);
        Assert.Equal(ErrorCode.TrialPlanExpired, (await cache.AuthorizeAsync(tenant.ApiKey, fixture.Grains)).Problem!.Code);
    }
}
