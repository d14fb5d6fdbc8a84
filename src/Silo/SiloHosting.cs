using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using PinOrleans.Security;

namespace PinOrleans.Silo;

/// <summary>Silo endpoints and cluster identity (configuration section <c>Cluster</c>; <c>Orleans</c> is Orleans' own).</summary>
public sealed class SiloEndpointOptions
{
    public const string Section = "Cluster";

    public string ClusterId { get; set; } = "pinorleans";
    public string ServiceId { get; set; } = "pinorleans";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>The address other silos and clients use to reach this one.</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>Membership probes: how long one may take, and how many missed ones make a silo suspect.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 2;

    public int NumMissedProbesLimit { get; set; } = 3;

    /// <summary>Running in Kubernetes: silo name, address and cluster identity come from the pod (POD_NAME, POD_IP, ORLEANS_CLUSTER_ID...), and silos of deleted pods are declared dead.</summary>
    public bool Kubernetes { get; set; }
}

public static class SiloHosting
{
    /// <summary>The Azure table that holds grain state.</summary>
    public const string StateTable = "PinOrleansState";

    /// <summary>Configures this process as a PinOrleans silo: Azure Table clustering, state and reminders, the grains' services, the bootstrap tenant.</summary>
    public static IHostApplicationBuilder AddPinOrleansSilo(this IHostApplicationBuilder builder)
    {
        var endpoints = builder.Configuration.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new();
        var storage = StorageConnectionString(builder.Configuration);
        DevelopmentPepper.EnsureConfigured(builder.Configuration, builder.Environment);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = endpoints.ClusterId;
                o.ServiceId = endpoints.ServiceId;
            });
            // A dead silo is declared dead after NumMissedProbesLimit probes of ProbeTimeoutSeconds each went
            // unanswered (Orleans' defaults take 15 s or more); until then calls to its grains answer 503.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(endpoints.ProbeTimeoutSeconds);
                o.NumMissedProbesLimit = endpoints.NumMissedProbesLimit;
            });
            if (endpoints.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.ConfigureEndpoints(System.Net.IPAddress.Parse(endpoints.AdvertisedIPAddress), endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: false);
            }
            silo.AddPinOrleansAzureStorage(storage);
            silo.AddActivityPropagation();
            // The dashboard's grains; a gateway serves its pages at /dashboard (administrator only).
            silo.AddDashboard();
        });
        builder.AddPinOrleansTelemetry($"{endpoints.AdvertisedIPAddress}:{endpoints.SiloPort}");
        // SIGTERM: the silo leaves the cluster and deactivates its grains (every acknowledged change is already written).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddPinOrleansGrainServices(builder.Configuration);
        builder.Services.AddOptions<BootstrapTenantOptions>().Configure(o => BootstrapTenantOptions.Bind(builder.Configuration, o));
        builder.Services.AddHostedService<BootstrapTenantService>();
        return builder;
    }

    /// <summary>Membership, grain state and reminders in Azure Table storage, state serialized by <see cref="JsonGrainStorageSerializer"/>.</summary>
    public static ISiloBuilder AddPinOrleansAzureStorage(this ISiloBuilder silo, string connectionString)
    {
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
        silo.AddPinOrleansStateStore(connectionString);
        silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(connectionString));
        return silo;
    }

    /// <summary>
    /// The grain-state store alone: Azure Table storage, serialized by <see cref="JsonGrainStorageSerializer"/>,
    /// behind <see cref="CountingGrainStorage"/> (operations counted by state name).
    /// </summary>
    public static ISiloBuilder AddPinOrleansStateStore(this ISiloBuilder silo, string connectionString)
    {
        const string table = StorageNames.Store + "-table";
        silo.AddAzureTableGrainStorage(table, o =>
        {
            o.TableServiceClient = new TableServiceClient(connectionString);
            o.TableName = StateTable;
            // A deleted account leaves no row behind.
            o.DeleteStateOnClear = true;
            o.GrainStorageSerializer = new JsonGrainStorageSerializer();
        });
        silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Store, (sp, _) => new CountingGrainStorage(sp.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(table), sp.GetRequiredService<PinOrleans.Operations.PinOrleansMetrics>()));
        // What the expiry repair lists (docs/operations.md, "Expired records").
        silo.Services.AddSingleton<PinOrleans.Expiry.IExpiringRecordDirectory>(sp => new AzureTableExpiringRecords(
            new TableServiceClient(connectionString).GetTableClient(StateTable), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId));
        return silo;
    }

    /// <summary><c>Storage:ConnectionString</c>, else <c>ConnectionStrings:AzureStorage</c>.</summary>
    public static string StorageConnectionString(IConfiguration configuration) =>
        configuration["Storage:ConnectionString"]
        ?? configuration.GetConnectionString("AzureStorage")
        ?? throw new InvalidOperationException("No storage configured: set Storage:ConnectionString (Azure Table storage or Azurite).");
}

/// <summary>Where the pepper comes from when it is not configured: a generated key file, in Development only.</summary>
public static class DevelopmentPepper
{
    public static void EnsureConfigured(IConfigurationManager configuration, IHostEnvironment environment)
    {
        var section = HashingOptions.Section;
        if (!string.IsNullOrWhiteSpace(configuration[$"{section}:Pepper"]))
        {
            return;
        }

        var file = configuration[$"{section}:PepperFile"];
        if (file is null)
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException("Hashing:Pepper (or Hashing:PepperFile) must be configured outside Development.");
            }

            file = Path.Combine(".local", "dev-pepper.key");
        }

        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            File.WriteAllText(file, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        configuration[$"{section}:Pepper"] = File.ReadAllText(file).Trim();
    }
}
