using Microsoft.Extensions.DependencyInjection;

namespace PinOrleans.Accounts;

/// <summary>
/// How long the cluster's membership has stood still, as this silo sees it. Right after a silo joins, leaves or dies,
/// an account may briefly have two activations (Orleans' directory is being repaired); until that is over, an
/// activation's state may be stale, and only a write (which conflicts with the other activation's) tells. So within
/// <see cref="AccountWriteOptions.StableMembershipSeconds"/> of a change, login statistics are written before the
/// answer like everything else (UserGrain.LoginStats.cs). The change is noticed when asked for: it counts from then,
/// never earlier.
/// </summary>
public sealed class MembershipStability(IClusterMembershipService membership, [FromKeyedServices(ServiceClock.Key)] TimeProvider time)
{
    private readonly Lock _gate = new();
    private MembershipVersion? _version;
    private DateTimeOffset _changedAt;

    /// <summary>Since when the membership this silo sees has not changed.</summary>
    public DateTimeOffset StableSince
    {
        get
        {
            var version = membership.CurrentSnapshot.Version;
            lock (_gate)
            {
                if (_version != version)
                {
                    _version = version;
                    _changedAt = time.GetUtcNow();
                }

                return _changedAt;
            }
        }
    }

    /// <summary>Whether the membership has stood still for at least <paramref name="period"/>.</summary>
    public bool StableFor(TimeSpan period)
    {
        var since = StableSince; // first: noticing a change reads the clock too
        return time.GetUtcNow() - since >= period;
    }
}
