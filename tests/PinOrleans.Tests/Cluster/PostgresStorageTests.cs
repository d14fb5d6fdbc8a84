using Npgsql;
using Orleans.Storage;
using PinOrleans.Accounts;
using PinOrleans.Silo;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

/// <summary>
/// PinOrleans' PostgreSQL scripts (src/Silo/Sql) under the persistence provider: a cleared state leaves no row, a
/// stale version changes nothing, and a database without the DeleteStorageKey query gets it at the next start.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresStorageTests(PostgresClusterFixture fixture)
{
    private string ConnectionString => ((PostgresFixture)fixture.Store!).ConnectionString;

    private async Task<(IIdentifierGrain Grain, string Key)> NewIdentifierAsync()
    {
        var key = AccountKeys.Identifier((await fixture.NewTenantAsync()).ApiKey, IdentifierKind.Email, $"{Guid.NewGuid():N}@example.com");
        return (fixture.Grains.GetGrain<IIdentifierGrain>(key), key);
    }

    private async Task<long> RowsAsync(string key)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = @key", connection);
        command.Parameters.AddWithValue("key", key);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<GrainState<IdentifierState>> ReadAsync(IIdentifierGrain grain)
    {
        var state = new GrainState<IdentifierState>(new IdentifierState());
        await fixture.StoreProvider.ReadStateAsync("identifier", ((GrainReference)grain).GrainId, state);
        return state;
    }

    [Fact]
    public async Task Clearing_a_state_deletes_its_row_and_a_new_write_starts_a_new_one()
    {
        var (grain, key) = await NewIdentifierAsync();
        await fixture.WriteStoredStateAsync("identifier", grain, new IdentifierState { Uid = "uid-1" });
        Assert.Equal(1, await RowsAsync(key));

        var state = await ReadAsync(grain);
        Assert.True(state.RecordExists);
        await fixture.StoreProvider.ClearStateAsync("identifier", ((GrainReference)grain).GrainId, state);

        Assert.Equal(0, await RowsAsync(key));
        Assert.Null(state.ETag);
        Assert.False((await ReadAsync(grain)).RecordExists);

        await fixture.WriteStoredStateAsync("identifier", grain, new IdentifierState { Uid = "uid-2" });
        Assert.Equal(1, await RowsAsync(key));
        Assert.Equal("uid-2", (await ReadAsync(grain)).State!.Uid);
    }

    [Fact]
    public async Task A_write_or_clear_with_a_stale_version_changes_nothing()
    {
        var (grain, key) = await NewIdentifierAsync();
        await fixture.WriteStoredStateAsync("identifier", grain, new IdentifierState { Uid = "uid-1" });
        var stale = await ReadAsync(grain);
        await fixture.WriteStoredStateAsync("identifier", grain, new IdentifierState { Uid = "uid-2" });

        var id = ((GrainReference)grain).GrainId;
        stale.State = new IdentifierState { Uid = "uid-3" };
        await Assert.ThrowsAsync<InconsistentStateException>(() => fixture.StoreProvider.WriteStateAsync("identifier", id, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => fixture.StoreProvider.ClearStateAsync("identifier", id, stale));
        var fresh = new GrainState<IdentifierState>(new IdentifierState { Uid = "uid-4" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => fixture.StoreProvider.WriteStateAsync("identifier", id, fresh)); // no version: only for a grain without a row

        Assert.Equal(1, await RowsAsync(key));
        Assert.Equal("uid-2", (await ReadAsync(grain)).State!.Uid);
    }

    [Fact]
    public async Task A_database_without_the_delete_query_gets_it_once()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("DELETE FROM orleansquery WHERE querykey = 'DeleteStorageKey'", connection);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        Assert.Equal(["PostgreSQL-DeleteStorage.sql"], await PostgresSchema.EnsureAsync(ConnectionString));
        Assert.Empty(await PostgresSchema.EnsureAsync(ConnectionString));
    }
}
