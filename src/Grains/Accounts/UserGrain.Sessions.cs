using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>
/// The PIN sessions an account keeps track of (<see cref="UserState.PinSessions"/>), so that validating one needs its
/// session grain alone. A password login records its session in the write that decides the login, before the session
/// exists; from then on, every write of the account first revokes (and forgets) the tracked sessions the state it is
/// about to write no longer accepts, and a deletion revokes them all. So a tracked session that is live in its own
/// record is one its account accepts. If a revocation fails, the change is not written (and is undone in memory as a
/// failed write is). Sessions the account did not record (other logins, a full list, older rows) ask the account.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Tracked sessions per account (each a row entry and, when a change ends them, a revocation); later ones ask the account.</summary>
    public const int MaxTrackedPinSessions = 8;

    /// <summary>How long after its end an entry is kept: longer than any clock difference between silos, so none is dropped while its session may still be live.</summary>
    private static readonly TimeSpan TrackedSessionGrace = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Records the PIN session a login of <paramref name="user"/> is about to issue, if it issues one and there is room;
    /// the token the issuer must use then, else null (the issuer makes an untracked session).
    /// </summary>
    private static TrackedSessionToken? TrackPinSession(TenantSnapshot tenant, UserState user, DateTimeOffset now, bool firstLogin)
    {
        ForgetEndedSessions(user, now);
        if (!IssuesPinSession(tenant, user, firstLogin) || user.PinSessions.Count >= MaxTrackedPinSessions)
        {
            return null;
        }

        var session = new TrackedSessionToken(SecretToken.New(), now.AddMinutes(tenant.Settings.Tokens.PinSessionTokenMinutes));
        user.PinSessions.Add(new TrackedPinSession
        {
            Key = SecretToken.KeyOf(session.Token)!, ExpiresAt = session.ExpiresAt, Generation = user.TokenGeneration, CredentialEpoch = user.CredentialEpoch,
        });
        return session;
    }

    /// <summary>Whether a login of <paramref name="user"/> issues tokens (and a PIN session): not when the tenant requires a PIN it lacks.</summary>
    private static bool IssuesPinSession(TenantSnapshot tenant, UserState user, bool firstLogin) =>
        !(user.PinHash is null && tenant.Settings.Pin.AsksForPin(firstLogin) && tenant.Settings.Pin.IsRequired);

    private static void ForgetEndedSessions(UserState user, DateTimeOffset now) =>
        user.PinSessions.RemoveAll(s => s.ExpiresAt + TrackedSessionGrace <= now);

    /// <summary>Right before a write: revokes and forgets the tracked sessions the state about to be written does not accept.</summary>
    private Task EndSessionsTheWriteEndsAsync()
    {
        var user = state.State;
        if (user.PinSessions.Count == 0)
        {
            return Task.CompletedTask;
        }

        ForgetEndedSessions(user, time.GetUtcNow());
        var ended = user.PinSessions.Where(s => !user.Accepts(s.Grant(ApiKey, Uid))).ToList();
        return ended.Count == 0 ? Task.CompletedTask : RevokeTrackedAsync(user, ended);
    }

    /// <summary>Right before the account is removed (deleted, or moved to another Uid): revokes every tracked session.</summary>
    private Task EndAllTrackedSessionsAsync()
    {
        var user = state.State;
        return user.PinSessions.Count == 0 ? Task.CompletedTask : RevokeTrackedAsync(user, user.PinSessions.ToList());
    }

    /// <summary>
    /// Revokes <paramref name="ended"/> and drops them from <paramref name="user"/>. Storage refusing a revocation (or the
    /// circuit open) undoes the change in memory, as a failed write does; any other failure deactivates.
    /// </summary>
    private async Task RevokeTrackedAsync(UserState user, List<TrackedPinSession> ended)
    {
        try
        {
            if (circuit.Refuses)
            {
                throw new StorageUnavailableException("Storage is failing (circuit open): the account's PIN sessions could not be revoked");
            }

            await Task.WhenAll(ended.Select(s => GrainFactory.Reference<IPinSessionGrain>(s.Key).EndTrackedAsync(s.Grant(ApiKey, Uid))));
        }
        catch (Exception e) when (DurableWrites.IsUnavailable(e))
        {
            RollBack();
            throw;
        }
        catch
        {
            GrainContext.DeactivateUnwritten();
            throw;
        }

        user.PinSessions.RemoveAll(ended.Contains);
    }
}
