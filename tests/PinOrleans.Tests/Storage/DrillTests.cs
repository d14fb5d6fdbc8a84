using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Storage;

/// <summary>
/// The two faults of ./drill.sh, small enough for CI, on every store (one class per store): PIN logins through the
/// real gateway against three silos on it while one silo dies, and while the store is stopped and started again. Every failure is a LoginRadius-shaped
/// 503 with Retry-After, failures stop soon after the fault ends, and every acknowledged login is in storage
/// afterwards.
/// </summary>
public static class DrillTests
{
    [RunsLong(15)]
    public sealed class SiloDiesOnAzureTable(AzuriteFixture store) : SiloDies<AzuriteFixture>(store);

    [RunsLong(15)]
    public sealed class SiloDiesOnPostgres(PostgresFixture store) : SiloDies<PostgresFixture>(store);

    [RunsLong(30)]
    public sealed class StorageStopsOnAzureTable(AzuriteFixture store) : StorageStops<AzuriteFixture>(store);

    [RunsLong(30)]
    public sealed class StorageStopsOnPostgres(PostgresFixture store) : StorageStops<PostgresFixture>(store);

    /// <summary>One silo of three dies under PIN logins.</summary>
    public abstract class SiloDies<TStore>(TStore store) : IClassFixture<TStore> where TStore : class, IStoreFixture
    {
        [Fact]
        public async Task Killing_a_silo_under_pin_logins_gives_clean_503s_that_stop_within_ten_seconds_and_loses_nothing()
        {
            var run = await DrillAsync(store, async (drill, run) =>
            {
                var killedAt = run.Now;
                await drill.Cluster.KillSiloAsync(drill.Cluster.Silos[2]);
                return (killedAt, killedAt);
            });

            var last = run.Failures.Select(f => f.At).DefaultIfEmpty(run.FaultAt).Max();
            Assert.True(last - run.FaultAt <= 10, $"failures went on {last - run.FaultAt:F1} s after the kill ({run.Failures.Count} in all)");
            Assert.True(run.AcknowledgedCount > 100, $"only {run.AcknowledgedCount} logins acknowledged");
        }
    }

    /// <summary>
    /// The storage part of ./drill.sh: the store stopped (Azurite with SIGINT, PostgreSQL with a fast shutdown) under PIN logins until every account's logins
    /// have failed, then started again. Logins need a write, so they fail during the outage, each with a clean
    /// 503; they succeed again soon after storage is back, without restarting any silo, and every login
    /// acknowledged before, during or after the outage is in storage.
    /// </summary>
    public abstract class StorageStops<TStore>(TStore store) : IClassFixture<TStore> where TStore : class, IStoreFixture
    {
        [Fact]
        public async Task Stopping_storage_under_pin_logins_gives_clean_503s_and_recovers_without_restarts_losing_nothing()
        {
            var run = await DrillAsync(store, async (drill, run) =>
            {
                var stoppedAt = run.Now;
                await store.StopAsync();
                await Eventually.UntilAsync(() => run.AccountsFailedSince(stoppedAt) == drill.Accounts, seen: () => $"{run.AccountsFailedSince(stoppedAt)} accounts failed");
                await store.StartAsync();
                return (stoppedAt, run.Now);
            });

            Assert.Contains(run.Failures, f => f.At > run.FaultAt && f.At < run.FaultEnded + 5);
            var last = run.Failures.Select(f => f.At).Max();
            Assert.True(last - run.FaultEnded <= 10, $"failures went on {last - run.FaultEnded:F1} s after storage came back");
            Assert.True(run.SucceededAfter(last) > 20, $"only {run.SucceededAfter(last)} logins after the last failure ({last:F1} s; storage back at {run.FaultEnded:F1} s)");
        }
    }

    private sealed class Gateway(IClusterClient client) : WebApplicationFactory<ClusterClientOptions>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Cluster:Clustering", "CoHosted");
            builder.ConfigureServices(services =>
            {
                services.AddSingleton(client);
                services.AddSingleton<IGrainFactory>(client);
            });
        }
    }

    /// <summary>
    /// A drill cluster on <paramref name="store"/>, PIN logins with <paramref name="fault"/> beside them: every
    /// failure a clean 503, and every acknowledged login in storage afterwards.
    /// </summary>
    private static async Task<DrillRun> DrillAsync(IStoreFixture store, Func<DrillCluster, DrillRun, Task<(double Began, double Ended)>> fault)
    {
        await using var drill = await DrillCluster.StartAsync(store.Settings);
        var run = await drill.RunAsync(run => fault(drill, run));
        Assert.DoesNotContain(run.Failures, f => f.What != "503");
        await drill.AssertNothingLostAsync(run);
        return run;
    }

    /// <summary>How long the logins go on after a fault is over: failures must stop within ten seconds of it.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(12);

    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);

    /// <summary>What the logins of one drill saw, as it happens; times in seconds since the logins began.</summary>
    private sealed class DrillRun
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public double Now => _clock.Elapsed.TotalSeconds;

        /// <summary>Each account's acknowledged PIN logins: when, and the access token each answered.</summary>
        public ConcurrentDictionary<string, ConcurrentQueue<(double At, string AccessToken)>> Acknowledged { get; } = new();

        public int AcknowledgedCount => Acknowledged.Values.Sum(q => q.Count);

        public ConcurrentQueue<(double At, string Account, string What)> Failures { get; } = new();

        public ConcurrentQueue<double> Successes { get; } = new();

        /// <summary>When the fault began, and when it was over.</summary>
        public double FaultAt { get; set; }

        public double FaultEnded { get; set; }

        public int SucceededAfter(double seconds) => Successes.Count(at => at > seconds);

        public int AccountsFailedSince(double seconds) => Failures.Where(f => f.At >= seconds).Select(f => f.Account).Distinct().Count();
    }

    /// <summary>Three silos on the store's grain state (membership in memory), a real gateway, a tenant and twelve accounts with PIN sessions.</summary>
    private sealed class DrillCluster : IAsyncDisposable
    {
        private DrillCluster(InProcessTestCluster cluster, Gateway gateway, Api api, TestTenant tenant, List<(string Email, string Session)> accounts)
        {
            Cluster = cluster;
            _gateway = gateway;
            _api = api;
            _tenant = tenant;
            _accounts = accounts;
        }

        private readonly Gateway _gateway;
        private readonly Api _api;
        private readonly TestTenant _tenant;
        private readonly List<(string Email, string Session)> _accounts;

        public InProcessTestCluster Cluster { get; }

        public int Accounts => _accounts.Count;

        public static async Task<DrillCluster> StartAsync(StorageSettings storage)
        {
            var builder = new InProcessTestClusterBuilder(3);
            builder.Options.ServiceId = $"drill-{Guid.NewGuid():N}";
            builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
            builder.ConfigureSilo((_, silo) =>
            {
                silo.AddPinOrleansStateStore(storage);
                silo.Services.AddPinOrleansGrainServices(ClusterFixture.LowCostHashing);
                silo.Configure<ClusterMembershipOptions>(o =>
                {
                    o.ProbeTimeout = TimeSpan.FromSeconds(2);
                    o.NumMissedProbesLimit = 3;
                });
            });
            builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
            var cluster = builder.Build();
            await cluster.DeployAsync();
            var apiKey = Guid.NewGuid().ToString("D");
            var secret = Guid.NewGuid().ToString("D");
            await cluster.Client.GetGrain<ITenantGrain>(apiKey).ConfigureAsync(new TenantDefinition { Name = "Drill", ApiSecret = new Sensitive(secret) });
            var gateway = new Gateway(cluster.Client);
            var api = new Api(gateway.CreateClient());
            var tenant = new TestTenant(apiKey, secret);
            var accounts = new List<(string Email, string Session)>();
            for (var i = 0; i < 12; i++)
            {
                accounts.Add(await api.AccountWithSessionAsync(tenant));
            }

            return new DrillCluster(cluster, gateway, api, tenant, accounts);
        }

        /// <summary>
        /// PIN logins on every account, each in a loop; once every account has logged in, <paramref name="fault"/>
        /// beside them (it answers when it began and when it was over); the loops go on for <see cref="Watch"/> after that.
        /// </summary>
        public async Task<DrillRun> RunAsync(Func<DrillRun, Task<(double Began, double Ended)>> fault)
        {
            var run = new DrillRun();
            using var stop = new CancellationTokenSource();
            var load = _accounts.Select(async account =>
            {
                // Each account logs in at most every Pace, as a busy client would: enough to keep logins in flight
                // on every silo, not so many that the drill takes both cores from the tests beside it.
                using var pace = new PeriodicTimer(Pace);
                while (!stop.IsCancellationRequested)
                {
                    var response = await _api.PinLoginAsync(_tenant, account.Session, "7890");
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var at = run.Now;
                        var token = JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
                        run.Acknowledged.GetOrAdd(account.Email, _ => new()).Enqueue((at, token));
                        run.Successes.Enqueue(at);
                    }
                    else
                    {
                        run.Failures.Enqueue((run.Now, account.Email, IsCleanUnavailable(response, body) ? "503" : $"unclean HTTP {(int)response.StatusCode}: {body}"));
                    }

                    await pace.WaitForNextTickAsync();
                }
            }).ToList();

            await Eventually.UntilAsync(() => run.Acknowledged.Count == _accounts.Count, seen: () => $"{run.Acknowledged.Count} accounts logged in");
            (run.FaultAt, run.FaultEnded) = await fault(run);
            stop.CancelAfter(Watch);
            await Task.WhenAll(load);
            return run;
        }

        /// <summary>
        /// Every access token a PIN login acknowledged still validates (its token pair was written before the answer),
        /// and every account counts the logins acknowledged to it (plus the password login that opened its session),
        /// but for those answered from <see cref="AccountWriteOptions.LoginStatisticsWriteSeconds"/> before the
        /// fault to its end: their statistics may not have been written yet when the silo died or storage stopped.
        /// </summary>
        public async Task AssertNothingLostAsync(DrillRun run)
        {
            var window = new AccountWriteOptions().LoginStatisticsWriteSeconds;
            foreach (var (email, _) in _accounts)
            {
                var acknowledged = run.Acknowledged.GetValueOrDefault(email)?.ToList() ?? [];
                var profile = await Api.ExpectAsync(await _api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account?apikey={_tenant.ApiKey}&email={Uri.EscapeDataString(email)}",
                    headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = _tenant.ApiSecret }), HttpStatusCode.OK);
                // Only logins answered from the stretch before the fault up to a second after its end may be missing.
                var mustBeCounted = acknowledged.Count(l => l.At < run.FaultAt - window || l.At > run.FaultEnded + 1);
                var counted = profile.GetProperty("NoOfLogins").GetInt32();
                Assert.True(counted >= mustBeCounted + 1,
                    $"{email}: logins lost: {counted} counted, {acknowledged.Count} acknowledged ({mustBeCounted} outside the {window} s before the fault at {run.FaultAt:F1} s to a second after its end at {run.FaultEnded:F1} s; answered at {string.Join(' ', acknowledged.Select(l => l.At.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))})");

                var dead = 0;
                await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (login, _) =>
                {
                    var answer = await _api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={_tenant.ApiKey}&access_token={login.AccessToken}");
                    if (answer.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref dead);
                    }
                });
                Assert.True(dead == 0, $"{email}: {dead} of {acknowledged.Count} acknowledged access tokens no longer validate");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _gateway.DisposeAsync();
            await Cluster.DisposeAsync();
        }

        private static bool IsCleanUnavailable(HttpResponseMessage response, string body) =>
            response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
            && JsonDocument.Parse(body).RootElement is var json && json.GetProperty("ErrorCode").GetInt32() == 503
            && json.TryGetProperty("IsProviderError", out _) && json.TryGetProperty("ProviderErrorResponse", out _);
    }
}
