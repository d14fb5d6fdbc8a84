using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class TenantBootstrapTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_restart_with_unchanged_bootstrap_configuration_keeps_runtime_changes_and_a_changed_one_applies()
    {
        var tenant = fixture.Grains.GetGrain<ITenantGrain>(Guid.NewGuid().ToString());
        var definition = new TenantDefinition
        {
            Name = "Boot", ApiSecret = new Sensitive(Guid.NewGuid().ToString()),
            Settings = new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 4 } },
        };
        Assert.Equal(4, (await tenant.BootstrapAsync(definition)).Settings.Lockout.MaxFailedAttempts);

        var changed = await tenant.ChangeSettingsAsync("""{"Lockout":{"MaxFailedAttempts":7}}""");
        Assert.Null(changed.Error);
        Assert.Equal(7, (await tenant.BootstrapAsync(definition)).Settings.Lockout.MaxFailedAttempts);

        var edited = definition with { Settings = new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 9 } } };
        Assert.Equal(9, (await tenant.BootstrapAsync(edited)).Settings.Lockout.MaxFailedAttempts);
        await Assert.ThrowsAsync<ArgumentException>(() => tenant.BootstrapAsync(edited with { Settings = new TenantSettings { Lockout = new LockoutPolicy { Type = LockoutType.Captcha } } }));
    }
}
