using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PinOrleans.Accounts;

/// <summary>
/// How long the cluster's membership has stood still, as this silo sees it. Right after a silo joins, leaves or dies,
/// an account may briefly have two activations (Orleans' directory is being repaired); until that is over, an
/// activation's state may be stale, and only a write (which conflicts with the other activation's) tells. So within
/// <see cref="AccountWriteOptions.StableMembershipSeconds"/> of a change, login statistics are written before the
/// answer like everything else (UserGrain.LoginStats.cs). A change counts from when this silo notices it, never
/// earlier: from the silo's start on, it watches the membership's updates as they arrive (so a silo's first minute is
/// its first minute, not the minute after its first PIN login), and every question looks at the current version too.
/// </summary>
public sealed partial class MembershipStability(
    IClusterMembershipService membership,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    ILogger<MembershipStability>? logger = null) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private MembershipVersion? _version;
    private DateTimeOffset _changedAt;
    private Task _watch = Task.CompletedTask;

    /// <summary>The newest membership version noticed so far (without looking at the current one).</summary>
    public MembershipVersion? NoticedVersion
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    /// <summary>Since when the membership this silo sees has not changed.</summary>
    public DateTimeOffset StableSince => Notice(membership.CurrentSnapshot.Version);

    /// <summary>Notes <paramref name="version"/> as seen now; a version not seen before starts the stable period again.</summary>
    public DateTimeOffset Notice(MembershipVersion version)
    {
        lock (_gate)
        {
            if (_version is not { } seen || version > seen)
            {
                _version = version;
                _changedAt = time.GetUtcNow();
            }
            else if (version != seen)
            {
                // An older snapshot than one already seen (a late update or a lagging CurrentSnapshot): still a
                // different view, so the period starts again rather than being carried on.
                _changedAt = time.GetUtcNow();
            }

            return _changedAt;
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MembershipStability), ServiceLifecycleStage.RuntimeGrainServices, StartWatching, StopWatchingAsync);

    /// <summary>Starts watching the membership's updates (the silo's lifecycle calls it; tests too).</summary>
    public Task StartWatching(CancellationToken cancellationToken)
    {
        Notice(membership.CurrentSnapshot.Version);
        _watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stopping.Token))
                {
                    Notice(snapshot.Version);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                // Still safe: every question reads the current version too; a change is then noticed when asked.
                if (logger is not null)
                {
                    LogWatchFailed(logger, e);
                }
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops the watch started by <see cref="StartWatching"/>.</summary>
    public async Task StopWatchingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _watch.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Whether the membership has stood still for at least <paramref name="period"/>.</summary>
    public bool StableFor(TimeSpan period)
    {
        var since = StableSince; // first: noticing a change reads the clock too
        return time.GetUtcNow() - since >= period;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The membership watch stopped; membership changes are now noticed when a login asks")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);
}
