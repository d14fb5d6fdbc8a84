using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using PinOrleans.Silo;

namespace PinOrleans.Tests.Unit;

/// <summary>The silo's <c>Cluster:</c> settings reach the Orleans options they name.</summary>
public sealed class SiloSettingsTests
{
    private static GrainCollectionOptions CollectionOptions(params (string Key, string Value)[] values)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))
            .Append(KeyValuePair.Create("Storage:ConnectionString", (string?)"UseDevelopmentStorage=true")));
        builder.AddPinOrleansSilo();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;
    }

    [Fact]
    public void An_idle_grain_is_deactivated_after_15_minutes_unless_the_operator_says_otherwise()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), CollectionOptions().CollectionAge);
        Assert.Equal(TimeSpan.FromMinutes(2.5), CollectionOptions(("Cluster:IdleActivationMinutes", "2.5")).CollectionAge);
    }
}
