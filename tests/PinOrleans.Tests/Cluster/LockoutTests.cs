using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class LockoutTests(ClusterFixture fixture)
{
    private const string Pin = "1234";
    private const string WrongPin = "9999";

    [Fact]
    public async Task Two_hundred_concurrent_wrong_pins_from_three_silos_get_exactly_five_invalid_pin_verdicts()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant, Pin);
        var sessionKey = SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, uid))!;
        var silos = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IGrainFactory>()).ToArray();
        Assert.Equal(ClusterFixture.Silos, silos.Length);

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            silos[i % silos.Length].GetGrain<IPinSessionGrain>(sessionKey).LoginWithPinAsync(snapshot, WrongPin)));

        Assert.Equal(5, answers.Count(a => a.Problem?.Code == ErrorCode.InvalidPin));
        Assert.Equal(195, answers.Count(a => a.Problem?.Code == ErrorCode.AccountSuspended));
        Assert.All(answers.Where(a => a.Problem?.Code == ErrorCode.AccountSuspended), a => Assert.NotNull(a.Problem!.LockedUntil));

        var right = await fixture.Grains.GetGrain<IPinSessionGrain>(sessionKey).LoginWithPinAsync(snapshot, Pin);
        Assert.Equal(ErrorCode.AccountSuspended, right.Problem?.Code);

        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(5, stored.FailedLoginAttempts);
        Assert.True(stored.LockedUntil > fixture.Clock.GetUtcNow().AddMinutes(14));
    }

    [Fact]
    public async Task The_right_pin_is_refused_until_the_lock_expires_then_accepted_with_a_fresh_count()
    {
        var (tenant, snapshot, uid, session) = await fixture.NewPinScenarioAsync(new TenantSettings
        {
            Lockout = new LockoutPolicy { MaxFailedAttempts = 3, SuspendSeconds = 600 },
        });

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        }

        var locked = await session.LoginWithPinAsync(snapshot, Pin);
        Assert.Equal(ErrorCode.AccountSuspended, locked.Problem?.Code);
        var until = locked.Problem!.LockedUntil!.Value;

        // A moment before the end: still refused, and still the same end.
        fixture.Clock.AdvanceTo(until - TimeSpan.FromSeconds(30));
        var early = await session.LoginWithPinAsync(snapshot, Pin);
        Assert.Equal(((ErrorCode?)ErrorCode.AccountSuspended, (DateTimeOffset?)until), (early.Problem?.Code, early.Problem?.LockedUntil));

        fixture.Clock.AdvanceTo(until);
        var after = await session.LoginWithPinAsync(snapshot, Pin);
        Assert.Null(after.Problem);
        Assert.False(after.Profile!.IsLoginLocked);
        Assert.Equal(0, (await fixture.StoredUserAsync(tenant, uid)).FailedLoginAttempts);
    }

    [Fact]
    public async Task A_success_before_the_threshold_resets_the_count()
    {
        var (tenant, snapshot, uid, session) = await fixture.NewPinScenarioAsync();

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        }

        Assert.Null((await session.LoginWithPinAsync(snapshot, Pin)).Problem);
        Assert.Equal(0, (await fixture.StoredUserAsync(tenant, uid)).FailedLoginAttempts);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        }

        Assert.Null((await session.LoginWithPinAsync(snapshot, Pin)).Problem);
    }

    [Fact]
    public async Task Wrong_passwords_and_wrong_pins_count_apart_and_a_right_password_does_not_forgive_wrong_pins()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant, Pin);
        var user = fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
        var session = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, uid))!);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(ErrorCode.InvalidCredentials, (await user.LoginWithPasswordAsync(snapshot, "not-the-password")).Problem?.Code);
            Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        }

        // Eight failures, but four of each kind: not locked. The right password forgives wrong passwords only.
        Assert.Null((await user.LoginWithPasswordAsync(snapshot, "correct-horse-42")).Problem);
        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.False(stored.Failures.ContainsKey(CredentialKind.Password));
        Assert.Equal(4, stored.Failures[CredentialKind.Pin].Count);

        Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        Assert.Equal(ErrorCode.AccountSuspended, (await user.LoginWithPasswordAsync(snapshot, "correct-horse-42")).Problem?.Code);
        Assert.Equal(CredentialKind.Pin, (await fixture.StoredUserAsync(tenant, uid)).LockedBy);
    }

    [Fact]
    public async Task Each_failure_is_in_storage_before_it_is_answered()
    {
        var (tenant, snapshot, uid, session) = await fixture.NewPinScenarioAsync();

        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
            Assert.Equal(i, (await fixture.StoredUserAsync(tenant, uid)).FailedLoginAttempts);
        }

        // A failure that cannot be written is not answered "Invalid PIN", and is not half-counted afterwards.
        fixture.FailWrites(fixture.UserGrainId(tenant, uid));
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => session.LoginWithPinAsync(snapshot, WrongPin));
        }
        finally
        {
            fixture.HealStorage();
        }

        Assert.Equal(3, (await fixture.StoredUserAsync(tenant, uid)).FailedLoginAttempts);
        Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
        Assert.Equal(4, (await fixture.StoredUserAsync(tenant, uid)).FailedLoginAttempts);
    }

    [Fact]
    public async Task An_etag_conflict_is_decided_again_on_fresh_state_and_never_overwritten()
    {
        var (tenant, snapshot, uid, session) = await fixture.NewPinScenarioAsync();
        var grainId = fixture.UserGrainId(tenant, uid);
        var lockedUntil = fixture.Clock.GetUtcNow().AddMinutes(10);

        // Another activation (say, on a silo that was thought dead) locks the account while this attempt is in flight.
        fixture.ConflictOnce(grainId, async storage =>
        {
            var stored = await ClusterFixture.ReadStoredUserAsync(storage, grainId);
            stored.State!.Failures[CredentialKind.Pin] = new FailureCount { Count = 5, Consecutive = 5 };
            stored.State.LockedUntil = lockedUntil;
            stored.State.LockType = LockoutType.Suspend;
            await storage.WriteStateAsync("user", grainId, stored);
        });

        var answer = await session.LoginWithPinAsync(snapshot, WrongPin);

        Assert.Equal(ErrorCode.AccountSuspended, answer.Problem?.Code);
        var after = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(5, after.FailedLoginAttempts);
        Assert.Equal(lockedUntil, after.LockedUntil);
    }

    [Fact]
    public async Task No_setting_allows_more_than_the_nist_ceiling_of_one_hundred_consecutive_failures()
    {
        var scenario = await fixture.NewPinScenarioAsync(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 100_000 } }, Pin);

        var answers = new List<ErrorCode?>();
        for (var i = 0; i < LockoutPolicy.NistCeiling + 1; i++)
        {
            answers.Add((await scenario.Session.LoginWithPinAsync(scenario.Snapshot, WrongPin)).Problem?.Code);
        }

        Assert.Equal(LockoutPolicy.NistCeiling, answers.Count(a => a == ErrorCode.InvalidPin));
        Assert.Equal(ErrorCode.AccountBlocked, answers[^1]);
        var stored = await fixture.StoredUserAsync(scenario.Tenant, scenario.Uid);
        Assert.Equal(LockoutPolicy.NistCeiling, stored.ConsecutiveFailures);
        Assert.Equal(LockoutType.Block, stored.LockType);
        Assert.Contains(fixture.Logs.Lines, line => line.Contains("AccountLocked", StringComparison.Ordinal) && line.Contains(scenario.Uid, StringComparison.Ordinal) && line.Contains("NistCeiling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Suspensions_that_run_out_do_not_reset_the_count_toward_the_nist_ceiling()
    {
        var scenario = await fixture.NewPinScenarioAsync(new TenantSettings
        {
            Lockout = new LockoutPolicy { MaxFailedAttempts = 50, SuspendSeconds = 1, EscalationWindow = TimeSpan.Zero },
        }, Pin);

        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 49; i++)
            {
                Assert.Equal(ErrorCode.InvalidPin, (await scenario.Session.LoginWithPinAsync(scenario.Snapshot, WrongPin)).Problem?.Code);
            }

            if (round == 0)
            {
                Assert.Equal(ErrorCode.InvalidPin, (await scenario.Session.LoginWithPinAsync(scenario.Snapshot, WrongPin)).Problem?.Code);
                var suspended = await scenario.Session.LoginWithPinAsync(scenario.Snapshot, WrongPin);
                Assert.Equal(ErrorCode.AccountSuspended, suspended.Problem?.Code);
                fixture.Clock.AdvanceTo(suspended.Problem!.LockedUntil!.Value);
            }
        }

        // Failure 100 in a row (50 before the suspension, 50 after): blocked, whatever the tenant said.
        Assert.Equal(ErrorCode.InvalidPin, (await scenario.Session.LoginWithPinAsync(scenario.Snapshot, WrongPin)).Problem?.Code);
        Assert.Equal(ErrorCode.AccountBlocked, (await scenario.Session.LoginWithPinAsync(scenario.Snapshot, Pin)).Problem?.Code);
        Assert.Equal(LockoutPolicy.NistCeiling, (await fixture.StoredUserAsync(scenario.Tenant, scenario.Uid)).ConsecutiveFailures);
    }

    [Fact]
    public async Task Each_lock_soon_after_the_last_doubles_the_suspension_up_to_the_maximum()
    {
        var (_, snapshot, _, session) = await fixture.NewPinScenarioAsync(new TenantSettings
        {
            Lockout = new LockoutPolicy { MaxFailedAttempts = 2, SuspendSeconds = 60, EscalationWindow = TimeSpan.FromMinutes(10), MaxSuspendSeconds = 180 },
        }, Pin);

        // 60 s, then 120 s, then 240 s capped at 180 s: each lock starts at the failure that reached the threshold.
        foreach (var period in new[] { 60, 120, 180 })
        {
            var before = fixture.Clock.GetUtcNow();
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(ErrorCode.InvalidPin, (await session.LoginWithPinAsync(snapshot, WrongPin)).Problem?.Code);
            }

            var locked = await session.LoginWithPinAsync(snapshot, WrongPin);
            var after = fixture.Clock.GetUtcNow();
            Assert.Equal(ErrorCode.AccountSuspended, locked.Problem?.Code);
            var until = locked.Problem!.LockedUntil!.Value;
            Assert.InRange(until, before.AddSeconds(period), after.AddSeconds(period));
            fixture.Clock.AdvanceTo(until);
        }

        Assert.Null((await session.LoginWithPinAsync(snapshot, Pin)).Problem);
    }
}
