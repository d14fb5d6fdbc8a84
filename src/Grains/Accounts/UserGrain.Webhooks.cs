using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// Webhook events of an account. An event is put in the account's outbox by the change that raises it and written
/// in the same write, so no acknowledged change loses its event. After the write (on a timer turn of its own, off
/// the request's path) the outbox is handed to one delivery grain per subscription, which stores it durably, and is
/// then emptied. A reminder stands while the outbox may hold events: if the silo dies between the write and the
/// handoff, the reminder brings the account back on another silo within <c>Webhooks:ReminderPeriodSeconds</c>, and
/// the handoff is repeated there (deliveries are idempotent while pending).
/// </summary>
public sealed partial class UserGrain
{
    private const string OutboxReminder = "webhook-outbox";
    private IGrainTimer? _flush;

    /// <summary>This activation has registered the outbox reminder (or a tick of it has reached this activation).</summary>
    private bool _outboxReminderStands;

    /// <summary>The account exists (a deleted account kept only to flush its last events does not).</summary>
    private bool Exists => state.RecordExists && !state.State.Deleted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // In memory only: the next write of the account persists it.
        state.State.UpgradeLegacyCounts();
        state.State.UpgradeLegacySecrets();
        Written();
        ScheduleFlush();
        return Task.CompletedTask;
    }

    /// <summary>Adds an event to the outbox when the tenant subscribes to it and the request does not suppress it (<see cref="WebhookEvents.Suppressed"/>).</summary>
    private void Raise(TenantSnapshot tenant, UserState user, string eventName, DateTimeOffset now, UserState? subject = null)
    {
        if (WebhookEvents.Suppressed(eventName, tenant.ApiKey))
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

    /// <summary>
    /// Right before a write that leaves events in the outbox: the reminder that picks them up if this silo dies before
    /// handing them over. Registered once per activation while events come; its first tick that finds the outbox
    /// empty forgets it. One reminder write per burst of events, none for tenants without webhooks.
    /// </summary>
    private async Task GuardOutboxAsync()
    {
        if (state.State.Outbox.Count == 0 || _outboxReminderStands)
        {
            return;
        }

        var period = webhookOptions.Value.ReminderPeriod;
        await this.RegisterOrUpdateReminder(OutboxReminder, period, period);
        _outboxReminderStands = true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != OutboxReminder)
        {
            return;
        }

        if (state.State.Outbox.Count > 0)
        {
            // Activating for this tick has already scheduled the handoff (OnActivateAsync); this only makes sure.
            _outboxReminderStands = true;
            ScheduleFlush();
            return;
        }

        if (await this.GetReminder(OutboxReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _outboxReminderStands = false;
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
                GrainFactory.Reference<IWebhookDeliveryGrain>($"{ApiKey}/{subscription}/{e.Id}").AcceptAsync(new WebhookDelivery
                {
                    ApiKey = ApiKey, SubscriptionId = subscription, EventId = e.Id, Event = e.Event, Body = e.Body,
                }))));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Delivery grains are idempotent while pending: handing the same events over again is safe.
            logger.LogWarning("Handing {Count} webhook events of account {Uid} over failed ({Error}); retrying in 5 s", pending.Count, Uid, e.GetType().Name);
            ScheduleFlush(TimeSpan.FromSeconds(5));
            return;
        }

        // Handed over: the emptied outbox is written like any change. If storage refuses, the activation goes with
        // it, and the outbox reminder (standing while storage may hold events) hands them over again elsewhere.
        state.State.Outbox.RemoveAll(e => pending.Any(p => p.Id == e.Id));
        if (state.State.Deleted && state.State.Outbox.Count == 0)
        {
            await state.ClearOrDeactivateAsync(GrainContext);
            state.State = new UserState();
        }
        else
        {
            await state.WriteOrDeactivateAsync(GrainContext);
        }

        Written();

        ScheduleFlush();
    }
}
