using System.Net;
using Orleans.Storage;
using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class StorageWriteTests(ClusterFixture fixture) : StorageWriteSuite(fixture);

[Collection(AzureTableClusterCollection.Name)]
public sealed class AzureTableStorageWriteTests(AzureTableClusterFixture fixture) : StorageWriteSuite(fixture);

[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresStorageWriteTests(PostgresClusterFixture fixture) : StorageWriteSuite(fixture);

/// <summary>
/// What a PIN login costs in storage writes: every write acknowledged before the answer, and no more of them than
/// needed. On every store (in memory, Azurite, PostgreSQL: one class each).
/// </summary>
public abstract class StorageWriteSuite(ClusterFixture fixture)
{
    private async Task<(string Uid, string Session)> AccountWithSessionAsync(TestTenant tenant)
    {
        var uid = await fixture.NewAccountAsync(tenant, pin: "7890");
        return (uid, await fixture.NewSessionAsync(tenant, uid));
    }

    private static async Task<int> LoginsInAnswerAsync(HttpResponseMessage response) =>
        (await Api.ExpectAsync(response, HttpStatusCode.OK)).GetProperty("Profile").GetProperty("NoOfLogins").GetInt32();

    private Task DeactivateAsync(TestTenant tenant, string uid) => DeactivateAsync(fixture.UserGrainId(tenant, uid));

    private async Task DeactivateAsync(GrainId grain)
    {
        var management = fixture.Grains.GetGrain<IManagementGrain>(0);
        await Eventually.UntilAsync(async () =>
        {
            await management.ForceActivationCollection(TimeSpan.Zero);
            return !(await management.GetDetailedGrainStatistics()).Any(s => s.GrainId == grain);
        }, seen: () => $"{grain} stayed active");
    }

    [Fact]
    public async Task A_successful_pin_login_writes_once_a_failed_one_once_and_a_locked_refusal_never()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await AccountWithSessionAsync(tenant);

        var before = fixture.StorageWrites;
        var readsBefore = fixture.StorageReads;
        await Api.ExpectAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        Assert.Equal(1, fixture.StorageWrites - before); // the token pair; the login statistics wait (UserGrain.LoginStats.cs)
        Assert.Equal(0, fixture.StorageReads - readsBefore); // the account and session are active; the new pair is not read before its write

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            before = fixture.StorageWrites;
            await fixture.Api.PinLoginAsync(tenant, session, "0000");
            Assert.Equal(1, fixture.StorageWrites - before); // the failure (and at the fifth, the lock) in one write
        }

        before = fixture.StorageWrites;
        await Api.ExpectErrorAsync(await fixture.Api.PinLoginAsync(tenant, session, "0000"), 403, 1198);
        await Api.ExpectErrorAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"), 403, 1198);
        Assert.Equal(0, fixture.StorageWrites - before);
    }

    [Fact]
    public async Task Login_statistics_left_unwritten_are_served_at_once_and_written_when_the_account_deactivates()
    {
        var tenant = await fixture.NewTenantAsync();
        var (uid, session) = await AccountWithSessionAsync(tenant);
        var stored = (await fixture.StoredUserAsync(tenant, uid)).NoOfLogins;

        var first = await LoginsInAnswerAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"));
        var second = await LoginsInAnswerAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"));

        Assert.Equal(stored + 1, first);
        Assert.Equal(stored + 2, second);
        Assert.Equal(stored, (await fixture.StoredUserAsync(tenant, uid)).NoOfLogins);

        await DeactivateAsync(tenant, uid);
        var written = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(stored + 2, written.NoOfLogins);
        Assert.NotNull(written.LastLoginDate);
        Assert.Equal(stored + 3, await LoginsInAnswerAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890")));
    }

    [Fact]
    public async Task The_next_write_of_the_account_carries_the_unwritten_statistics()
    {
        var tenant = await fixture.NewTenantAsync();
        var (uid, session) = await AccountWithSessionAsync(tenant);
        var stored = (await fixture.StoredUserAsync(tenant, uid)).NoOfLogins;

        await LoginsInAnswerAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"));
        await Api.ExpectErrorAsync(await fixture.Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);

        var written = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(stored + 1, written.NoOfLogins);
        Assert.NotEmpty(written.Failures);
    }

    [Fact]
    public async Task A_success_that_clears_failures_is_written_before_its_answer()
    {
        var tenant = await fixture.NewTenantAsync();
        var (uid, session) = await AccountWithSessionAsync(tenant);
        await Api.ExpectErrorAsync(await fixture.Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        Assert.NotEmpty((await fixture.StoredUserAsync(tenant, uid)).Failures);

        var before = fixture.StorageWrites;
        var logins = await LoginsInAnswerAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"));

        Assert.Equal(2, fixture.StorageWrites - before); // the account (its count cleared) and the token pair
        var written = await fixture.StoredUserAsync(tenant, uid);
        Assert.Empty(written.Failures);
        Assert.Equal(logins, written.NoOfLogins);
    }

    [Fact]
    public async Task An_issue_under_a_stored_token_pairs_key_is_refused_by_storage_and_changes_nothing()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant, pin: "7890");
        var account = fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
        var login = (await account.LoginWithPasswordAsync(snapshot, "correct-horse-42")).Tokens!;
        var pair = fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(login.AccessToken)!);
        var stored = await fixture.StoredStateAsync<LoginTokensState>("tokens", pair);
        Assert.Equal(LoginTokens.HashOf(login.AccessToken), stored.AccessHash);

        // A fresh activation of the same key told to issue (what only a bug could do) assumes no record: storage
        // refuses the insert, and what it holds stays the login's.
        await DeactivateAsync(((GrainReference)pair).GrainId);
        var forged = new LoginTokens(stored.Grant! with { Uid = "someone-else" }, LoginTokens.HashOf("forged-access"), LoginTokens.HashOf("forged-refresh"), stored.RefreshExpiresAt);
        await Assert.ThrowsAnyAsync<InconsistentStateException>(() => pair.IssueAsync(forged));
        var after = await fixture.StoredStateAsync<LoginTokensState>("tokens", pair);
        Assert.Equal(stored.AccessHash, after.AccessHash);
        Assert.Equal(uid, after.Grant!.Uid);

        // The next activation reads the record: the login's token is live, the forged one unknown.
        Assert.Equal(uid, (await pair.ValidateAccessAsync(tenant.ApiKey, login.AccessToken)).Grant?.Uid);
        Assert.Equal(ErrorCode.AccessTokenInvalid, (await pair.ValidateAccessAsync(tenant.ApiKey, "forged-access")).Problem?.Code);
    }
}
