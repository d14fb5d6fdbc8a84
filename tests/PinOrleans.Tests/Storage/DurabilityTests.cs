using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Storage;

/// <summary>Against Azurite.</summary>
[RunsLong(20)]
public sealed class AzureTableDurabilityTests(AzuriteFixture store) : DurabilityTests<AzuriteFixture>(store);

/// <summary>Against PostgreSQL.</summary>
[RunsLong(20)]
public sealed class PostgresDurabilityTests(PostgresFixture store) : DurabilityTests<PostgresFixture>(store);

/// <summary>Against a real store (one derived class per store): what was acknowledged survives a restart of every silo and of storage itself.</summary>
public abstract class DurabilityTests<TStore> : IClassFixture<TStore> where TStore : class, IStoreFixture
{
    private readonly TStore _store;
    private readonly string _serviceId = $"durability-{Guid.NewGuid():N}";

    protected DurabilityTests(TStore store) => _store = store;

    [Fact]
    public async Task Accounts_locks_and_sessions_survive_restarting_the_silos_and_storage()
    {
        const string pin = "24680";
        const string password = "durable-password-1";
        var tenant = new TestTenant(Guid.NewGuid().ToString("D"), SecretToken.New());
        string alice, bob, aliceSession;
        UserProfile aliceBefore;

        var first = await StartClusterAsync();
        try
        {
            var grains = first.Client;
            var snapshot = await grains.GetGrain<ITenantGrain>(tenant.ApiKey).ConfigureAsync(new TenantDefinition { Name = "Durable", ApiSecret = tenant.ApiSecret });
            alice = await CreateAsync(grains, snapshot, pin, password);
            bob = await CreateAsync(grains, snapshot, pin, password);
            var login = await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, alice)).LoginWithPasswordAsync(snapshot, password);
            aliceSession = login.Tokens!.SessionToken!;
            aliceBefore = login.Profile!;
            var bobSession = (await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, bob)).LoginWithPasswordAsync(snapshot, password)).Tokens!.SessionToken!;
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(ErrorCode.InvalidPin, (await grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(bobSession)!).LoginWithPinAsync(snapshot, "00000")).Problem?.Code);
            }

            await AssertNoSecretStoredAsync(pin, password, tenant.ApiSecret, aliceSession, login.Tokens.AccessToken, login.Tokens.RefreshToken);
        }
        finally
        {
            await first.DisposeAsync();
        }

        await _store.RestartAsync();

        var second = await StartClusterAsync();
        try
        {
            var grains = second.Client;
            var access = await grains.GetGrain<ITenantGrain>(tenant.ApiKey).AuthorizeAsync(tenant.ApiSecret, requireSecret: true);
            Assert.Null(access.Problem);
            var snapshot = access.Tenant!;

            var aliceAfter = (await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, alice)).GetProfileAsync()).Profile!;
            Assert.Equal(aliceBefore.Email, aliceAfter.Email);
            Assert.Equal(aliceBefore.NoOfLogins, aliceAfter.NoOfLogins);
            Assert.Equal(aliceBefore.CreatedDate, aliceAfter.CreatedDate);

            var bobAfter = (await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, bob)).GetProfileAsync()).Profile!;
            Assert.True(bobAfter.IsLoginLocked);
            Assert.Equal("Suspend", bobAfter.LoginLockedType);

            var email = aliceAfter.Email[0].Value;
            Assert.Equal(alice, await grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, email)).ResolveAsync());

            var pinLogin = await grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(aliceSession)!).LoginWithPinAsync(snapshot, pin);
            Assert.Null(pinLogin.Problem);
            Assert.Equal(aliceBefore.NoOfLogins + 1, pinLogin.Profile!.NoOfLogins);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task Identifiers_that_differ_only_in_characters_azure_keys_cannot_hold_stay_distinct()
    {
        var cluster = await StartClusterAsync();
        try
        {
            var tenant = await cluster.Client.GetGrain<ITenantGrain>(Guid.NewGuid().ToString("D")).ConfigureAsync(new TenantDefinition { Name = "Keys", ApiSecret = SecretToken.New() });
            var stem = Guid.NewGuid().ToString("N")[..8];
            var uids = new List<string>();
            foreach (var email in new[] { $"{stem}/x@example.com", $"{stem}_x@example.com", $"{stem}#x@example.com", $"{stem}?x@example.com" })
            {
                var uid = AccountKeys.NewUid();
                var created = await cluster.Client.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).CreateAsync(tenant, new NewAccount
                {
                    Email = [new EmailAddress("Primary", email)],
                    Password = "durable-password-1",
                });
                Assert.Null(created.Problem);
                Assert.Equal(uid, await cluster.Client.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, email)).ResolveAsync());
                uids.Add(uid);
            }

            Assert.Equal(4, uids.Distinct().Count());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Five_hundred_concurrent_wrong_pins_while_a_silo_dies_get_no_more_invalid_pin_verdicts_than_the_threshold()
    {
        var cluster = await StartClusterAsync(3);
        try
        {
            var tenant = new TestTenant(Guid.NewGuid().ToString("D"), SecretToken.New());
            var snapshot = await cluster.Client.GetGrain<ITenantGrain>(tenant.ApiKey).ConfigureAsync(new TenantDefinition { Name = "Attacked", ApiSecret = tenant.ApiSecret });
            // The account must live on a silo the test cluster can kill (not the first one, its seed): accounts are
            // placed at random, so create one until it lands on another silo. That silo dies mid-attack.
            var management = cluster.Client.GetGrain<IManagementGrain>(0);
            IUserGrain user;
            string session;
            InProcessSiloHandle? victim;
            var tries = 0;
            do
            {
                var uid = await CreateAsync(cluster.Client, snapshot, "13579", "attacked-password-1");
                user = cluster.Client.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
                session = SecretToken.KeyOf((await user.LoginWithPasswordAsync(snapshot, "attacked-password-1")).Tokens!.SessionToken!)!;
                var home = await management.GetActivationAddress(user);
                victim = cluster.Silos.Skip(1).FirstOrDefault(s => s.SiloAddress.Equals(home));
            }
            while (victim is null && ++tries < 20);

            Assert.NotNull(victim);
            var firstVerdict = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var factories = cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<IGrainFactory>()).ToArray();
            var lost = 0;
            // Each guess is sent until it gets a verdict, as an attacker would: first through any silo, after a loss through the client.
            var attack = Enumerable.Range(0, 500).Select(async i =>
            {
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    try
                    {
                        var grains = attempt == 0 ? factories[i % factories.Length] : cluster.Client;
                        var answer = await grains.GetGrain<IPinSessionGrain>(session).LoginWithPinAsync(snapshot, "00000");
                        firstVerdict.TrySetResult();
                        return answer.Problem?.Code;
                    }
                    catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                    {
                        Interlocked.Increment(ref lost);
                        await Task.Delay(100); // lost with the silo: no verdict; try again
                    }
                }

                return (ErrorCode?)null;
            }).ToList();

            await firstVerdict.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await cluster.KillSiloAsync(victim);
            var verdicts = await Task.WhenAll(attack);

            Assert.InRange(verdicts.Count(v => v == ErrorCode.InvalidPin), 1, 5);
            var tally = string.Join(", ", verdicts.GroupBy(v => v?.ToString() ?? "lost").Select(g => $"{g.Key}: {g.Count()}"));
            Assert.True(verdicts.Count(v => v == ErrorCode.AccountSuspended) > 0, tally);
            // The kill hit the attack: guesses queued at the account's activation were lost with it and sent again.
            Assert.True(lost > 0, $"no guess was in flight when the account's silo died; {tally}");
            Assert.Equal(ErrorCode.AccountSuspended, (await cluster.Client.GetGrain<IPinSessionGrain>(session).LoginWithPinAsync(snapshot, "13579")).Problem?.Code);
            // What storage holds, read afresh through a surviving silo's store.
            var store = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<Orleans.Storage.IGrainStorage>(PinOrleans.StorageNames.Store);
            var stored = (await ClusterFixture.ReadStoredUserAsync(store, ((GrainReference)user).GrainId)).State!;
            Assert.True(stored.LockedUntil > DateTimeOffset.UtcNow.AddMinutes(10), $"{tally}; stored: {stored.FailedLoginAttempts} failures, locked until {stored.LockedUntil}");
            Assert.InRange(stored.FailedLoginAttempts, 5, 5);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private async Task<InProcessTestCluster> StartClusterAsync(short silos = 2)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            // Grain state in the store; membership stays the test cluster's own (in-process silos listen on no sockets).
            silo.AddPinOrleansStateStore(_store.Settings);
            silo.Services.AddPinOrleansGrainServices(ClusterFixture.Configuration);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static async Task<string> CreateAsync(IGrainFactory grains, TenantSnapshot tenant, string pin, string password)
    {
        var uid = AccountKeys.NewUid();
        var created = await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).CreateAsync(tenant, new NewAccount
        {
            Email = [new EmailAddress("Primary", $"{uid}@example.com")],
            Password = password,
            Pin = pin,
        });
        Assert.Null(created.Problem);
        return uid;
    }

    /// <summary>Reads every row the store holds: secrets exist there only as hashes.</summary>
    private async Task AssertNoSecretStoredAsync(params string[] secrets)
    {
        var rows = await _store.StoredRowsAsync();
        foreach (var text in rows)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotContain("$type", text, StringComparison.Ordinal);
        }

        Assert.True(rows.Count > 5, "The state table should hold the tenant, users, identifiers and tokens.");
    }
}
