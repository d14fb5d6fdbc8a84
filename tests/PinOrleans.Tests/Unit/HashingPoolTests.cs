using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PinOrleans.Security;

namespace PinOrleans.Tests.Unit;

/// <summary>The hashing pool: a fixed number of threads, work queued beyond them, results and failures handed back.</summary>
public sealed class HashingPoolTests
{
    [Fact]
    public async Task Runs_at_most_its_thread_count_at_once_and_returns_results_and_failures()
    {
        using var pool = new HashingPool(Options.Create(new HashingOptions { Threads = 2, Nice = 0 }), NullLogger<HashingPool>.Instance);
        var running = 0;
        var most = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => pool.RunAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(50);
            Interlocked.Decrement(ref running);
            return i * i;
        })));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => i * i), results);
        Assert.Equal(2, most);
        Assert.Equal(2, pool.Threads);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(7, await pool.RunAsync(() => 7));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
