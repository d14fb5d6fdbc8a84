using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DurableWriteTests(ClusterFixture fixture) : DurableWriteSuite(fixture);

[Collection(AzureTableClusterCollection.Name)]
public sealed class AzureTableDurableWriteTests(AzureTableClusterFixture fixture) : DurableWriteSuite(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresDurableWriteTests(PostgresClusterFixture fixture) : DurableWriteSuite(fixture);

/// <summary>
/// Every grain that writes state follows the one policy: a write storage refused is never served afterwards. On
/// every store (in memory, Azurite, PostgreSQL: one class each), the failures injected in front of the store's provider.
/// </summary>
public abstract class DurableWriteSuite(ClusterFixture fixture)
{
    private async Task RefusedAsync(IAddressable grain, Func<Task> write)
    {
        fixture.FailWrites(((GrainReference)grain).GrainId);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(write);
        }
        finally
        {
            fixture.HealStorage();
        }
    }

    [Fact]
    public async Task An_identifier_claim_storage_refused_is_not_served_as_the_owner()
    {
        var tenant = await fixture.NewTenantAsync();
        var index = fixture.Grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, $"{Guid.NewGuid():N}@example.com"));

        await RefusedAsync(index, () => index.ClaimAsync("uid-1"));

        Assert.Null(await index.ResolveAsync());
        Assert.Equal("uid-1", await index.ClaimAsync("uid-1"));
        Assert.Equal("uid-1", (await fixture.StoredStateAsync<IdentifierState>("identifier", index)).Uid);
    }

    [Fact]
    public async Task A_dead_letter_storage_refused_is_not_listed()
    {
        var log = fixture.Grains.GetGrain<IWebhookLogGrain>($"{Guid.NewGuid()}/{Guid.NewGuid()}");
        var letter = new DeadLetter { Delivery = new WebhookDelivery { EventId = "event-1", Event = WebhookEvents.Login, Body = "{}" }, Attempts = 8, LastError = "HTTP 500" };

        await RefusedAsync(log, () => log.AddAsync(letter));

        Assert.Empty(await log.ListAsync());
        await log.AddAsync(letter);
        Assert.Equal("event-1", Assert.Single(await log.ListAsync()).Delivery.EventId);
    }

    [Fact]
    public async Task A_delivery_storage_refused_is_not_taken_for_pending_when_it_is_handed_over_again()
    {
        // A target that never answers and retries far apart: the delivery stays pending for the whole test.
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            Webhooks = new WebhookPolicy
            {
                RetryBaseSeconds = 3600,
                Subscriptions = [new WebhookSubscription { Event = WebhookEvents.Login, TargetUrl = $"http://127.0.0.1:{TestEnvironment.FreePort()}/hooks" }],
            },
        });
        var subscription = Assert.Single((await fixture.SnapshotAsync(tenant)).Settings.Webhooks.Subscriptions);
        var delivery = new WebhookDelivery { ApiKey = tenant.ApiKey, SubscriptionId = subscription.Id, EventId = Guid.NewGuid().ToString(), Event = WebhookEvents.Login, Body = "{}" };
        var grain = fixture.Grains.GetGrain<IWebhookDeliveryGrain>(delivery.Key);

        await RefusedAsync(grain, () => grain.AcceptAsync(delivery));

        // The account hands it over again: acknowledged only once it is stored.
        await grain.AcceptAsync(delivery);
        Assert.Equal(delivery, (await fixture.StoredStateAsync<WebhookDeliveryState>("webhook", grain)).Delivery);
        await fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey).DeleteWebhookAsync(subscription.Id);
    }
}
