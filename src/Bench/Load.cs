using System.Diagnostics;
using System.Globalization;

namespace PinOrleans.Bench;

/// <summary>One request of a scenario: sends it, returns whether the answer was the expected one.</summary>
public delegate Task<bool> Request(HttpClient http, int worker, long sequence);

/// <summary>What one scenario (or one kind of request within it) measured.</summary>
public sealed record Measured(string Name, long Requests, long Errors, double Seconds, double P50, double P90, double P99, double Max)
{
    public double Rps => Requests / Seconds;

    public static Measured Of(string name, List<double> latencies, long errors, double seconds)
    {
        latencies.Sort();
        double At(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return new Measured(name, latencies.Count, errors, seconds, At(0.50), At(0.90), At(0.99), latencies.Count == 0 ? 0 : latencies[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Rps:F1} req/s, p50 {P50:F2} ms, p90 {P90:F2} ms, p99 {P99:F2} ms, errors {Errors}");
}

/// <summary>
/// CPU time of processes (Linux /proc), to report CPU per process for each scenario. Each process counts with its
/// descendants, living or exited (a PostgreSQL server is a postmaster and one backend per connection).
/// </summary>
public sealed class CpuSample
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, long> _ticks;
    private readonly long _started = Stopwatch.GetTimestamp();

    private CpuSample(Dictionary<string, long> ticks) => _ticks = ticks;

    public static CpuSample Take(IReadOnlyDictionary<string, int> processes)
    {
        var all = ProcessTable();
        return new(processes.ToDictionary(p => p.Key, p => TreeTicks(all, p.Value)));
    }

    /// <summary>CPU per process since this sample, in percent of one core (200 % = both cores of a 2-core machine).</summary>
    public Dictionary<string, double> PercentSince(IReadOnlyDictionary<string, int> processes)
    {
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        return SecondsSince(processes).ToDictionary(p => p.Key, p => Math.Round(100 * p.Value / seconds, 1));
    }

    /// <summary>CPU seconds per process since this sample (all its threads, on any core).</summary>
    public Dictionary<string, double> SecondsSince(IReadOnlyDictionary<string, int> processes)
    {
        var all = ProcessTable();
        return processes.ToDictionary(p => p.Key, p => (TreeTicks(all, p.Value) - _ticks[p.Key]) / TicksPerSecond);
    }

    /// <summary>
    /// CPU ticks of a process and all its descendants: each one's own user and system time plus that of its children
    /// already reaped (cutime, cstime), so a child that exits between two samples moves from one sum to the other.
    /// </summary>
    internal static long TreeTicks(IReadOnlyDictionary<int, (int Parent, long Ticks)> processes, int pid)
    {
        if (!processes.TryGetValue(pid, out var self))
        {
            return 0;
        }

        return self.Ticks + processes.Where(p => p.Value.Parent == pid && p.Key != pid).Sum(p => TreeTicks(processes, p.Key));
    }

    /// <summary>Every process of the machine: its parent and its own and reaped children's CPU ticks.</summary>
    private static Dictionary<int, (int Parent, long Ticks)> ProcessTable()
    {
        var table = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                table[pid] = stat;
            }
        }

        return table;
    }

    private static (int Parent, long Ticks)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // After "pid (comm) ": state, ppid, ..., utime (11), stime (12), cutime (13), cstime (14).
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
            return ((int)Field(1), Field(11) + Field(12) + Field(13) + Field(14));
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
    }

    /// <summary>Resident set size of a process in bytes (VmRSS).</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}

/// <summary>Drives HTTP load: closed loops (N workers back to back) and open loops (a fixed arrival rate).</summary>
public static class Load
{
    /// <summary>
    /// <paramref name="concurrency"/> workers send requests back to back; the first <paramref name="warmup"/> is not
    /// measured. Returns one measurement per request kind (<paramref name="kindOf"/> names it) plus "all".
    /// </summary>
    public static Task<Dictionary<string, Measured>> ClosedAsync(
        HttpClient http, int concurrency, TimeSpan warmup, TimeSpan duration, Func<long, string> kindOf, Func<string, Request> requestFor) =>
        ClosedAsync(concurrency, warmup, duration, async (worker, n) =>
        {
            var kind = kindOf(n);
            try
            {
                return (kind, await requestFor(kind)(http, worker, n));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return (kind, false);
            }
        });

    /// <summary>
    /// As above, with each request's kind named by its answer (<paramref name="send"/> returns it, e.g. the HTTP status),
    /// so answers of different kinds are measured apart; a request that fails on the wire is of kind "failed".
    /// </summary>
    public static async Task<Dictionary<string, Measured>> ClosedAsync(
        int concurrency, TimeSpan warmup, TimeSpan duration, Func<int, long, Task<(string Kind, bool Ok)>> send)
    {
        var sequence = -1L;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var end = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWorker = new (Dictionary<string, List<double>> Latencies, Dictionary<string, long> Errors)[concurrency];
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var latencies = new Dictionary<string, List<double>>();
            var errors = new Dictionary<string, long>();
            perWorker[worker] = (latencies, errors);
            while (true)
            {
                var n = Interlocked.Increment(ref sequence);
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end)
                {
                    break;
                }

                (string Kind, bool Ok) answer;
                try
                {
                    answer = await send(worker, n);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    answer = ("failed", false);
                }

                var done = Stopwatch.GetTimestamp();
                if (sent >= measureFrom && done <= end)
                {
                    Record(latencies, errors, answer.Kind, Stopwatch.GetElapsedTime(sent, done).TotalMilliseconds, answer.Ok);
                }
            }
        })));
        return Merge(perWorker, duration.TotalSeconds);
    }

    /// <summary>
    /// Requests at a fixed <paramref name="perSecond"/> rate whatever the answers take (latency counted from when each
    /// request was due, so a stalled server cannot hide its queue).
    /// </summary>
    public static async Task<Measured> OpenAsync(HttpClient http, double perSecond, TimeSpan warmup, TimeSpan duration, Request request, string name)
    {
        var latencies = new List<double>();
        long errors = 0;
        var gate = new object();
        var start = Stopwatch.GetTimestamp();
        var total = (long)((warmup + duration).TotalSeconds * perSecond);
        var measureFirst = (long)(warmup.TotalSeconds * perSecond);
        var inFlight = new List<Task>();
        for (long n = 0; n < total; n++)
        {
            var due = start + (long)(n / perSecond * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var index = n;
            inFlight.Add(Task.Run(async () =>
            {
                bool ok;
                try
                {
                    ok = await request(http, 0, index);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    ok = false;
                }

                var latency = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                if (index >= measureFirst)
                {
                    lock (gate)
                    {
                        latencies.Add(latency);
                        errors += ok ? 0 : 1;
                    }
                }
            }));
        }

        await Task.WhenAll(inFlight);
        lock (gate)
        {
            return Measured.Of(name, latencies, errors, duration.TotalSeconds);
        }
    }

    private static void Record(Dictionary<string, List<double>> latencies, Dictionary<string, long> errors, string kind, double ms, bool ok)
    {
        if (!latencies.TryGetValue(kind, out var list))
        {
            latencies[kind] = list = new List<double>(4096);
        }

        list.Add(ms);
        if (!ok)
        {
            errors[kind] = errors.GetValueOrDefault(kind) + 1;
        }
    }

    private static Dictionary<string, Measured> Merge((Dictionary<string, List<double>> Latencies, Dictionary<string, long> Errors)[] perWorker, double seconds)
    {
        var result = new Dictionary<string, Measured>();
        var all = new List<double>();
        long allErrors = 0;
        foreach (var kind in perWorker.SelectMany(w => w.Latencies.Keys).Distinct())
        {
            var merged = perWorker.SelectMany(w => w.Latencies.GetValueOrDefault(kind) ?? []).ToList();
            var errors = perWorker.Sum(w => w.Errors.GetValueOrDefault(kind));
            all.AddRange(merged);
            allErrors += errors;
            result[kind] = Measured.Of(kind, merged, errors, seconds);
        }

        result["all"] = Measured.Of("all", all, allErrors, seconds);
        return result;
    }
}
