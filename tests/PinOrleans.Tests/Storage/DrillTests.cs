using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Storage;

/// <summary>
/// The silo-kill part of ./drill.sh, small enough for CI: PIN logins through the real gateway against three silos
/// on Azurite while one silo dies. Every failure is a LoginRadius-shaped 503 with Retry-After, failures stop within
/// ten seconds, and every acknowledged login is in storage afterwards.
/// </summary>
public sealed class DrillTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
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

    [Fact]
    public async Task Killing_a_silo_under_pin_logins_gives_clean_503s_that_stop_within_ten_seconds_and_loses_nothing()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.Options.ServiceId = $"drill-{Guid.NewGuid():N}";
        builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPinOrleansStateStore(azurite.ConnectionString);
            silo.Services.AddPinOrleansGrainServices(ClusterFixture.Configuration);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 3;
            });
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var apiKey = Guid.NewGuid().ToString("D");
            var secret = Guid.NewGuid().ToString("D");
            await cluster.Client.GetGrain<ITenantGrain>(apiKey).ConfigureAsync(new TenantDefinition { Name = "Drill", ApiSecret = new Sensitive(secret) });
            await using var gateway = new Gateway(cluster.Client);
            var api = new Api(gateway.CreateClient());
            var tenant = new TestTenant(apiKey, secret);
            var accounts = new List<(string Email, string Session)>();
            for (var i = 0; i < 12; i++)
            {
                accounts.Add(await api.AccountWithSessionAsync(tenant));
            }

            var acknowledged = new ConcurrentDictionary<string, int>();
            var failures = new ConcurrentQueue<(double At, string What)>();
            var clock = Stopwatch.StartNew();
            double? killedAt = null;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var load = accounts.Select(async account =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var response = await api.PinLoginAsync(tenant, account.Session, "7890");
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        acknowledged.AddOrUpdate(account.Email, 1, (_, n) => n + 1);
                        continue;
                    }

                    var clean = response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
                        && JsonDocument.Parse(body).RootElement is var json && json.GetProperty("ErrorCode").GetInt32() == 503
                        && json.TryGetProperty("IsProviderError", out _) && json.TryGetProperty("ProviderErrorResponse", out _);
                    failures.Enqueue((clock.Elapsed.TotalSeconds, clean ? "503" : $"unclean HTTP {(int)response.StatusCode}: {body}"));
                    await Task.Delay(100);
                }
            }).ToList();

            await Task.Delay(3000);
            killedAt = clock.Elapsed.TotalSeconds;
            await cluster.KillSiloAsync(cluster.Silos[2]);
            await Task.WhenAll(load);

            Assert.DoesNotContain(failures, f => f.What != "503");
            var last = failures.Select(f => f.At).DefaultIfEmpty(killedAt.Value).Max();
            Assert.True(last - killedAt.Value <= 10, $"failures went on {last - killedAt.Value:F1} s after the kill ({failures.Count} in all)");
            Assert.True(acknowledged.Values.Sum() > 100, $"only {acknowledged.Values.Sum()} logins acknowledged");
            foreach (var (email, _) in accounts)
            {
                var profile = await Api.ExpectAsync(await api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account?apikey={apiKey}&email={Uri.EscapeDataString(email)}",
                    headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = secret }), HttpStatusCode.OK);
                Assert.True(profile.GetProperty("NoOfLogins").GetInt32() >= acknowledged.GetValueOrDefault(email) + 1, $"{email}: logins lost");
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
