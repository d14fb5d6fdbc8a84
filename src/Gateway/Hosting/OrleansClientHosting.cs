using System.Net;
using Azure.Data.Tables;
using Orleans.Configuration;
using Orleans.Dashboard;
using PinOrleans.Silo;

namespace PinOrleans.Gateway.Hosting;

/// <summary>How the gateway finds the cluster (configuration section <c>Cluster</c>; <c>Orleans</c> is Orleans' own).</summary>
public sealed class ClusterClientOptions
{
    public const string Section = "Cluster";

    public string ClusterId { get; set; } = "pinorleans";
    public string ServiceId { get; set; } = "pinorleans";

    /// <summary>
    /// <c>Storage</c> (the membership table in the store <c>Storage:Provider</c> names, the default; <c>AzureTable</c> is
    /// its older name), <c>Static</c> (a fixed list of silo gateways), or
    /// <c>CoHosted</c> (no client of its own: the host already provides <see cref="IGrainFactory"/>, as a silo
    /// co-hosting the gateway or a test cluster does).
    /// </summary>
    public string Clustering { get; set; } = "Storage";

    /// <summary>
    /// This gateway process is a silo of the cluster as well (<see cref="PinOrleans.Silo.SiloHosting.AddPinOrleansSilo"/>,
    /// with every silo setting: <c>Cluster:SiloPort</c>, <c>Cluster:GatewayPort</c>, <c>Storage</c>, <c>Hashing</c>,
    /// <c>Bootstrap</c> ...): its grain calls need no network hop and no serialization to reach grains it hosts, and
    /// it joins the cluster beside other silos (which separate gateways may still reach). <see cref="Clustering"/> is
    /// then not used.
    /// </summary>
    public bool HostSilo { get; set; }

    /// <summary>For <c>Static</c>: silo gateway endpoints, <c>host:port</c>, comma-separated.</summary>
    public string? Gateways { get; set; }

    /// <summary>
    /// How long a grain call may take before the request is answered 503 (Orleans' default is 30 s). A call in
    /// flight to a silo that dies never gets an answer; this bounds how long its client waits.
    /// </summary>
    public double ResponseTimeoutSeconds { get; set; } = 5;
}

public static class OrleansClientHosting
{
    /// <summary>Makes the gateway an Orleans client that keeps retrying until the cluster answers.</summary>
    public static WebApplicationBuilder AddPinOrleansClient(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ClusterClientOptions.Section).Get<ClusterClientOptions>() ?? new();
        if (options.HostSilo)
        {
            builder.AddPinOrleansSilo();
            return builder;
        }

        if (options.Clustering.Equals("CoHosted", StringComparison.OrdinalIgnoreCase))
        {
            return builder;
        }

        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            if (options.Clustering.Equals("Static", StringComparison.OrdinalIgnoreCase))
            {
                client.UseStaticClustering(ParseGateways(options.Gateways));
            }
            else
            {
                var storage = StorageSettings.From(builder.Configuration);
                if (storage.Provider == StorageProvider.PostgreSQL)
                {
                    client.UseAdoNetClustering(o =>
                    {
                        o.Invariant = StorageSettings.NpgsqlInvariant;
                        o.ConnectionString = storage.ConnectionString;
                    });
                }
                else
                {
                    client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(storage.ConnectionString));
                }
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(Math.Max(0.5, options.ResponseTimeoutSeconds)));
            if (PinOrleans.Operations.Otlp.IsConfigured(builder.Configuration))
            {
                // As on the silos: trace context goes with grain calls only when traces are exported.
                client.AddActivityPropagation();
            }

            // The dashboard's client side: /dashboard reads the silos' dashboard grains.
            client.AddDashboard();
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });
        return builder;
    }

    private static IPEndPoint[] ParseGateways(string? gateways)
    {
        var endpoints = (gateways ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(IPEndPoint.Parse).ToArray();
        return endpoints.Length > 0 ? endpoints : throw new InvalidOperationException("Cluster:Gateways must list at least one host:port.");
    }
}
