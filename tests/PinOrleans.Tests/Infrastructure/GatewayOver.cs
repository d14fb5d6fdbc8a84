using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>The real gateway over a test's own cluster (not the shared <see cref="ClusterFixture"/>), co-hosted like <see cref="GatewayFactory"/>.</summary>
public sealed class GatewayOver(InProcessTestCluster cluster) : WebApplicationFactory<PinOrleans.Gateway.Hosting.ClusterClientOptions>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Cluster:Clustering", "CoHosted");
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IClusterClient>(_ => cluster.Client);
            services.AddSingleton<IGrainFactory>(_ => cluster.Client);
        });
    }
}
