using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

/// <summary>
/// A password login's PIN session is tracked by its account: it answers a validation alone (its account stays
/// asleep), and every change that ends it revokes it before the change is answered, so it is refused at once all the
/// same. Sessions the account does not track (beyond its limit, or issued before tracking) ask the account.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TrackedSessionTests(ClusterFixture fixture)
{
    private const string Password = "correct-horse-42";

    private IPinSessionGrain Session(string token) => fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(token)!);

    private IUserGrain User(TestTenant tenant, string uid) => fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));

    private async Task<bool> IsActiveAsync(GrainId grain) =>
        (await fixture.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics()).Any(s => s.GrainId == grain);

    private async Task<ErrorCode?> ValidationAsync(TestTenant tenant, string session) => (await Session(session).ValidateAsync(tenant.ApiKey)).Problem?.Code;

    [Fact]
    public async Task A_password_logins_session_is_validated_without_waking_its_account()
    {
        var tenant = await fixture.NewTenantAsync();
        var uid = await fixture.NewAccountAsync(tenant);
        var session = await fixture.NewSessionAsync(tenant, uid);
        var account = fixture.UserGrainId(tenant, uid);
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await Eventually.UntilAsync(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            return !await IsActiveAsync(account);
        }, seen: () => "the account stayed active");

        var validation = await Session(session).ValidateAsync(tenant.ApiKey);

        Assert.Null(validation.Problem);
        Assert.True(validation.Grant!.TrackedByAccount);
        Assert.Equal(uid, validation.Grant.Uid);
        Assert.False(await IsActiveAsync(account));
        Assert.Single((await fixture.StoredUserAsync(tenant, uid)).PinSessions);
    }

    [Fact]
    public async Task Blocking_revoking_sessions_and_deleting_end_tracked_sessions_before_they_are_answered()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);

        var blocked = await fixture.NewAccountAsync(tenant);
        var blockedSessions = new[] { await fixture.NewSessionAsync(tenant, blocked), await fixture.NewSessionAsync(tenant, blocked) };
        Assert.Null((await User(tenant, blocked).UpdateAsync(snapshot, new AccountUpdate { IsActive = false })).Problem);

        var revoked = await fixture.NewAccountAsync(tenant);
        var revokedSession = await fixture.NewSessionAsync(tenant, revoked);
        Assert.Null(await User(tenant, revoked).RevokeSessionsAsync());

        var deleted = await fixture.NewAccountAsync(tenant);
        var deletedSession = await fixture.NewSessionAsync(tenant, deleted);
        Assert.Null(await User(tenant, deleted).DeleteAsync(snapshot));

        var moved = await fixture.NewAccountAsync(tenant);
        var movedSession = await fixture.NewSessionAsync(tenant, moved);
        Assert.Null(await User(tenant, moved).ChangeUidAsync(snapshot, AccountKeys.NewUid()));

        foreach (var session in blockedSessions.Append(revokedSession).Append(deletedSession).Append(movedSession))
        {
            Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, session));
            // Revoked in its own record: ended even for a silo that never saw the change.
            Assert.True((await fixture.StoredStateAsync<TokenState>("pinsession", Session(session))).Revoked);
        }

        Assert.Empty((await fixture.StoredUserAsync(tenant, blocked)).PinSessions);
        Assert.Null((await User(tenant, blocked).UpdateAsync(snapshot, new AccountUpdate { IsActive = true })).Problem);
        // Unblocking does not revive them.
        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, blockedSessions[0]));
    }

    [Fact]
    public async Task A_credential_change_ends_the_other_tracked_sessions_and_spares_the_changers()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var changer = await fixture.NewSessionAsync(tenant, uid);
        var other = await fixture.NewSessionAsync(tenant, uid);
        var now = fixture.Clock.GetUtcNow();
        var caller = new TokenGrant(tenant.ApiKey, uid, now, now.AddHours(1)) { Session = SecretToken.KeyOf(changer), Family = Guid.NewGuid().ToString("N") };

        Assert.Null(await User(tenant, uid).ChangePinAsync(snapshot, "1234", "8642", caller: caller));

        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, other));
        Assert.Null(await ValidationAsync(tenant, changer));
        Assert.Equal(SecretToken.KeyOf(changer), Assert.Single((await fixture.StoredUserAsync(tenant, uid)).PinSessions).Key);

        // A second change by someone else ends the spared one too.
        Assert.Null(await User(tenant, uid).SetPasswordAsync(snapshot, "another-horse-43"));
        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, changer));
    }

    [Fact]
    public async Task A_revocation_storage_refuses_leaves_the_change_unwritten_and_unanswered()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var session = await fixture.NewSessionAsync(tenant, uid);

        fixture.FailWrites(((GrainReference)Session(session)).GrainId);
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => User(tenant, uid).UpdateAsync(snapshot, new AccountUpdate { IsActive = false }));
        }
        finally
        {
            fixture.HealStorage();
        }

        // Not blocked (in storage, nor in the account's memory), so its session is rightly still accepted.
        Assert.True((await fixture.StoredUserAsync(tenant, uid)).IsActive);
        Assert.True((await User(tenant, uid).GetProfileAsync()).Profile!.IsActive);
        Assert.Null(await ValidationAsync(tenant, session));

        Assert.Null((await User(tenant, uid).UpdateAsync(snapshot, new AccountUpdate { IsActive = false })).Problem);
        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, session));
    }

    [Fact]
    public async Task PIN_logins_on_a_tracked_session_beside_a_change_that_ends_it_all_finish_and_the_session_ends()
    {
        // A PIN login holds its session grain while it waits on the account; a block holds the account while it ends
        // the session: neither may wait on the other (a deadlock would end these calls by timeout).
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var session = await fixture.NewSessionAsync(tenant, uid);

        var logins = Enumerable.Range(0, 8).Select(_ => Session(session).LoginWithPinAsync(snapshot, "1234")).ToList();
        var block = User(tenant, uid).UpdateAsync(snapshot, new AccountUpdate { IsActive = false });
        await Task.WhenAll(logins);

        Assert.Null((await block).Problem);
        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, session));
    }

    [Fact]
    public async Task A_tracked_session_ended_before_its_start_arrived_stays_ended()
    {
        // A login recorded the session, its start is still in flight (it timed out for the login), and a block ends
        // the session first: the late start must not bring it to life.
        var tenant = await fixture.NewTenantAsync();
        var uid = await fixture.NewAccountAsync(tenant);
        var token = SecretToken.New();
        var now = fixture.Clock.GetUtcNow();
        var tracked = new TrackedPinSession { Key = SecretToken.KeyOf(token)!, ExpiresAt = now.AddHours(1) };

        await Session(token).EndTrackedAsync(tracked.Grant(tenant.ApiKey, uid));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Session(token).StartAsync(
            new TokenGrant(tenant.ApiKey, uid, now, tracked.ExpiresAt) { Session = tracked.Key, TrackedByAccount = true }));

        Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, token));
    }

    [Fact]
    public async Task Sessions_the_account_does_not_track_ask_it_and_are_refused_at_once_too()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var sessions = new List<string>();
        for (var i = 0; i <= UserGrain.MaxTrackedPinSessions; i++)
        {
            sessions.Add(await fixture.NewSessionAsync(tenant, uid));
        }

        // Issued as an older release did (no record in the account).
        var now = fixture.Clock.GetUtcNow();
        var stored = await fixture.StoredUserAsync(tenant, uid);
        var older = SecretToken.New();
        await Session(older).StartAsync(new TokenGrant(tenant.ApiKey, uid, now, now.AddDays(1)) { Generation = stored.TokenGeneration, CredentialEpoch = stored.CredentialEpoch, Session = SecretToken.KeyOf(older) });

        var beyond = await Session(sessions[^1]).ValidateAsync(tenant.ApiKey);
        Assert.Null(beyond.Problem);
        Assert.False(beyond.Grant!.TrackedByAccount);
        Assert.Null(await ValidationAsync(tenant, older));
        Assert.Equal(UserGrain.MaxTrackedPinSessions, stored.PinSessions.Count);

        Assert.Null((await User(tenant, uid).UpdateAsync(snapshot, new AccountUpdate { IsActive = false })).Problem);

        foreach (var session in sessions.Append(older))
        {
            Assert.Equal(ErrorCode.SessionTokenInvalid, await ValidationAsync(tenant, session));
        }
    }

    [Fact]
    public async Task Ended_sessions_leave_the_account_and_make_room()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Tokens = new TokenLifetimes { PinSessionTokenMinutes = 1 } });
        var uid = await fixture.NewAccountAsync(tenant);
        for (var i = 0; i < UserGrain.MaxTrackedPinSessions; i++)
        {
            await fixture.NewSessionAsync(tenant, uid);
        }

        fixture.Clock.Advance(TimeSpan.FromMinutes(10));
        var fresh = await Session(await fixture.NewSessionAsync(tenant, uid)).ValidateAsync(tenant.ApiKey);

        Assert.True(fresh.Grant!.TrackedByAccount);
        Assert.Single((await fixture.StoredUserAsync(tenant, uid)).PinSessions);
    }
}
