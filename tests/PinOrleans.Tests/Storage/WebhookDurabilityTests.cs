using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Orleans.TestingHost;
using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Storage;

[RunsLong(20)]
public sealed class AzureTableWebhookDurabilityTests(AzuriteFixture store) : WebhookDurabilityTests<AzuriteFixture>(store);

[RunsLong(20)]
public sealed class PostgresWebhookDurabilityTests(PostgresFixture store) : WebhookDurabilityTests<PostgresFixture>(store);

/// <summary>Pending webhook deliveries live in the store with reminders: a silo that dies with some of them loses none.</summary>
public abstract class WebhookDurabilityTests<TStore>(TStore store) : IClassFixture<TStore> where TStore : class, IStoreFixture
{
    private const int Events = 12;

    [Fact]
    public async Task Killing_the_silo_that_holds_pending_deliveries_loses_none()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var cluster = await StartClusterAsync();
        try
        {
            var apiKey = Guid.NewGuid().ToString("D");
            var tenant = await HookedTenantAsync(cluster, apiKey, receiver);
            var subscription = Assert.Single(tenant.Settings.Webhooks.Subscriptions).Id;

            receiver.FailWith = 503;
            for (var i = 0; i < Events; i++)
            {
                var uid = AccountKeys.NewUid();
                var user = cluster.Client.GetGrain<IUserGrain>(AccountKeys.User(apiKey, uid));
                Assert.Null((await user.CreateAsync(tenant, new NewAccount { Email = [new EmailAddress("Primary", $"{uid}@example.com")], Password = "hooked-password-1" })).Problem);
                Assert.Null((await user.LoginWithPasswordAsync(tenant, "hooked-password-1")).Problem);
            }

            // Every event has been tried once and is now pending, spread over the silos.
            var hookIds = await Eventually.UntilAsync(() => Task.FromResult(receiver.Attempts.Select(HookId).ToHashSet()), ids => ids.Count >= Events);
            Assert.Equal(Events, hookIds.Count);
            var management = cluster.Client.GetGrain<IManagementGrain>(0);
            var homes = await Task.WhenAll(hookIds.Select(id => management.GetActivationAddress(cluster.Client.GetGrain<IWebhookDeliveryGrain>($"{apiKey}/{subscription}/{id}")).AsTask()));
            var victim = cluster.Silos.Skip(1).MaxBy(s => homes.Count(h => s.SiloAddress.Equals(h)))!;
            var held = homes.Count(h => victim.SiloAddress.Equals(h));
            Assert.True(held > 0, $"no pending delivery on a silo other than the first: {string.Join(", ", homes.Select(h => h?.ToString() ?? "none"))}");

            await cluster.KillSiloAsync(victim);
            receiver.FailWith = null;

            var delivered = await receiver.WaitForAsync(_ => true, Events, TimeSpan.FromSeconds(90));
            var arrived = receiver.Deliveries.Select(HookId).ToHashSet();
            Assert.True(hookIds.SetEquals(arrived), $"{held} deliveries were on the killed silo; missing: {string.Join(", ", hookIds.Except(arrived))}");
            Assert.True(delivered.Count >= Events);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// The silo dies after a login wrote its event into the account's outbox but before the event was handed to a
    /// delivery grain (handoffs are held back here until the kill). Nobody touches those accounts again, yet their
    /// events arrive: the outbox reminder brings each account back on a surviving silo, which hands the events over.
    /// </summary>
    [Fact]
    public async Task Killing_the_silo_between_a_change_and_its_handoff_loses_no_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var cluster = await StartClusterAsync(holdHandoffs: true);
        try
        {
            var apiKey = Guid.NewGuid().ToString("D");
            var tenant = await HookedTenantAsync(cluster, apiKey, receiver);
            HeldHandoffs.Clear();
            _holdHandoffs = true;
            var management = cluster.Client.GetGrain<IManagementGrain>(0);
            var homes = new Dictionary<string, SiloAddress>();
            for (var i = 0; i < Events; i++)
            {
                var uid = AccountKeys.NewUid();
                var user = cluster.Client.GetGrain<IUserGrain>(AccountKeys.User(apiKey, uid));
                Assert.Null((await user.CreateAsync(tenant, new NewAccount { Email = [new EmailAddress("Primary", $"{uid}@example.com")], Password = "hooked-password-1" })).Problem);
                Assert.Null((await user.LoginWithPasswordAsync(tenant, "hooked-password-1")).Problem);
                homes[uid] = (await management.GetActivationAddress(user))!;
            }

            var victim = cluster.Silos.Skip(1).MaxBy(s => homes.Values.Count(h => s.SiloAddress.Equals(h)))!;
            var stranded = homes.Where(h => victim.SiloAddress.Equals(h.Value)).Select(h => h.Key).ToHashSet();
            Assert.NotEmpty(stranded);
            // Every account has tried to hand its event over, and been held back: so nothing was sent.
            await Eventually.UntilAsync(() => HeldHandoffs.Count >= Events, seen: () => $"{HeldHandoffs.Count} of {Events} handoffs held");
            Assert.Empty(receiver.Attempts);

            await cluster.KillSiloAsync(victim);
            _holdHandoffs = false;

            var logins = await receiver.WaitForAsync(d => Uid(d) is { } uid && stranded.Contains(uid), stranded.Count, TimeSpan.FromSeconds(90));
            Assert.Equal(stranded, logins.Select(d => Uid(d)!).ToHashSet());
            await receiver.WaitForAsync(d => Uid(d) is not null, Events, TimeSpan.FromSeconds(30));
            Assert.Equal(homes.Keys.ToHashSet(), receiver.Deliveries.Select(d => Uid(d)!).ToHashSet());
        }
        finally
        {
            _holdHandoffs = false;
            await cluster.DisposeAsync();
        }
    }

    /// <summary>While set (and the cluster was started to honour it), no delivery grain accepts a handoff.</summary>
    private static volatile bool _holdHandoffs;

    /// <summary>The delivery grains whose handoff was held back.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<GrainId, bool> HeldHandoffs = new();

    private static string? Uid(WebhookReceiver.Delivery delivery) =>
        JsonDocument.Parse(delivery.Body).RootElement.GetProperty("Data") is { ValueKind: JsonValueKind.Object } data && data.TryGetProperty("Uid", out var uid) ? uid.GetString() : null;

    private static async Task<TenantSnapshot> HookedTenantAsync(InProcessTestCluster cluster, string apiKey, WebhookReceiver receiver) =>
        await cluster.Client.GetGrain<ITenantGrain>(apiKey).ConfigureAsync(new TenantDefinition
        {
            Name = "Hooked",
            ApiSecret = SecretToken.New(),
            Settings = new TenantSettings
            {
                Webhooks = new WebhookPolicy
                {
                    MaxAttempts = 50, RetryBaseSeconds = 0.5, MaxRetryDelaySeconds = 2, TimeoutSeconds = 2,
                    Subscriptions = [new WebhookSubscription { Event = WebhookEvents.Login, TargetUrl = receiver.Url("/hooks/login") }],
                },
            },
        });

    private static string HookId(WebhookReceiver.Delivery delivery) =>
        JsonDocument.Parse(delivery.Body).RootElement.GetProperty("HookId").GetString()!;

    private async Task<InProcessTestCluster> StartClusterAsync(bool holdHandoffs = false)
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(ClusterFixture.LowCostHashing)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Webhooks:ReminderPeriodSeconds"] = "2", ["Outbound:TrustedNetworks:0"] = "127.0.0.1/32" })
            .Build();
        var builder = new InProcessTestClusterBuilder(3);
        builder.Options.ServiceId = $"webhooks-{Guid.NewGuid():N}";
        builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            // Grain state and reminders in the store; membership stays the test cluster's own.
            silo.AddPinOrleansStateStore(store.Settings);
            silo.AddPinOrleansReminders(store.Settings);
            silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            silo.Services.AddPinOrleansGrainServices(configuration);
            if (holdHandoffs)
            {
                silo.AddIncomingGrainCallFilter(context =>
                {
                    if (_holdHandoffs && context.InterfaceMethod?.Name == nameof(IWebhookDeliveryGrain.AcceptAsync))
                    {
                        HeldHandoffs[context.TargetId] = true;
                        throw new TimeoutException("the test holds handoffs back");
                    }

                    return context.Invoke();
                });
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
