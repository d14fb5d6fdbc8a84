using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Storage;

/// <summary>
/// A storage outage stops writes, not reads, on every store: with the store stopped, a live access token still validates (even of an
/// account whose login was just refused) and a locked account is still refused as locked, while a request that needs
/// a write is refused with a LoginRadius 503 and Retry-After at once; when storage is back, writes succeed again
/// without restarting anything (the silo's storage circuit closes).
/// </summary>
[RunsLong(10)]
public sealed class AzureTableOutageTests(AzuriteFixture store) : OutageTests<AzuriteFixture>(store);

/// <summary>Against PostgreSQL.</summary>
[RunsLong(10)]
public sealed class PostgresOutageTests(PostgresFixture store) : OutageTests<PostgresFixture>(store);

/// <summary>Against a real store (one derived class per store).</summary>
public abstract class OutageTests<TStore>(TStore store) : IClassFixture<TStore> where TStore : class, IStoreFixture
{
    /// <summary>A short timeout and open period, so the test waits on neither.</summary>
    private static readonly IConfiguration Settings = new ConfigurationBuilder()
        .AddConfiguration(ClusterFixture.LowCostHashing)
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:OperationTimeoutSeconds"] = "0.5",
            ["Storage:CircuitFailures"] = "2",
            ["Storage:CircuitOpenSeconds"] = "0.5",
        })
        .Build();

    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task With_storage_stopped_reads_are_answered_writes_are_refused_at_once_and_writes_succeed_again_when_it_is_back()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = $"outage-{Guid.NewGuid():N}";
        builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPinOrleansStateStore(store.Settings);
            silo.Services.AddPinOrleansGrainServices(Settings);
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10)));
        await using var cluster = builder.Build();
        await cluster.DeployAsync();
        var tenant = new TestTenant(Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("D"));
        await cluster.Client.GetGrain<ITenantGrain>(tenant.ApiKey).ConfigureAsync(new TenantDefinition { Name = "Outage", ApiSecret = new Sensitive(tenant.ApiSecret) });
        await using var gateway = new Gateway(cluster.Client);
        var api = new Api(gateway.CreateClient());

        var (_, aliceSession) = await api.AccountWithSessionAsync(tenant);
        var token = (await Api.ExpectAsync(await api.PinLoginAsync(tenant, aliceSession, "7890"), HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
        var (_, bobSession) = await api.AccountWithSessionAsync(tenant);
        await LockAsync(api, tenant, bobSession);

        await store.StopAsync();
        try
        {
            // Needs a write: refused with a clean 503 within the bound, the first after the timeout, the next at once.
            for (var i = 0; i < 4; i++)
            {
                var clock = Stopwatch.StartNew();
                var refused = await api.PinLoginAsync(tenant, aliceSession, "7890");
                clock.Stop();
                await Api.ExpectErrorAsync(refused, 503, 503);
                Assert.NotNull(refused.Headers.RetryAfter);
                Assert.True(clock.Elapsed < RefusalBound, $"refusal {i} took {clock.Elapsed.TotalMilliseconds:F0} ms");
            }

            // Needs no write: answered as before, even for the account whose login storage just refused.
            for (var i = 0; i < 5; i++)
            {
                await Api.ExpectAsync(await ValidateAsync(api, tenant, token), HttpStatusCode.OK);
                await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, bobSession, "0000"), 403, 1198);
                await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, bobSession, "7890"), 403, 1198);
            }
        }
        finally
        {
            await store.StartAsync();
        }

        // Storage is back: a probe closes the circuit, and logins are written again; nothing was restarted.
        await Eventually.UntilAsync(async () => (await api.PinLoginAsync(tenant, aliceSession, "7890")).StatusCode == HttpStatusCode.OK,
            seen: () => "PIN logins still refused after storage came back");
        await Api.ExpectAsync(await ValidateAsync(api, tenant, token), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, bobSession, "7890"), 403, 1198);
    }

    /// <summary>Wrong PINs until the account is locked (1198).</summary>
    private static async Task LockAsync(Api api, TestTenant tenant, string session)
    {
        for (var i = 0; i < 10; i++)
        {
            var answer = await api.PinLoginAsync(tenant, session, "0000");
            if (answer.StatusCode == HttpStatusCode.Forbidden)
            {
                await Api.ExpectErrorAsync(answer, 403, 1198);
                return;
            }

            await Api.ExpectErrorAsync(answer, 401, 1236);
        }

        Assert.Fail("the account did not lock");
    }

    private static Task<HttpResponseMessage> ValidateAsync(Api api, TestTenant tenant, string token) =>
        api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={token}");

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
}
