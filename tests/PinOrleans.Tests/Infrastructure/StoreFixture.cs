namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A real store the storage tests run against (one suite, every store): started on a free port with its own data,
/// stopped and started again by the tests, removed at the end.
/// </summary>
public interface IStoreFixture : IAsyncLifetime
{
    /// <summary>What a silo is configured with to use this store.</summary>
    StorageSettings Settings { get; }

    /// <summary>Stops the store the way its operator should (every committed write kept).</summary>
    Task StopAsync();

    Task StartAsync();

    async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Every row the store holds (grain state, membership, reminders), each as text, for "nothing secret at rest" checks.</summary>
    Task<IReadOnlyList<string>> StoredRowsAsync();

    /// <summary>The grain-state rows one service holds in the store: each row's grain key and the name of the state it holds.</summary>
    Task<IReadOnlyList<(string Key, string State)>> StateRowsAsync(string serviceId);

    /// <summary>The status (<c>Active</c>, <c>Dead</c>, ...) of every silo of the cluster in the membership table.</summary>
    Task<IReadOnlyList<string>> MembershipAsync(string clusterId);
}
