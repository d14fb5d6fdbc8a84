using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PinOrleans.Security;

/// <summary>
/// A fixed set of dedicated threads (one per core by default) that run every Argon2id hash of the silo. Grain turns
/// only queue work here and await it, so hashing never blocks the Orleans scheduler, and the threads run at a higher
/// priority than request handling where the OS allows it.
/// <para>
/// Admission control: work waits in one queue per <see cref="HashLane"/>, served in lane order and first come first
/// served within a lane. The queue is bounded (<see cref="HashingOptions.QueueLimit"/>, the anonymous lane also by
/// <see cref="HashingOptions.AnonymousQueueLimit"/>); work that finds no room, or has not reached a thread within
/// <see cref="HashingOptions.QueueTimeoutMilliseconds"/>, fails with <see cref="HashingBusyException"/>, and work
/// whose caller cancels fails as cancelled. Either way it is never run, and the pool lets go of the secret at once.
/// </para>
/// </summary>
public sealed partial class HashingPool : IDisposable
{
    private static readonly HashLane[] Lanes = Enum.GetValues<HashLane>();

    private readonly Operations.PinOrleansMetrics _metrics;
    private readonly object _gate = new();
    private readonly LinkedList<Work>[] _queues = [.. Lanes.Select(_ => new LinkedList<Work>())];
    private readonly List<Thread> _threads = [];
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private int _queued;
    private bool _disposed;

    public HashingPool(IOptions<HashingOptions> options, ILogger<HashingPool> logger, TimeProvider time, Operations.PinOrleansMetrics metrics)
    {
        _metrics = metrics;
        var o = options.Value;
        var count = o.Threads > 0 ? o.Threads : Environment.ProcessorCount;
        if (!o.AdmissionValid)
        {
            throw new InvalidOperationException(HashingOptions.AdmissionRules);
        }

        _time = time;
        _timeout = TimeSpan.FromMilliseconds(o.QueueTimeoutMilliseconds);
        QueueLimit = o.QueueLimit > 0 ? o.QueueLimit : 32 * count;
        AnonymousQueueLimit = Math.Min(QueueLimit, o.AnonymousQueueLimit > 0 ? o.AnonymousQueueLimit : 8 * count);
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
        LogStarted(logger, count, prioritized == count ? $"nice {o.Nice}" : "default priority (raising it needs CAP_SYS_NICE)",
            QueueLimit, AnonymousQueueLimit, o.QueueTimeoutMilliseconds);
    }

    public int Threads => _threads.Count;

    /// <summary>Most hashes waiting, all lanes together.</summary>
    public int QueueLimit { get; }

    /// <summary>Most hashes waiting in <see cref="HashLane.Anonymous"/>.</summary>
    public int AnonymousQueueLimit { get; }

    /// <summary>Hashes waiting for a thread right now.</summary>
    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _queued;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="hash"/> on a hashing thread; completes (never inline) when it is done. Fails with
    /// <see cref="HashingBusyException"/> when it cannot be queued or does not start in time, and as cancelled when
    /// <paramref name="cancellationToken"/> fires first; in both cases <paramref name="hash"/> never runs.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> hash, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var work = new Work<T>(this, hash, lane, _time.GetUtcNow() + _timeout, cancellationToken);
        // Armed before it is queued, so a thread that takes it always finds the timer to stop; whichever of the
        // deadline or the caller's cancellation fires first takes the work out of the queue unrun.
        work.Arm();
        Work? displaced = null;
        string? refusal = null;
        lock (_gate)
        {
            if (_disposed)
            {
                refusal = "disposed";
            }
            else if (lane == HashLane.Anonymous && _queues[(int)HashLane.Anonymous].Count >= AnonymousQueueLimit)
            {
                refusal = "full";
            }
            else if (_queued >= QueueLimit && (displaced = TakeNewestBelow(lane)) is null)
            {
                refusal = "full";
            }
            else
            {
                work.Node = _queues[(int)lane].AddLast(work);
                _queued++;
                Monitor.Pulse(_gate);
            }
        }

        displaced?.Drop("full");
        if (refusal is not null)
        {
            work.Drop(refusal);
        }

        return work.Task;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The newest waiting work of the lowest lane below <paramref name="lane"/>, taken out of its queue; null when there is none.</summary>
    private Work? TakeNewestBelow(HashLane lane)
    {
        for (var i = Lanes.Length - 1; i > (int)lane; i--)
        {
            if (_queues[i].Last is { } newest)
            {
                Remove(newest.Value);
                return newest.Value;
            }
        }

        return null;
    }

    private void Remove(Work work)
    {
        work.Node!.List!.Remove(work.Node);
        _queued--;
    }

    /// <summary>Takes <paramref name="work"/> out of the queue if it is still waiting; false when a thread already has it.</summary>
    private bool TryWithdraw(Work work)
    {
        lock (_gate)
        {
            if (work.Node?.List is null)
            {
                return false;
            }

            Remove(work);
            return true;
        }
    }

    private void Run()
    {
        while (true)
        {
            Work? work = null;
            lock (_gate)
            {
                while (work is null)
                {
                    foreach (var queue in _queues)
                    {
                        if (queue.First is { } first)
                        {
                            work = first.Value;
                            Remove(work);
                            break;
                        }
                    }

                    if (work is null)
                    {
                        if (_disposed)
                        {
                            return;
                        }

                        Monitor.Wait(_gate);
                    }
                }
            }

            work.Start();
        }
    }

    /// <summary>One queued hash: what to run, for whom, until when; the secret goes with <see cref="Drop"/> or the run.</summary>
    private abstract class Work(HashingPool pool, HashLane lane, DateTimeOffset deadline, CancellationToken cancellation)
    {
        private readonly long _queuedAt = Stopwatch.GetTimestamp();
        private ITimer? _timer;
        private CancellationTokenRegistration _cancellation;

        public LinkedListNode<Work>? Node { get; set; }

        /// <summary>Starts the deadline timer and listens to the caller's cancellation; each withdraws the work if it still waits.</summary>
        public void Arm()
        {
            _timer = pool._time.CreateTimer(static state => ((Work)state!).Withdraw("timeout"), this, pool._timeout, Timeout.InfiniteTimeSpan);
            _cancellation = cancellation.Register(static state => ((Work)state!).Withdraw("cancelled"), this);
        }

        /// <summary>On a hashing thread: runs the hash unless its caller is gone or its time ran out meanwhile.</summary>
        public void Start()
        {
            Disarm();
            if (cancellation.IsCancellationRequested)
            {
                Drop("cancelled");
            }
            else if (pool._time.GetUtcNow() >= deadline)
            {
                Drop("timeout");
            }
            else
            {
                var startedAt = Stopwatch.GetTimestamp();
                pool._metrics.HashWait.Record(Stopwatch.GetElapsedTime(_queuedAt, startedAt).TotalMilliseconds, new KeyValuePair<string, object?>("lane", LaneName));
                Execute();
                pool._metrics.HashDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds);
            }
        }

        /// <summary>Fails the work unrun and lets go of the secret.</summary>
        public void Drop(string reason)
        {
            Disarm();
            pool._metrics.HashDropped.Add(1, new KeyValuePair<string, object?>("lane", LaneName), new KeyValuePair<string, object?>("reason", reason));
            Fail(reason switch
            {
                "cancelled" => null,
                "disposed" => new ObjectDisposedException(nameof(HashingPool)),
                "timeout" => new HashingBusyException($"The hash waited longer than {pool._timeout.TotalMilliseconds:F0} ms for a hashing thread and was not run."),
                _ => new HashingBusyException($"The hashing queue ({LaneName} lane) is full; the hash was not run."),
            }, cancellation);
        }

        protected abstract void Execute();

        /// <summary>Completes the caller's task as failed (<paramref name="error"/>) or, when it is null, cancelled; forgets the hash.</summary>
        protected abstract void Fail(Exception? error, CancellationToken cancellation);

        private string LaneName => lane switch { HashLane.Session => "session", HashLane.Account => "account", _ => "anonymous" };

        private void Withdraw(string reason)
        {
            if (pool.TryWithdraw(this))
            {
                Drop(reason);
            }
        }

        private void Disarm()
        {
            _timer?.Dispose();
            _cancellation.Dispose();
        }
    }

    private sealed class Work<T>(HashingPool pool, Func<T> hash, HashLane lane, DateTimeOffset deadline, CancellationToken cancellation)
        : Work(pool, lane, deadline, cancellation)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Func<T>? _hash = hash;

        public Task<T> Task => _done.Task;

        protected override void Execute()
        {
            var run = Interlocked.Exchange(ref _hash, null);
            if (run is null)
            {
                return;
            }

            try
            {
                _done.TrySetResult(run());
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }
        }

        protected override void Fail(Exception? error, CancellationToken cancellation)
        {
            if (Interlocked.Exchange(ref _hash, null) is null)
            {
                return;
            }

            if (error is null)
            {
                _done.TrySetCanceled(cancellation);
            }
            else
            {
                _done.TrySetException(error);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Hashing on {Threads} dedicated threads at {Priority}; at most {QueueLimit} waiting ({AnonymousQueueLimit} anonymous), each at most {TimeoutMs} ms")]
    private static partial void LogStarted(ILogger logger, int threads, string priority, int queueLimit, int anonymousQueueLimit, int timeoutMs);
}
