using System.Diagnostics.Metrics;

namespace PinOrleans.Operations;

/// <summary>
/// The service's own instruments, on the meter <c>PinOrleans</c>, created through the host's <see cref="IMeterFactory"/>
/// (one meter per host, so several silos in one process, as in tests, keep theirs apart). Never a secret or an
/// account in a tag.
/// </summary>
public sealed class PinOrleansMetrics
{
    public const string MeterName = "PinOrleans";

    public PinOrleansMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        StorageOperations = meter.CreateCounter<long>("pinorleans.storage.operations", description: "Grain-state storage operations by kind and state name");
        StorageRefusals = meter.CreateCounter<long>("pinorleans.storage.refused", description: "Grain-state operations refused at once by kind, because the silo's storage circuit was open");
        HashDuration = meter.CreateHistogram<double>("pinorleans.hash.duration", unit: "ms", description: "Time one Argon2id hash or verification takes on a hashing thread");
        HashWait = meter.CreateHistogram<double>("pinorleans.hash.queue_wait", unit: "ms", description: "Time a hash waits for a hashing thread");
        HashDropped = meter.CreateCounter<long>("pinorleans.hash.dropped", description: "Hashes never run, by lane and reason (full, timeout, cancelled)");
        WebhookDeliveries = meter.CreateCounter<long>("pinorleans.webhook.deliveries", description: "Webhook delivery attempts by outcome (delivered, retry, dead_letter, dropped)");
        AccountLocks = meter.CreateCounter<long>("pinorleans.account.locks", description: "Accounts locked, by lock type and reason");
        AccountUnlocks = meter.CreateCounter<long>("pinorleans.account.unlocks", description: "Locks lifted, by lock type and who lifted them");
        Logins = meter.CreateCounter<long>("pinorleans.logins", description: "Login attempts (password and PIN) by outcome: success, invalid, locked, blocked, refused");
    }

    public Counter<long> StorageOperations { get; }

    public Counter<long> StorageRefusals { get; }

    public Histogram<double> HashDuration { get; }

    public Histogram<double> HashWait { get; }

    public Counter<long> HashDropped { get; }

    public Counter<long> WebhookDeliveries { get; }

    public Counter<long> AccountLocks { get; }

    public Counter<long> AccountUnlocks { get; }

    public Counter<long> Logins { get; }
}
