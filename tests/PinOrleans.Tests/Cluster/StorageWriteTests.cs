using System.Net;
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
    [Fact]
    public async Task A_successful_pin_login_writes_twice_a_failed_one_once_and_a_locked_refusal_never()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await fixture.Api.AccountWithSessionAsync(tenant);

        var before = fixture.StorageWrites;
        await Api.ExpectAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        Assert.Equal(2, fixture.StorageWrites - before); // the account (login count) and the token pair

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
}
