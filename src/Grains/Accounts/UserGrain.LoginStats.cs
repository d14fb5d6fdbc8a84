using Microsoft.Extensions.Logging;

namespace PinOrleans.Accounts;

/// <summary>How often an account writes login statistics no other change carried (configuration section <c>Accounts</c>).</summary>
public sealed class AccountWriteOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// A successful PIN login that changes nothing but the login statistics (NoOfLogins, LastLoginDate) is answered
    /// without writing the account; the statistics are written with the account's next write, at the latest this many
    /// seconds later, and when the account is deactivated. 0: every such login writes the account before its answer,
    /// as LoginRadius' statistics are. A silo that dies loses at most this long of statistics, never a failure count,
    /// a lock, a session or a credential: those are always written before the answer.
    /// </summary>
    public double LoginStatisticsWriteSeconds { get; set; } = 30;

    /// <summary>
    /// For this long after the cluster's membership changed (a silo joined, left or died), every login writes its
    /// statistics before the answer: an account may briefly have a second, stale activation then, and only a write
    /// finds out (<see cref="MembershipStability"/>).
    /// </summary>
    public double StableMembershipSeconds { get; set; } = 60;
}

/// <summary>
/// Login statistics kept unwritten (<see cref="AccountWriteOptions.LoginStatisticsWriteSeconds"/>): a PIN login on an
/// account with no failures to clear, no lock to lift, no webhook to raise and no rehash to store changes only
/// NoOfLogins and LastLoginDate. Those stay in memory, where every read sees them, and reach storage with the next
/// write of the account, the statistics timer, or deactivation.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Logins answered whose statistics storage does not hold yet, and when the last of them was.</summary>
    private int _unwrittenLogins;

    private DateTimeOffset? _unwrittenLastLogin;

    private IGrainTimer? _statisticsWrite;

    private TimeSpan StatisticsWriteDelay => TimeSpan.FromSeconds(Math.Max(0, accountWrites.Value.LoginStatisticsWriteSeconds));

    /// <summary>
    /// Whether the success just decided may be answered unwritten: only login statistics changed. The statistics stay
    /// in the state (and in the copy of what storage took, so the end of the call keeps them).
    /// </summary>
    private bool KeepStatisticsUnwritten(UserState user)
    {
        // Not while the activation serves from what storage last took (UserGrain.Outage.cs): it goes without a write
        // once storage answers again, and statistics kept unwritten meanwhile would go with it. Nor soon after the
        // membership changed, when a second activation may have changed the account: the write finds that out.
        if (StatisticsWriteDelay <= TimeSpan.Zero || _reload is not null
            || !membershipStability.StableFor(TimeSpan.FromSeconds(Math.Max(0, accountWrites.Value.StableMembershipSeconds))))
        {
            return false;
        }

        if (_written is { } written)
        {
            written.NoOfLogins = user.NoOfLogins;
            written.LastLoginDate = user.LastLoginDate;
        }

        _unwrittenLogins++;
        _unwrittenLastLogin = user.LastLoginDate;
        _statisticsWrite ??= this.RegisterGrainTimer(WriteStatisticsAsync, new GrainTimerCreationOptions(StatisticsWriteDelay, Timeout.InfiniteTimeSpan));
        return true;
    }

    /// <summary>After a write: storage holds the statistics too.</summary>
    private void StatisticsWritten()
    {
        _unwrittenLogins = 0;
        _statisticsWrite?.Dispose();
        _statisticsWrite = null;
    }

    /// <summary>The logins answered unwritten, to put back on top of what storage holds after it was read again.</summary>
    private (int Logins, DateTimeOffset? Last) UnwrittenStatistics => (_unwrittenLogins, _unwrittenLastLogin);

    /// <summary>Storage was read again (another activation wrote): the logins this one answered unwritten count on top.</summary>
    private void KeepUnwrittenStatistics((int Logins, DateTimeOffset? Last) unwritten)
    {
        var (logins, last) = unwritten;
        if (logins == 0)
        {
            return;
        }

        state.State.NoOfLogins += logins;
        if (last > state.State.LastLoginDate || state.State.LastLoginDate is null)
        {
            state.State.LastLoginDate = last;
        }

        if (_written is { } written)
        {
            written.NoOfLogins = state.State.NoOfLogins;
            written.LastLoginDate = state.State.LastLoginDate;
        }

        _unwrittenLogins = logins;
        _unwrittenLastLogin = last;
        _statisticsWrite ??= this.RegisterGrainTimer(WriteStatisticsAsync, new GrainTimerCreationOptions(StatisticsWriteDelay, Timeout.InfiniteTimeSpan));
    }

    private async Task WriteStatisticsAsync(CancellationToken cancellation)
    {
        _statisticsWrite?.Dispose();
        _statisticsWrite = null;
        if (_unwrittenLogins == 0 || !Exists)
        {
            return;
        }

        try
        {
            await WriteStatisticsOnTopAsync(cancellation);
            Written();
        }
        catch (Exception e)
        {
            // Whether storage took it is unknown: counting these logins again later could count them twice.
            logger.LogWarning(e, "Account {Uid} of tenant {ApiKey}: the login statistics of {Logins} logins were not written", Uid, ApiKey, _unwrittenLogins);
            _unwrittenLogins = 0;
        }
    }

    /// <summary>
    /// Writes the statistics as this activation goes. If another activation of the account wrote meanwhile (a second
    /// activation after a silo failure), its state is read and these logins are counted on top of it.
    /// </summary>
    private async Task WriteStatisticsOnTopAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
                _unwrittenLogins = 0;
                return;
            }
            catch (InconsistentStateException) when (attempt < MaxConflictRetries)
            {
                var (logins, last) = UnwrittenStatistics;
                await state.ReadStateAsync(cancellationToken);
                if (!Exists)
                {
                    return;
                }

                state.State.NoOfLogins += logins;
                if (state.State.LastLoginDate is null || last > state.State.LastLoginDate)
                {
                    state.State.LastLoginDate = last;
                }
            }
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Not when the activation goes because storage did not take a write: its state may not be what storage holds.
        if (_unwrittenLogins > 0 && Exists && !DurableWrites.IsUnwritten(reason) && !circuit.Refuses)
        {
            try
            {
                await WriteStatisticsOnTopAsync(cancellationToken);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Account {Uid} of tenant {ApiKey}: the login statistics of {Logins} logins were not written before deactivation", Uid, ApiKey, _unwrittenLogins);
            }
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }
}
