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

    /// <summary>
    /// How long a grain may go unused before the silo deactivates it and frees its memory (Orleans'
    /// <c>GrainCollectionOptions.CollectionAge</c>, 15 minutes by default): shorter keeps fewer idle accounts in memory
    /// at the cost of loading them from storage again sooner.
    /// </summary>
    public double IdleActivationMinutes { get; set; } = 15;

    /// <summary>Running in Kubernetes: silo name, address and cluster identity come from the pod (POD_NAME, POD_IP, ORLEANS_CLUSTER_ID...), and silos of deleted pods are declared dead.</summary>
    public bool Kubernetes { get; set; }
}

public static class SiloHosting
{
    /// <summary>The Azure table that holds grain state.</summary>
    public const string StateTable = "PinOrleansState";

    /// <summary>Configures this process as a PinOrleans silo: clustering, state and reminders in the configured store (<see cref="StorageSettings"/>), the grains' services, the bootstrap tenant.</summary>
    public static IHostApplicationBuilder AddPinOrleansSilo(this IHostApplicationBuilder builder)
    {
        var endpoints = builder.Configuration.GetSection(SiloEndpointOptions.Section).Get<SiloEndpointOptions>() ?? new();
        var storage = StorageSettings.From(builder.Configuration);
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
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(endpoints.IdleActivationMinutes));
            if (endpoints.Kubernetes)
            {
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.ConfigureEndpoints(System.Net.IPAddress.Parse(endpoints.AdvertisedIPAddress), endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: false);
            }
            silo.AddPinOrleansStorage(storage);
            if (PinOrleans.Operations.Otlp.IsConfigured(builder.Configuration))
            {
                // Grain calls carry and start trace activities only when traces are exported: two more call
                // filters on every grain call otherwise, for nothing.
                silo.AddActivityPropagation();
            }

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

    /// <summary>Membership, grain state and reminders in the configured store, state serialized by <see cref="JsonGrainStorageSerializer"/>.</summary>
    public static ISiloBuilder AddPinOrleansStorage(this ISiloBuilder silo, StorageSettings storage)
    {
        if (storage.Provider == StorageProvider.PostgreSQL)
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = StorageSettings.NpgsqlInvariant;
                o.ConnectionString = storage.ConnectionString;
            });
        }
        else
        {
            silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(storage.ConnectionString));
        }

        silo.AddPinOrleansStateStore(storage);
        silo.AddPinOrleansReminders(storage);
        return silo;
    }

    /// <summary>Reminders (webhook retries, account outboxes) in the configured store.</summary>
    public static ISiloBuilder AddPinOrleansReminders(this ISiloBuilder silo, StorageSettings storage)
    {
        if (storage.Provider == StorageProvider.PostgreSQL)
        {
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = StorageSettings.NpgsqlInvariant;
                o.ConnectionString = storage.ConnectionString;
            });
            silo.AddPostgresSchema(storage);
        }
        else
        {
            silo.UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(storage.ConnectionString));
        }

        return silo;
    }

    /// <summary>
    /// The grain-state store alone, serialized by <see cref="JsonGrainStorageSerializer"/>, behind
    /// <see cref="CountingGrainStorage"/> (operations counted by state name, bounded by the silo's <see cref="StorageCircuit"/>,
    /// storage failures made <see cref="StorageUnavailableException"/>): Azure Table storage, or PostgreSQL (table
    /// <c>OrleansStorage</c>). Either answers a write only once it is committed, and a write against a changed version
    /// with <see cref="Orleans.Storage.InconsistentStateException"/>.
    /// </summary>
    public static ISiloBuilder AddPinOrleansStateStore(this ISiloBuilder silo, StorageSettings storage)
    {
        const string inner = StorageNames.Store + "-provider";
        silo.AddPinOrleansStateProvider(storage, inner);
        silo.Services.AddKeyedSingleton<Orleans.Storage.IGrainStorage>(StorageNames.Store, (sp, _) => new CountingGrainStorage(sp.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(inner), sp.GetRequiredService<PinOrleans.Operations.PinOrleansMetrics>(), sp.GetService<StorageCircuit>()));
        return silo;
    }

    /// <summary>The store's own grain-state provider under <paramref name="name"/>, without the counting wrapper.</summary>
    public static ISiloBuilder AddPinOrleansStateProvider(this ISiloBuilder silo, StorageSettings storage, string name)
    {
        if (storage.Provider == StorageProvider.PostgreSQL)
        {
            silo.AddAdoNetGrainStorage(name, o =>
            {
                o.Invariant = StorageSettings.NpgsqlInvariant;
                o.ConnectionString = storage.ConnectionString;
                // A cleared state (deleted account, expired token or session) leaves no row behind (DeleteStorageKey,
                // Sql/PostgreSQL-DeleteStorage.sql).
                o.DeleteStateOnClear = true;
                o.GrainStorageSerializer = new JsonGrainStorageSerializer();
            });
            silo.AddPostgresSchema(storage);
            silo.Services.AllowNpgsqlExceptions();
            // What the expiry repair lists (docs/operations.md, "Expired records").
            silo.Services.AddSingleton<PinOrleans.Expiry.IExpiringRecordDirectory>(sp => new PostgresExpiringRecords(
                storage.ConnectionString, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId));
        }
        else
        {
            silo.AddAzureTableGrainStorage(name, o =>
            {
                o.TableServiceClient = new TableServiceClient(storage.ConnectionString);
                o.TableName = StateTable;
                // A deleted account leaves no row behind.
                o.DeleteStateOnClear = true;
                o.GrainStorageSerializer = new JsonGrainStorageSerializer();
            });
            silo.Services.AddSingleton<PinOrleans.Expiry.IExpiringRecordDirectory>(sp => new AzureTableExpiringRecords(
                new TableServiceClient(storage.ConnectionString).GetTableClient(StateTable), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId));
        }

        return silo;
    }

    /// <summary>
    /// Npgsql's exceptions travel inside <see cref="StorageUnavailableException"/> like Azure's do (Orleans serializes
    /// exceptions only of the namespaces it is told, Azure and System among them).
    /// </summary>
    public static IServiceCollection AllowNpgsqlExceptions(this IServiceCollection services) =>
        services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o =>
        {
            if (!o.SupportedNamespacePrefixes.Contains("Npgsql"))
            {
                o.SupportedNamespacePrefixes.Add("Npgsql");
            }
        });

    /// <summary>The providers' PostgreSQL tables created at startup when they are missing (once per silo, whoever asks).</summary>
    private static void AddPostgresSchema(this ISiloBuilder silo, StorageSettings storage)
    {
        if (silo.Services.Any(d => d.ServiceType == typeof(PostgresSchemaParticipant)))
        {
            return;
        }

        silo.Services.AddSingleton(sp => new PostgresSchemaParticipant(storage, sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresSchemaParticipant>>()));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<PostgresSchemaParticipant>());
    }
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
