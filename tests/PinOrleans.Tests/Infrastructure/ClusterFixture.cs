using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Orleans.TestingHost;
using PinOrleans.Accounts;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Silo;
using PinOrleans.Tenants;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A three-silo in-process cluster (real grains, real Argon2id at a low cost) shared by a collection: grain state and
/// reminders in memory, or in a real store of its own (<see cref="AzureTableClusterFixture"/>, <see cref="PostgresClusterFixture"/>).
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 3;

    /// <summary>The store's own provider, under the fault-injecting and counting wrappers.</summary>
    private const string Backing = "backing";

    private readonly IStoreFixture? _store;

    private readonly Dictionary<int, (CountingHasher Hasher, FaultInjectingStorage Storage, CountingGrainStorage Counted)> _perSilo = [];
    private readonly StorageFaults _faults = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public LogCapture Logs { get; } = new();

    /// <summary>The service's clock on every silo and the gateway (Orleans keeps real time): tests advance it.</summary>
    public TestClock Clock { get; } = TestClock.FollowingRealTime();

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>The real gateway over this cluster.</summary>
    public GatewayFactory Gateway { get; private set; } = null!;

    private readonly Lazy<GatewayFactory> _adminGateway;

    public ClusterFixture()
        : this(null)
    {
    }

    /// <summary>A cluster whose grain state and reminders are in <paramref name="store"/> (started and removed with the cluster).</summary>
    protected ClusterFixture(IStoreFixture? store)
    {
        _store = store;
        _adminGateway = new(() => Tests.Gateway.AdminApiTests.AdminGateway(this, maxFailures: 1_000_000));
    }

    /// <summary>
    /// The real gateway with an administrator configured, one for all the tests that need one (the refused
    /// credentials they send from the test server's one address all count against it, hence the high limit).
    /// </summary>
    public GatewayFactory AdminGateway => _adminGateway.Value;

    public Api Api { get; private set; } = null!;

    /// <summary>Hash operations over all silos.</summary>
    public int HashCount => _perSilo.Values.Sum(s => s.Hasher.Count);

    /// <summary>
    /// The answer (status and body) of a call and how many hashes it cost: the work a refusal does, which unlike its
    /// duration does not depend on how busy the machine is. (The collection runs one test at a time.)
    /// </summary>
    public async Task<(int Status, string Body, int Hashes)> MeasureAsync(Func<Task<HttpResponseMessage>> call)
    {
        var before = HashCount;
        var response = await call();
        var body = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, body, HashCount - before);
    }

    public static IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Hashing:Pepper"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) })
        .Build();

    /// <summary>
    /// <see cref="Configuration"/> with real Argon2id at a cost two cores can afford thousands of times (the
    /// production parameters are Argon2idHasherTests' business), for clusters whose tests tell work apart by
    /// counting hashes, never by time.
    /// </summary>
    public static IConfiguration LowCostHashing { get; } = new ConfigurationBuilder()
        .AddConfiguration(Configuration)
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Hashing:MemoryKiB"] = "1024", ["Hashing:Iterations"] = "1" })
        .Build();

    /// <summary>The SMTP server the silos send forgot-PIN e-mails to.</summary>
    public MailCatcher Mail { get; private set; } = null!;

    /// <summary>The Twilio-compatible API the silos send SMS and voice OTPs to.</summary>
    public FakeTwilio Sms { get; private set; } = null!;

    /// <summary>reCAPTCHA, hCaptcha and Tencent verification endpoints the gateway checks captcha answers with.</summary>
    public FakeCaptchaProviders Captcha { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (_store is not null)
        {
            await _store.InitializeAsync();
        }

        Mail = new MailCatcher();
        Captcha = await FakeCaptchaProviders.StartAsync();
        Sms = await FakeTwilio.StartAsync();
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(LowCostHashing)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // This cluster's silos never change while its tests run: login statistics may wait from the start
                // (MembershipStabilityTests covers the wait; the drills' clusters keep it, and kill silos).
                ["Accounts:StableMembershipSeconds"] = "0",
                ["Email:Host"] = "127.0.0.1",
                ["Email:Port"] = Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Email:Security"] = "None",
                ["Email:From"] = "PinOrleans Tests <no-reply@pinorleans.test>",
                ["Sms:Provider"] = "Twilio",
                ["Sms:BaseUrl"] = Sms.BaseUrl,
                ["Sms:AccountSid"] = FakeTwilio.AccountSid,
                ["Sms:AuthToken"] = FakeTwilio.AuthToken,
                ["Sms:From"] = FakeTwilio.From,
                ["Sms:VoiceEnabled"] = "true",
                ["Sms:TimeoutSeconds"] = "4",
                // Pending webhook deliveries are looked at again every two seconds (production: a minute).
                ["Webhooks:ReminderPeriodSeconds"] = "2",
                // The loopback fakes (webhook receivers, Twilio) are the operator's own trusted network here.
                ["Outbound:TrustedNetworks:0"] = "127.0.0.1/32",
            })
            .Build();
        var builder = new InProcessTestClusterBuilder(Silos);
        var next = 0;
        builder.ConfigureSilo((_, silo) =>
        {
            var index = Interlocked.Increment(ref next);
            if (_store is null)
            {
                silo.AddMemoryGrainStorage(Backing);
                silo.UseInMemoryReminderService();
            }
            else
            {
                silo.AddPinOrleansStateProvider(_store.Settings, Backing);
                silo.AddPinOrleansReminders(_store.Settings);
            }

            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Store, (sp, _) =>
            {
                lock (_perSilo)
                {
                    return Silo(sp, index).Counted;
                }
            });
            silo.Services.AddSingleton<ISecretHasher>(sp =>
            {
                lock (_perSilo)
                {
                    return Silo(sp, index).Hasher;
                }
            });
            silo.Services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, Clock);
            silo.Services.AddPinOrleansGrainServices(configuration);
            silo.Services.AddSingleton<ILoggerProvider>(Logs);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Gateway = new GatewayFactory(this);
        Api = new Api(Gateway.CreateClient());
    }

    public async Task DisposeAsync()
    {
        if (_adminGateway.IsValueCreated)
        {
            await _adminGateway.Value.DisposeAsync();
        }

        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        await Mail.DisposeAsync();
        await Sms.DisposeAsync();
        await Captcha.DisposeAsync();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    private (CountingHasher Hasher, FaultInjectingStorage Storage, CountingGrainStorage Counted) Silo(IServiceProvider sp, int index)
    {
        if (!_perSilo.TryGetValue(index, out var silo))
        {
            var storage = new FaultInjectingStorage(sp.GetRequiredKeyedService<IGrainStorage>(Backing), _faults);
            silo = (new CountingHasher(new Argon2idSecretHasher(sp.GetRequiredService<IOptions<HashingOptions>>())), storage, new CountingGrainStorage(storage, sp.GetRequiredService<Operations.PinOrleansMetrics>()));
            _perSilo[index] = silo;
        }

        return silo;
    }

    /// <summary>Grain-state writes acknowledged by storage so far, over all silos (the expiry journal's batched ones aside).</summary>
    public long StorageWrites => _perSilo.Values.Sum(s => s.Counted.Stats.RecordWrites);

    /// <summary>Grain-state reads storage answered so far, over all silos (the expiry journal's aside).</summary>
    public long StorageReads => _perSilo.Values.Sum(s => s.Counted.Stats.RecordReads);

    /// <summary>Makes every silo's store fail writes (and clears) of <paramref name="grain"/> until <see cref="HealStorage"/>.</summary>
    public void FailWrites(GrainId grain) => _faults.FailWrites(grain);

    public void ConflictOnce(GrainId grain, Func<IGrainStorage, Task> otherWriter) => _faults.ConflictOnce(grain, otherWriter);

    public GrainId UserGrainId(TestTenant tenant, string uid) =>
        ((GrainReference)Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid))).GrainId;

    public void HealStorage() => _faults.Heal();

    /// <summary>
    /// What storage holds for a user right now (not the activation's memory). The memory provider keeps its data
    /// in storage grains of the cluster (a real store is shared anyway), so any silo's provider reads the same record.
    /// </summary>
    public async Task<UserState> StoredUserAsync(TestTenant tenant, string uid) =>
        (await ReadStoredUserAsync(_perSilo.Values.First().Storage.Inner, UserGrainId(tenant, uid))).State!;

    public static Task<GrainState<UserState>> ReadStoredUserAsync(IGrainStorage storage, GrainId grainId) => ReadStoredAsync<UserState>(storage, "user", grainId);

    /// <summary>What storage holds for any grain's state right now.</summary>
    public async Task<T> StoredStateAsync<T>(string stateName, IAddressable grain) where T : new() =>
        (await ReadStoredAsync<T>(_perSilo.Values.First().Storage.Inner, stateName, ((GrainReference)grain).GrainId)).State!;

    /// <summary>The store the cluster keeps its state in (null: Orleans' in-memory providers).</summary>
    public IStoreFixture? Store => _store;

    /// <summary>The store's own grain-state provider (behind the wrappers), as the first silo has it.</summary>
    public IGrainStorage StoreProvider => _perSilo.Values.First().Storage.Inner;

    /// <summary>Puts <paramref name="value"/> in storage as a grain's state, as an older release would have left it (write before the grain activates).</summary>
    public async Task WriteStoredStateAsync<T>(string stateName, IAddressable grain, T value) where T : new()
    {
        var storage = _perSilo.Values.First().Storage.Inner;
        var grainId = ((GrainReference)grain).GrainId;
        var state = await ReadStoredAsync<T>(storage, stateName, grainId);
        state.State = value;
        await storage.WriteStateAsync(stateName, grainId, state);
    }

    private static async Task<GrainState<T>> ReadStoredAsync<T>(IGrainStorage storage, string stateName, GrainId grainId) where T : new()
    {
        var state = new GrainState<T>(new T());
        await storage.ReadStateAsync(stateName, grainId, state);
        return state;
    }

    /// <summary>A fresh tenant with the given settings (defaults: the documented ones).</summary>
    public async Task<TestTenant> NewTenantAsync(TenantSettings? settings = null)
    {
        var tenant = new TestTenant(Guid.NewGuid().ToString("D"), SecretToken.New());
        await Grains.GetGrain<ITenantGrain>(tenant.ApiKey).ConfigureAsync(new TenantDefinition { Name = "Test", ApiSecret = tenant.ApiSecret, Settings = settings ?? new() });
        return tenant;
    }

    /// <summary>Creates an account with a password and PIN straight through the grains; returns its Uid.</summary>
    public async Task<string> NewAccountAsync(TestTenant tenant, string? pin = "1234", string password = "correct-horse-42", string? email = null)
    {
        var access = await Grains.GetGrain<ITenantGrain>(tenant.ApiKey).AuthorizeAsync(null, false);
        var uid = AccountKeys.NewUid();
        var outcome = await Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).CreateAsync(access.Tenant!, new NewAccount
        {
            Email = [new EmailAddress("Primary", email ?? $"{uid}@example.com")],
            Password = password,
            Pin = pin is null ? (Sensitive?)null : new Sensitive(pin),
        });
        Assert.Null(outcome.Problem);
        return uid;
    }

    /// <summary>A PIN session for the account: a password login through the grains; returns its session token.</summary>
    public async Task<string> NewSessionAsync(TestTenant tenant, string uid, string password = "correct-horse-42")
    {
        var access = await Grains.GetGrain<ITenantGrain>(tenant.ApiKey).AuthorizeAsync(null, false);
        var login = await Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).LoginWithPasswordAsync(access.Tenant!, password);
        Assert.Null(login.Problem);
        return login.Tokens!.SessionToken!;
    }

    /// <summary>A fresh tenant, an account with a PIN, and a PIN session of that account.</summary>
    public async Task<PinScenario> NewPinScenarioAsync(TenantSettings? settings = null, string pin = "1234")
    {
        var tenant = await NewTenantAsync(settings);
        var uid = await NewAccountAsync(tenant, pin);
        var session = Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await NewSessionAsync(tenant, uid))!);
        return new PinScenario(tenant, await SnapshotAsync(tenant), uid, session);
    }

    public async Task<TenantSnapshot> SnapshotAsync(TestTenant tenant) =>
        (await Grains.GetGrain<ITenantGrain>(tenant.ApiKey).AuthorizeAsync(null, false)).Tenant!;
}

/// <summary>The cluster with grain state and reminders in an Azurite of its own.</summary>
public sealed class AzureTableClusterFixture() : ClusterFixture(new AzuriteFixture());

/// <summary>The cluster with grain state and reminders in a PostgreSQL of its own.</summary>
public sealed class PostgresClusterFixture() : ClusterFixture(new PostgresFixture());

public sealed record TestTenant(string ApiKey, string ApiSecret);

public sealed record PinScenario(TestTenant Tenant, TenantSnapshot Snapshot, string Uid, IPinSessionGrain Session);

[CollectionDefinition(Name)]
[RunsLong(50)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// The HTTP edge (rate limits, captcha providers, malformed input, OpenAPI, the Node SDK, traces) on a cluster of
/// its own, so that these tests, which mostly start gateways of their own settings, run beside the cluster collection.
/// </summary>
[CollectionDefinition(Name)]
[RunsLong(25)]
public sealed class EdgeCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "edge";
}

/// <summary>The storage tests of the cluster collection, on Azurite.</summary>
[CollectionDefinition(Name)]
[RunsLong(20)]
public sealed class AzureTableClusterCollection : ICollectionFixture<AzureTableClusterFixture>
{
    public const string Name = "cluster-azuretable";
}

/// <summary>The storage tests of the cluster collection, on PostgreSQL.</summary>
[CollectionDefinition(Name)]
[RunsLong(20)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "cluster-postgres";
}
