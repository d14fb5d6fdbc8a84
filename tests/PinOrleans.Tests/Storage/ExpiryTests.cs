using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit.Abstractions;
using PinOrleans.Accounts;
using PinOrleans.Expiry;
using PinOrleans.Recovery;
using PinOrleans.Sessions;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Storage;

/// <summary>
/// On every store (Azurite, PostgreSQL): every record that expires (token pairs, PIN sessions, PINAuthTokens, reset links, step-up
/// proofs) leaves the state table after its end plus the retention, through the journal and the sweep, and nothing
/// live goes early.
/// </summary>
[RunsLong(20)]
public sealed class AzureTableExpiryTests(AzuriteFixture store, ITestOutputHelper output) : ExpiryTests<AzuriteFixture>(store, output);

/// <summary>Against PostgreSQL.</summary>
[RunsLong(20)]
public sealed class PostgresExpiryTests(PostgresFixture store, ITestOutputHelper output) : ExpiryTests<PostgresFixture>(store, output);

/// <summary>Against a real store (one derived class per store).</summary>
public abstract class ExpiryTests<TStore>(TStore store, ITestOutputHelper output) : IClassFixture<TStore>, IAsyncLifetime where TStore : class, IStoreFixture
{
    private const string Pin = "24680";
    private const string Password = "expiring-password-1";
    private static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private readonly string _serviceId = $"expiry-{Guid.NewGuid():N}";
    private readonly TestClock _clock = TestClock.FollowingRealTime();
    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder()
            .AddConfiguration(ClusterFixture.LowCostHashing)
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ExpiredRecordRetentionHours"] = Retention.TotalHours.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // The journals file when the tests say (FlushJournalsAsync), not on their own.
                ["Storage:ExpiryFlushSeconds"] = "60",
            })
            .Build();
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = $"c{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddPinOrleansStateStore(store.Settings);
            silo.Services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, _clock);
            silo.Services.AddPinOrleansGrainServices(configuration);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task After_many_logins_and_the_sweep_the_table_holds_only_what_live_records_need()
    {
        var tenant = await TenantAsync(new TenantSettings
        {
            Tokens = new TokenLifetimes { AccessTokenMinutes = 5, RefreshTokenDays = 1, PinSessionTokenMinutes = 30, PinAuthTokenMinutes = 5, StepUpTokenMinutes = 5, MaxRefreshFamilyDays = 2 },
            Pin = new PinPolicy { AskOnLogin = true },
        });
        var withPin = new List<IUserGrain>();
        for (var i = 0; i < 3; i++)
        {
            withPin.Add(Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, await CreateAsync(tenant, Pin))));
        }

        var withoutPin = Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, await CreateAsync(tenant, pin: null)));
        var baseline = await RowsAsync();

        const int rounds = 10;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var user in withPin)
            {
                // A password login (token pair and PIN session), two PIN logins on that session, a refresh, a step-up.
                var login = await user.LoginWithPasswordAsync(tenant, Password);
                Assert.Null(login.Problem);
                var session = Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(login.Tokens!.SessionToken)!);
                for (var pinLogin = 0; pinLogin < 2; pinLogin++)
                {
                    Assert.Null((await session.LoginWithPinAsync(tenant, Pin)).Problem);
                }

                var refreshed = await Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(login.Tokens.RefreshToken)!).RefreshAsync(tenant, login.Tokens.RefreshToken);
                Assert.Null(refreshed.Problem);
                Assert.Null((await user.ReauthenticateWithPinAsync(tenant, Pin)).Problem);
            }

            // A password login of the account without a PIN hands out a PINAuthToken too; a forgot-PIN e-mail a reset link.
            Assert.NotNull((await withoutPin.LoginWithPasswordAsync(tenant, Password)).PinAuthToken);
            Assert.NotNull((await withPin[round % withPin.Count].BeginSecretAsync(tenant, SecretPurpose.PinReset, RecoveryChannel.Email)).ResetToken);
        }

        await FlushJournalsAsync();
        var grown = await RowsAsync();
        // Per round and account with a PIN: 4 token pairs, 1 PIN session, 1 step-up; per round: a pair, a session and a PINAuthToken, a link.
        Assert.True(grown.Count - baseline.Count >= rounds * (withPin.Count * 6 + 4), Describe(baseline, grown));

        _clock.Advance(TimeSpan.FromDays(3) + Retention + TimeSpan.FromHours(2));
        var report = await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();

        var after = await RowsAsync();
        output.WriteLine($"{report}; grown: {Describe(baseline, grown)}; swept: {Describe(baseline, after)}");
        Assert.True(after.Count == baseline.Count, $"{report}; {Describe(baseline, after)}");
        Assert.True(report.Removed >= rounds * (withPin.Count * 6 + 4), report.ToString());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(29.5)] // the session's end plus the retention falls in the last minute of an hour
    [InlineData(59.9)]
    public async Task A_live_token_stays_an_expired_one_answers_as_before_and_then_as_unknown(double minuteOfHour)
    {
        // Buckets are hours: where in its hour a record goes decides when the sweep may visit it.
        _clock.AdvanceTo(ExpiryBuckets.HourOf(_clock.GetUtcNow()).AddHours(1).AddMinutes(minuteOfHour));
        var tenant = await TenantAsync(new TenantSettings { Tokens = new TokenLifetimes { AccessTokenMinutes = 5, RefreshTokenDays = 1, PinSessionTokenMinutes = 30 } });
        var user = Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, await CreateAsync(tenant, Pin)));
        var login = await user.LoginWithPasswordAsync(tenant, Password);
        var tokens = login.Tokens!;
        var pair = Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(tokens.AccessToken)!);
        var session = Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(tokens.SessionToken)!);
        var never = Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(SecretToken.New())!);
        await FlushJournalsAsync();

        // Past the session's and the access token's end, within the retention (the session goes at its end plus the
        // retention, 90 minutes from now, whatever minute of the hour this runs at): answers are those of expired tokens.
        _clock.Advance(TimeSpan.FromMinutes(31) + ExpiryBuckets.Grace);
        await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();
        Assert.Equal(ErrorCode.SessionTokenExpired, (await session.LoginWithPinAsync(tenant, Pin)).Problem?.Code);
        Assert.Equal(ErrorCode.AccessTokenExpired, (await pair.ValidateAccessAsync(tenant.ApiKey, tokens.AccessToken)).Problem?.Code);

        // Past the session's end plus the retention: the session is gone and answers as one never issued; the pair,
        // whose refresh token lives, stays and still refreshes.
        _clock.Advance(Retention + TimeSpan.FromHours(1));
        await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();
        Assert.Equal((await never.LoginWithPinAsync(tenant, Pin)).Problem?.Code, (await session.LoginWithPinAsync(tenant, Pin)).Problem?.Code);
        Assert.Equal(ErrorCode.SessionTokenInvalid, (await session.LoginWithPinAsync(tenant, Pin)).Problem?.Code);
        Assert.DoesNotContain(await RowsAsync(), r => r.State == "pinsession");
        Assert.Contains(await RowsAsync(), r => r.State == "tokens");
        var refreshed = await pair.RefreshAsync(tenant, tokens.RefreshToken);
        Assert.Null(refreshed.Problem);
    }

    [Fact]
    public async Task A_record_journaled_for_an_earlier_end_survives_that_bucket_and_goes_at_its_own()
    {
        var tenant = await TenantAsync(new TenantSettings { Tokens = new TokenLifetimes { AccessTokenMinutes = 5, RefreshTokenDays = 1, PinSessionTokenMinutes = 600 } });
        var user = Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, await CreateAsync(tenant, Pin)));
        var sessionToken = (await user.LoginWithPasswordAsync(tenant, Password)).Tokens!.SessionToken!;
        var session = Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(sessionToken)!);
        // As if its end had moved on since it was journaled: an entry for now, in this hour's bucket.
        var journal = _cluster.Silos[0].ServiceProvider.GetRequiredService<ExpiryJournal>();
        journal.Track(((GrainReference)session).GrainId, _clock.GetUtcNow());
        await FlushJournalsAsync();

        _clock.Advance(TimeSpan.FromHours(1) + ExpiryBuckets.Grace + TimeSpan.FromMinutes(1));
        var first = await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();
        Assert.True(first.Visited > 0, first.ToString());
        Assert.Equal(0, first.Removed);
        Assert.Null((await session.LoginWithPinAsync(tenant, Pin)).Problem);

        // Its own end (600 minutes) plus the retention: journaled again by the first sweep, removed by a later one.
        await FlushJournalsAsync();
        _clock.Advance(TimeSpan.FromMinutes(600) + Retention + ExpiryBuckets.Grace + TimeSpan.FromHours(1));
        var later = await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();
        Assert.True(later.Removed > 0, later.ToString());
        Assert.Equal(ErrorCode.SessionTokenInvalid, (await session.LoginWithPinAsync(tenant, Pin)).Problem?.Code);
    }

    [Fact]
    public async Task The_repair_removes_expired_records_whose_journal_entries_a_crash_lost()
    {
        var tenant = await TenantAsync(new TenantSettings { Tokens = new TokenLifetimes { AccessTokenMinutes = 5, RefreshTokenDays = 1, PinSessionTokenMinutes = 30 } });
        var user = Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, await CreateAsync(tenant, Pin)));
        var baseline = await RowsAsync();
        var kept = await user.LoginWithPasswordAsync(tenant, Password);
        await FlushJournalsAsync();
        var lost = await user.LoginWithPasswordAsync(tenant, Password);
        Assert.NotNull((await user.BeginSecretAsync(tenant, SecretPurpose.PinReset, RecoveryChannel.Email)).ResetToken);
        // As if the silos holding these entries had died before their next flush.
        foreach (var silo in _cluster.Silos)
        {
            silo.ServiceProvider.GetRequiredService<ExpiryJournal>().Clear();
        }

        _clock.Advance(TimeSpan.FromDays(2) + Retention + TimeSpan.FromHours(2));
        await Grains.GetGrain<IExpirySweeperGrain>(0).SweepAsync();
        var leftOver = await RowsAsync();
        Assert.Equal(baseline.Count + 3, leftOver.Count); // the lost login's pair and session, the reset link

        var repair = await Grains.GetGrain<IExpirySweeperGrain>(0).RepairAsync();
        Assert.Equal(3, repair.Removed);
        Assert.Equal(baseline.Count, (await RowsAsync()).Count);
        Assert.Equal(ErrorCode.SessionTokenInvalid, (await Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(lost.Tokens!.SessionToken)!).LoginWithPinAsync(tenant, Pin)).Problem?.Code);
        Assert.Equal(ErrorCode.SessionTokenInvalid, (await Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(kept.Tokens!.SessionToken)!).LoginWithPinAsync(tenant, Pin)).Problem?.Code);
    }

    private async Task FlushJournalsAsync()
    {
        foreach (var silo in _cluster.Silos)
        {
            await silo.ServiceProvider.GetRequiredService<ExpiryJournal>().FlushAsync();
        }
    }

    private async Task<TenantSnapshot> TenantAsync(TenantSettings settings) =>
        await Grains.GetGrain<ITenantGrain>(Guid.NewGuid().ToString("D")).ConfigureAsync(new TenantDefinition { Name = "Expiring", ApiSecret = SecretToken.New(), Settings = settings });

    private async Task<string> CreateAsync(TenantSnapshot tenant, string? pin)
    {
        var uid = AccountKeys.NewUid();
        var created = await Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).CreateAsync(tenant, new NewAccount
        {
            Email = [new EmailAddress("Primary", $"{uid}@example.com")],
            Password = Password,
            Pin = pin is null ? (Sensitive?)null : new Sensitive(pin),
        });
        Assert.Null(created.Problem);
        return uid;
    }

    /// <summary>This cluster's rows of grain state, with the state each holds.</summary>
    private async Task<List<(string Key, string State)>> RowsAsync() => [.. await store.StateRowsAsync(_serviceId)];

    private static string Describe(List<(string Key, string State)> before, List<(string Key, string State)> after) =>
        $"before {before.Count} rows ({Tally(before)}), after {after.Count} ({Tally(after)})";

    private static string Tally(List<(string Key, string State)> rows) =>
        string.Join(", ", rows.GroupBy(r => r.State).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
}
