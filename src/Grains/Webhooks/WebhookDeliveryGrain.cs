using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PinOrleans.Tenants;

namespace PinOrleans.Webhooks;

/// <summary>Silo-wide delivery settings (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookDeliveryOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// How often the reminder of a pending delivery (or of an account with events not yet handed over) fires: the
    /// longest they wait after their silo died.
    /// </summary>
    public double ReminderPeriodSeconds { get; set; } = 60;

    public TimeSpan ReminderPeriod => TimeSpan.FromSeconds(Math.Max(1, ReminderPeriodSeconds));
}

[GenerateSerializer, Alias("PinOrleans.WebhookDeliveryState")]
public sealed class WebhookDeliveryState
{
    [Id(0)] public WebhookDelivery? Delivery { get; set; }
    [Id(1)] public int Attempts { get; set; }
    [Id(2)] public DateTimeOffset NextAttemptAt { get; set; }
    [Id(3)] public string LastError { get; set; } = "";
}

/// <summary>
/// One event for one subscription until it is delivered or dead. The delivery is written before it is acknowledged
/// and a reminder stands while it is pending, so neither a dead silo nor a dead receiver loses it. Attempts run on a
/// grain timer (never on the caller's turn), back off exponentially with jitter, and stop after the tenant's
/// <c>Webhooks:MaxAttempts</c>: then the delivery goes to the subscription's dead-letter list.
/// </summary>
public sealed partial class WebhookDeliveryGrain(
    [PersistentState("webhook", StorageNames.Store)] IPersistentState<WebhookDeliveryState> state,
    WebhookSender sender,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    IOptions<WebhookDeliveryOptions> options,
    ILogger<WebhookDeliveryGrain> logger,
    Operations.PinOrleansMetrics metrics) : Grain, IWebhookDeliveryGrain, IRemindable
{
    private const string ReminderName = "deliver";

    private IGrainTimer? _timer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Delivery is not null)
        {
            Schedule(state.State.NextAttemptAt - time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public async Task AcceptAsync(WebhookDelivery delivery)
    {
        if (state.State.Delivery is not null)
        {
            return;
        }

        // The reminder first: if this silo dies right after the write, the delivery is picked up elsewhere (a reminder
        // without a delivery forgets itself at its first tick).
        await this.RegisterOrUpdateReminder(ReminderName, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
        state.State = new WebhookDeliveryState { Delivery = delivery, NextAttemptAt = time.GetUtcNow() };
        await state.WriteOrDeactivateAsync(GrainContext);
        Schedule(TimeSpan.Zero);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Delivery is null)
        {
            await ForgetReminderAsync();
        }
        else if (_timer is null)
        {
            // The silo that held this delivery died (or the activation was collected): pick it up here.
            Schedule(state.State.NextAttemptAt - time.GetUtcNow());
        }
    }

    private void Schedule(TimeSpan due)
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(AttemptAsync, new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan));
    }

    private async Task AttemptAsync(CancellationToken cancellation)
    {
        _timer = null;
        if (state.State.Delivery is not { } delivery)
        {
            return;
        }

        // Asked for on each attempt, secrets whole: the subscription as it is now (gone, or its tenant's plan: dropped).
        var tenant = GrainFactory.Reference<ITenantGrain>(delivery.ApiKey);
        if (await tenant.GetWebhookTargetAsync(delivery.SubscriptionId) is not (var settings, var subscription))
        {
            LogDropped(logger, delivery.EventId, delivery.SubscriptionId);
            metrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
            await FinishAsync();
            return;
        }

        // Subscriptions made before signing keys existed have none: they keep LoginRadius' API-secret signature.
        var apiSecretSigned = subscription.SignWithApiSecret || subscription.SigningKey is null;
        var legacy = apiSecretSigned ? await tenant.SignAsync(delivery.Body) : null;
        var attempt = apiSecretSigned && legacy is null
            ? new WebhookAttempt(false, null, "the tenant's API secret is not held (set it again to sign webhooks)")
            : await sender.SendAsync(subscription, settings, delivery.Body, legacy, time.GetUtcNow(), cancellation);
        state.State.Attempts++;
        if (attempt.Delivered)
        {
            metrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "delivered"));
            await FinishAsync();
            return;
        }

        state.State.LastError = attempt.Error;
        if (state.State.Attempts >= settings.MaxAttempts)
        {
            LogDead(logger, delivery.Event, delivery.EventId, delivery.SubscriptionId, state.State.Attempts, attempt.Error);
            metrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "dead_letter"));
            await GrainFactory.Reference<IWebhookLogGrain>($"{delivery.ApiKey}/{delivery.SubscriptionId}").AddAsync(new DeadLetter
            {
                Delivery = delivery, Attempts = state.State.Attempts, LastError = attempt.Error, FailedAt = time.GetUtcNow(),
            });
            await FinishAsync();
            return;
        }

        var delay = settings.RetryDelay(state.State.Attempts, Random.Shared.NextDouble());
        state.State.NextAttemptAt = time.GetUtcNow() + delay;
        metrics.WebhookDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "retry"));
        LogRetry(logger, delivery.EventId, delivery.SubscriptionId, state.State.Attempts, attempt.Error, delay.TotalSeconds);
        await state.WriteOrDeactivateAsync(GrainContext);
        Schedule(delay);
    }

    private async Task FinishAsync()
    {
        await state.ClearOrDeactivateAsync(GrainContext);
        state.State = new WebhookDeliveryState();
        await ForgetReminderAsync();
        DeactivateOnIdle();
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} for subscription {SubscriptionId}: attempt {Attempts} failed ({Error}); next in {DelaySeconds:F1} s")]
    private static partial void LogRetry(ILogger logger, string eventId, string subscriptionId, int attempts, string error, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Event} {EventId} for subscription {SubscriptionId} dead after {Attempts} attempts ({Error})")]
    private static partial void LogDead(ILogger logger, string @event, string eventId, string subscriptionId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} dropped: subscription {SubscriptionId} no longer exists")]
    private static partial void LogDropped(ILogger logger, string eventId, string subscriptionId);
}

[GenerateSerializer, Alias("PinOrleans.WebhookLogState")]
public sealed class WebhookLogState
{
    [Id(0)] public List<DeadLetter> DeadLetters { get; set; } = [];
}

/// <summary>A subscription's dead letters (the newest 500), listed and redelivered through the management API.</summary>
public sealed class WebhookLogGrain([PersistentState("webhooklog", StorageNames.Store)] IPersistentState<WebhookLogState> state) : Grain, IWebhookLogGrain
{
    private const int Keep = 500;

    public async Task AddAsync(DeadLetter letter)
    {
        var letters = state.State.DeadLetters;
        letters.RemoveAll(l => l.Delivery.EventId == letter.Delivery.EventId);
        letters.Add(letter);
        if (letters.Count > Keep)
        {
            letters.RemoveRange(0, letters.Count - Keep);
        }

        await state.WriteOrDeactivateAsync(GrainContext);
    }

    public Task<IReadOnlyList<DeadLetter>> ListAsync() => Task.FromResult<IReadOnlyList<DeadLetter>>(state.State.DeadLetters.ToList());

    public async Task<bool> RedeliverAsync(string eventId)
    {
        if (state.State.DeadLetters.FirstOrDefault(l => l.Delivery.EventId == eventId) is not { } letter)
        {
            return false;
        }

        await GrainFactory.Reference<IWebhookDeliveryGrain>(letter.Delivery.Key).AcceptAsync(letter.Delivery);
        state.State.DeadLetters.Remove(letter);
        await state.WriteOrDeactivateAsync(GrainContext);
        return true;
    }
}
