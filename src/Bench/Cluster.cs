using Azure.Data.Tables;
using Orleans.Configuration;

namespace PinOrleans.Bench;

/// <summary>An Orleans client of the benchmarked cluster, for what HTTP cannot do: deactivate grains, collect garbage, read statistics.</summary>
public static class Cluster
{
    public static async Task<IHost> ConnectAsync(BenchOptions options)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ClusterId;
                });
                if (options.StoreIsPostgres)
                {
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = StorageSettings.NpgsqlInvariant;
                        o.ConnectionString = options.Storage;
                    });
                }
                else
                {
                    client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(options.Storage));
                }
            })
            .Build();
        await host.StartAsync();
        return host;
    }

    public static IManagementGrain Management(this IHost host) =>
        host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);

    /// <summary>Deactivates every grain activation (all are older than zero), so the next calls load state from storage.</summary>
    public static async Task DeactivateAllAsync(this IHost host)
    {
        var management = host.Management();
        await management.ForceActivationCollection(TimeSpan.Zero);
        for (var i = 0; i < 100 && await management.GetTotalActivationCount() > 50; i++)
        {
            await Task.Delay(100);
        }
    }
}
