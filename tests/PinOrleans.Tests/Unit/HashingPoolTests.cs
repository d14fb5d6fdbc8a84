using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PinOrleans.Security;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// The hashing pool: a fixed number of threads, a bounded queue per lane served in lane order, work dropped unrun at
/// its deadline or when its caller cancels, results and failures handed back. Time is a manual clock; a "plug" is
/// work that holds the only thread until the test lets it go, so what waits behind it is known exactly.
/// </summary>
public sealed class HashingPoolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(1000);

    [Fact]
    public async Task Runs_at_most_its_thread_count_at_once_and_returns_results_and_failures()
    {
        using var pool = new HashingPool(Options.Create(new HashingOptions { Threads = 2, Nice = 0 }), NullLogger<HashingPool>.Instance, TimeProvider.System, Metrics);
        var running = 0;
        var most = 0;
        using var door = new ManualResetEventSlim();
        var work = Enumerable.Range(0, 8).Select(i => pool.RunAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            door.Wait();
            Interlocked.Decrement(ref running);
            return i * i;
        })).ToList();

        // Two run (and wait at the door), the other six wait their turn in the queue.
        await Eventually.UntilAsync(() => Volatile.Read(ref running) == 2 && pool.Queued == 6, seen: () => $"{running} running, {pool.Queued} queued");
        door.Set();
        var results = await Task.WhenAll(work);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => i * i), results);
        Assert.Equal(2, most);
        Assert.Equal(2, pool.Threads);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.RunAsync<int>(() => throw new InvalidOperationException("boom")));
        Assert.Equal(7, await pool.RunAsync(() => 7));
    }

    [Fact]
    public void The_default_bounds_follow_the_thread_count_and_are_never_unbounded()
    {
        using var pool = Pool(new HashingOptions { Threads = 3, Nice = 0 });
        Assert.Equal(96, pool.QueueLimit);
        Assert.Equal(24, pool.AnonymousQueueLimit);
        Assert.Throws<InvalidOperationException>(() => Pool(new HashingOptions { Threads = 1, QueueLimit = -1 }));
        Assert.Throws<InvalidOperationException>(() => Pool(new HashingOptions { Threads = 1, QueueTimeoutMilliseconds = 0 }));
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_never_runs_the_refused_work()
    {
        using var pool = Pool(new HashingOptions { Threads = 1, Nice = 0, QueueLimit = 2, AnonymousQueueLimit = 1 });
        var ran = new ConcurrentQueue<string>();
        using var plug = PlugThread(pool);

        var anonymous = pool.RunAsync(() => Ran(ran, "anonymous"), HashLane.Anonymous);
        var anonymousOver = pool.RunAsync(() => Ran(ran, "anonymous over"), HashLane.Anonymous);
        var account = pool.RunAsync(() => Ran(ran, "account"));
        var accountOver = pool.RunAsync(() => Ran(ran, "account over"));
        var accountRefused = pool.RunAsync(() => Ran(ran, "account refused"));

        // The anonymous lane holds one; the whole queue two. Refusals are immediate, not after a wait.
        Assert.IsType<HashingBusyException>(anonymousOver.Exception?.InnerException);
        Assert.Equal(2, pool.Queued);
        Assert.False(account.IsCompleted);
        // The queue was full of account work and one anonymous hash: account work takes the anonymous place...
        Assert.IsType<HashingBusyException>(anonymous.Exception?.InnerException);
        Assert.False(accountOver.IsCompleted);
        // ...but never the place of work of its own lane.
        Assert.IsType<HashingBusyException>(accountRefused.Exception?.InnerException);

        plug.Dispose();
        Assert.Equal("account", await account);
        Assert.Equal("account over", await accountOver);
        Assert.Equal(["account", "account over"], ran);
    }

    [Fact]
    public async Task Lanes_are_served_in_order_and_session_work_takes_the_place_of_lower_lanes()
    {
        using var pool = Pool(new HashingOptions { Threads = 1, Nice = 0, QueueLimit = 3, AnonymousQueueLimit = 2 });
        var ran = new ConcurrentQueue<string>();
        using var plug = PlugThread(pool);

        var anonymous = pool.RunAsync(() => Ran(ran, "anonymous"), HashLane.Anonymous);
        var account = pool.RunAsync(() => Ran(ran, "account"));
        var newest = pool.RunAsync(() => Ran(ran, "anonymous, newest"), HashLane.Anonymous);
        var session = pool.RunAsync(() => Ran(ran, "session"), HashLane.Session);

        // Full with three: the PIN login pushes out the newest hash of the lowest lane.
        Assert.IsType<HashingBusyException>(newest.Exception?.InnerException);
        Assert.Equal(3, pool.Queued);

        plug.Dispose();
        await Task.WhenAll(anonymous, account, session);
        Assert.Equal(["session", "account", "anonymous"], ran);
    }

    [Fact]
    public async Task Work_not_started_by_its_deadline_is_dropped_unrun_and_lets_go_of_its_secret()
    {
        var clock = new TestClock();
        using var pool = Pool(new HashingOptions { Threads = 1, Nice = 0, QueueTimeoutMilliseconds = (int)Timeout.TotalMilliseconds }, clock);
        var ran = new ConcurrentQueue<string>();
        using var plug = PlugThread(pool);
        var (late, secret) = QueueHoldingSecret(pool, ran);

        clock.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(late.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        // Answered at the deadline, while the thread is still busy: the caller is not kept waiting.
        var busy = await Assert.ThrowsAsync<HashingBusyException>(() => late);
        Assert.Contains("1000 ms", busy.Message, StringComparison.Ordinal);
        Assert.Equal(0, pool.Queued);
        Assert.False(IsAlive(secret));

        plug.Dispose();
        Assert.Equal("after", await pool.RunAsync(() => Ran(ran, "after")));
        Assert.Equal(["after"], ran);
    }

    [Fact]
    public async Task Work_whose_caller_cancels_is_dropped_unrun_and_frees_its_place()
    {
        using var pool = Pool(new HashingOptions { Threads = 1, Nice = 0, QueueLimit = 1 });
        var ran = new ConcurrentQueue<string>();
        using var plug = PlugThread(pool);
        using var caller = new CancellationTokenSource();
        var cancelled = pool.RunAsync(() => Ran(ran, "cancelled"), HashLane.Session, caller.Token);
        Assert.Equal(1, pool.Queued);

        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True(cancelled.IsCanceled);
        Assert.Equal(0, pool.Queued);
        // Its place is free again; an already cancelled caller is not queued at all.
        var next = pool.RunAsync(() => Ran(ran, "next"));
        Assert.True(pool.RunAsync(() => Ran(ran, "never"), HashLane.Session, caller.Token).IsCanceled);

        plug.Dispose();
        Assert.Equal("next", await next);
        Assert.Equal(["next"], ran);
    }

    private static readonly Operations.PinOrleansMetrics Metrics =
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

    private static HashingPool Pool(HashingOptions options, TimeProvider? time = null) =>
        new(Options.Create(options), NullLogger<HashingPool>.Instance, time ?? TimeProvider.System, Metrics);

    private static string Ran(ConcurrentQueue<string> ran, string name)
    {
        ran.Enqueue(name);
        return name;
    }

    /// <summary>Queues work that holds the pool's only thread until disposed; returns once the thread has it.</summary>
    private static Plug PlugThread(HashingPool pool)
    {
        var plug = new Plug();
        _ = pool.RunAsync(() =>
        {
            plug.Started.Set();
            plug.Release.Wait();
            return 0;
        });
        Assert.True(plug.Started.Wait(TimeSpan.FromSeconds(30)), "The hashing thread never took the plug.");
        return plug;
    }

    /// <summary>Queues work whose closure holds the only reference to a secret; returns a weak reference to that secret.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Task<string> Work, WeakReference Secret) QueueHoldingSecret(HashingPool pool, ConcurrentQueue<string> ran)
    {
        var secret = new string('7', 4).ToCharArray();
        return (pool.RunAsync(() => Ran(ran, new string(secret))), new WeakReference(secret));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsAlive(WeakReference reference)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return reference.IsAlive;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}

/// <summary>Holds a hashing thread: <see cref="Started"/> once it runs, until <see cref="Dispose"/>.</summary>
internal sealed class Plug : IDisposable
{
    public ManualResetEventSlim Started { get; } = new();

    public ManualResetEventSlim Release { get; } = new();

    public void Dispose() => Release.Set();
}
