using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// Webhook events of an account. An event is put in the account's outbox by the change that raises it and written
/// in the same write, so no acknowledged change loses its event. After the write (on a timer turn of its own, off
/// the request's path) the outbox is handed to one delivery grain per subscription, which stores it durably, and is
/// then emptied; a handoff cut short by a dead silo is repeated when the account next activates (deliveries are
/// idempotent while pending).
/// </summary>
public sealed partial class UserGrain
{
    private IGrainTimer? _flush;

    /// <summary>The account exists (a deleted account kept only to flush its last events does not).</summary>
    private bool Exists => state.RecordExists && !state.State.Deleted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ScheduleFlush();
        return Task.CompletedTask;
    }

    /// <summary>Adds an event to the outbox when the tenant subscribes to it and the request did not ask for none.</summary>
    private void Raise(TenantSnapshot tenant, UserState user, string eventName, DateTimeOffset now, UserState? subject = null)
    {
        if (WebhookEvents.Suppressed)
        {
            return;
        }

        var subscriptions = tenant.Settings.Webhooks.For(eventName).Select(s => s.Id).ToList();
        if (subscriptions.Count == 0)
        {
            return;
        }

        var id = Guid.NewGuid().ToString();
        var body = new JsonObject
        {
            ["HookName"] = eventName,
            ["Time"] = ProfileDocument.Timestamp(now),
            ["HookId"] = id,
            ["Data"] = ProfileDocument.Render((subject ?? user).ToProfile(now)),
        };
        user.Outbox.Add(new PendingWebhook { Id = id, Event = eventName, Body = body.ToJsonString(), SubscriptionIds = subscriptions });
    }

    private void ScheduleFlush(TimeSpan? due = null)
    {
        if (state.State.Outbox.Count == 0 || (_flush is not null && due is null))
        {
            return;
        }

        _flush?.Dispose();
        _flush = this.RegisterGrainTimer(FlushOutboxAsync, new GrainTimerCreationOptions(due ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    private async Task FlushOutboxAsync(CancellationToken cancellation)
    {
        _flush = null;
        var pending = state.State.Outbox.ToList();
        try
        {
            await Task.WhenAll(pending.SelectMany(e => e.SubscriptionIds.Select(subscription =>
                GrainFactory.GetGrain<IWebhookDeliveryGrain>($"{ApiKey}/{subscription}/{e.Id}").AcceptAsync(new WebhookDelivery
                {
                    ApiKey = ApiKey, SubscriptionId = subscription, EventId = e.Id, Event = e.Event, Body = e.Body,
                }))));
            state.State.Outbox.RemoveAll(e => pending.Any(p => p.Id == e.Id));
            if (state.State.Deleted && state.State.Outbox.Count == 0)
            {
                await state.ClearStateAsync();
                state.State = new UserState();
            }
            else
            {
                await state.WriteStateAsync();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Delivery grains are idempotent while pending: handing the same events over again is safe.
            logger.LogWarning("Handing {Count} webhook events of account {Uid} over failed ({Error}); retrying in 5 s", pending.Count, Uid, e.GetType().Name);
            if (e is InconsistentStateException)
            {
                await state.ReadStateAsync();
            }

            ScheduleFlush(TimeSpan.FromSeconds(5));
            return;
        }

        ScheduleFlush();
    }
}
