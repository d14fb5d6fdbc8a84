using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PinOrleans.Security;

/// <summary>
/// A fixed set of dedicated threads (one per core by default) that run every Argon2id hash of the silo, in
/// arrival order. Grain turns only queue work here and await it, so hashing never blocks the Orleans scheduler,
/// and the threads run at a higher priority than request handling where the OS allows it.
/// </summary>
public sealed partial class HashingPool : IDisposable
{
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly List<Thread> _threads = [];

    public HashingPool(IOptions<HashingOptions> options, ILogger<HashingPool> logger)
    {
        var o = options.Value;
        var count = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
        var prioritized = 0;
        using var started = new CountdownEvent(count);
        for (var i = 0; i < count; i++)
        {
            var thread = new Thread(() =>
            {
                if (o.Nice != 0 && TrySetNice(o.Nice))
                {
                    Interlocked.Increment(ref prioritized);
                }

                started.Signal();
                Run();
            })
            {
                IsBackground = true,
                Name = $"pinorleans-hash-{i}",
            };
            _threads.Add(thread);
            thread.Start();
        }

        started.Wait();
        LogStarted(logger, count, prioritized == count ? $"nice {o.Nice}" : "default priority (raising it needs CAP_SYS_NICE)");
    }

    private static readonly System.Diagnostics.Metrics.Histogram<double> HashDuration = CountingGrainStorage.Meter.CreateHistogram<double>(
        "pinorleans.hash.duration", unit: "ms", description: "Time one Argon2id hash or verification takes on a hashing thread");

    private static readonly System.Diagnostics.Metrics.Histogram<double> HashWait = CountingGrainStorage.Meter.CreateHistogram<double>(
        "pinorleans.hash.queue_wait", unit: "ms", description: "Time a hash waits for a hashing thread");

    public int Threads => _threads.Count;

    /// <summary>Runs <paramref name="hash"/> on a hashing thread; completes (never inline) when it is done.</summary>
    public Task<T> RunAsync<T>(Func<T> hash)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queuedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var queued = _work.Writer.TryWrite(() =>
        {
            try
            {
                var startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
                var result = hash();
                HashDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
                HashWait.Record(System.Diagnostics.Stopwatch.GetElapsedTime(queuedAt, startedAt).TotalMilliseconds);
                done.SetResult(result);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return queued ? done.Task : Task.FromException<T>(new ObjectDisposedException(nameof(HashingPool)));
    }

    public void Dispose() => _work.Writer.TryComplete();

    private void Run()
    {
        var reader = _work.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var item))
            {
                item();
            }
        }
    }

    private static bool TrySetNice(int nice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return SetPriority(0 /* PRIO_PROCESS: with a thread id, that thread */, GetTid(), nice) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LoggerMessage(Level = LogLevel.Information, Message = "Hashing on {Threads} dedicated threads at {Priority}")]
    private static partial void LogStarted(ILogger logger, int threads, string priority);
}
