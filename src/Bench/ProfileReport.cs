using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PinOrleans.Bench;

/// <summary>
/// Where the CPU of PIN logins goes: reads <c>perf script</c> output (CPU-clock samples with call stacks of the silo,
/// the gateway and the store, recorded by scripts/bench-profile.sh while the PIN login scenario ran) and sorts each
/// sample into the component that spent it. A sample's component is the first frame, from the leaf up, of an assembly
/// that names one (Orleans, Kestrel, System.Text.Json, the Azure or PostgreSQL client, PinOrleans itself ...); frames
/// of the runtime, CoreLib, libc and the kernel are passed over, so the allocation, locking or system call a component
/// makes counts as that component's. Samples of the hashing threads are the hash: libsodium's own work, and the
/// kernel's (libsodium maps fresh memory for every Argon2id run and the kernel faults in and zeroes its pages).
/// </summary>
public static partial class ProfileReport
{
    /// <summary>The components, in the order the report lists them.</summary>
    private static readonly string[] Order =
    [
        "Argon2id (libsodium)", "Argon2id memory (kernel: page faults, zeroing, unmapping)", "Argon2id, other",
        "Storage emulator (Azurite, Node.js)", "PostgreSQL server",
        "Orleans runtime and messaging", "Orleans serialization", "ASP.NET Core (Kestrel, routing, minimal APIs)",
        "JSON (System.Text.Json)", "Azure Table client", "PostgreSQL client (Npgsql)", "Sockets and HTTP client (System.Net)",
        "Telemetry (OpenTelemetry, metrics, activities)", "Logging, DI, options (Microsoft.Extensions)", "PinOrleans' own code",
        "Cryptography other than the hash (HMAC, SHA-256, random)", "JIT compiler (tiered compilation)",
        "Runtime without a component frame (GC, thread pool, timers)", "Kernel without a component frame (scheduling, interrupts)",
    ];

    /// <summary>Assemblies that name no component: a frame of theirs passes the sample on to its caller.</summary>
    private static readonly string[] Generic =
    [
        "System.Private.CoreLib", "System.Runtime", "System.Collections", "System.Collections.Concurrent", "System.Linq",
        "System.Memory", "System.Threading", "System.Threading.Channels", "System.IO.Pipelines", "System.Runtime.InteropServices",
        "System.Private.Uri", "System.ObjectModel", "System.ComponentModel.Primitives", "System.Console",
    ];

    /// <summary>
    /// <c>profile-report --perf-script F --pids silo=..,gateway=..,azurite=.. --frequency HZ --seconds S --run run.json --out F.md</c>:
    /// PIN logins during the S recorded seconds are the PIN login scenario's rate in run.json times S.
    /// </summary>
    public static int Run(BenchOptions options)
    {
        var frequency = options.Int("frequency", 499);
        var seconds = options.Int("seconds", 20);
        var run = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(options.Get("run")))!;
        var operation = ProfiledOperation.Of(options.Find("scenario") ?? "pin");
        var pin = run["scenarios"]!.AsArray().FirstOrDefault(s => (string?)s!["key"] == operation.Key && s["service"] is null)
            ?? throw new BenchUsageException($"the run has no {operation.Singular} scenario.");
        var rps = (double)pin["rps"]!;
        // perf's software clock loses samples on a virtual machine (no PMU), evenly: the shares are the samples', the
        // milliseconds are each process's CPU over the whole scenario, from /proc (run.json), spread by those shares.
        var cpuMsPerLogin = pin["cpu"]!.AsObject().ToDictionary(c => c.Key, c => (double)c.Value! * 10 / Math.Max(0.1, rps));
        using var script = File.OpenText(options.Get("perf-script"));
        var heading = options.Find("heading") ?? $"Where a {operation.Singular}'s CPU goes";
        // name=pid pairs; a name may come more than once (PostgreSQL's postmaster and its backends).
        var processes = options.Get("pids").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => p.Length == 2 && int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? (Name: p[0], Pid: pid)
                : throw new BenchUsageException($"--pids takes name=pid pairs, not '{string.Join('=', p)}'."))
            .ToList();
        var md = Render(script, processes, frequency, rps * seconds, heading, name => cpuMsPerLogin.GetValueOrDefault(name is "service" ? "silo" : name, double.NaN), operation);
        File.WriteAllText(options.OutputDirectory, md);
        Console.Write(md);
        return 0;
    }

    /// <summary>Renders the breakdown of <paramref name="perfScript"/> (<c>perf script -F comm,pid,tid,ip,sym,dso</c>).</summary>
    /// <param name="perfScript">the samples, as perf script prints them.</param>
    /// <param name="processes">each process recorded and its name (service, silo, gateway, azurite, postgres; a name may repeat).</param>
    /// <param name="frequency">perf's sampling frequency (Hz): one sample stands for 1/frequency s of CPU.</param>
    /// <param name="logins">PIN logins answered while perf recorded, to express CPU per login.</param>
    /// <param name="heading">the report's first line.</param>
    /// <param name="measuredMsPerLogin">a process's CPU per login measured otherwise (NaN: not measured), spread over its components by their samples.</param>
    /// <param name="operation">what was measured (the PIN login unless said): names it and sets the unit (ms or µs).</param>
    public static string Render(TextReader perfScript, IReadOnlyList<(string Name, int Pid)> processes, double frequency, double logins, string heading, Func<string, double>? measuredMsPerLogin = null, ProfiledOperation? operation = null)
    {
        operation ??= ProfiledOperation.PinLogin;
        var (unit, scale) = operation.InMicroseconds ? ("µs", 1000.0) : ("ms", 1.0);
        var byPid = processes.ToDictionary(p => p.Pid, p => p.Name);
        var counts = new Dictionary<(string Process, string Component), long>();
        long total = 0;
        foreach (var sample in Samples(perfScript))
        {
            if (!byPid.TryGetValue(sample.Pid, out var process))
            {
                continue;
            }

            total++;
            var key = (process, ComponentOf(process, sample));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        var msPerSample = 1000 / frequency;
        var samplesOf = counts.GroupBy(c => c.Key.Process).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        // CPU per login of n samples of a process: by the sampling clock, or (measuredMsPerLogin) that process's CPU
        // measured over the scenario, spread by the samples' shares.
        double Ms(string? process, long n) =>
            process is not null && measuredMsPerLogin?.Invoke(process) is { } measured && !double.IsNaN(measured)
                ? measured * n / Math.Max(1, samplesOf.GetValueOrDefault(process))
                : logins > 0 ? n * msPerSample / logins : double.NaN;
        string PerLogin(long n, string? process = null) => double.IsNaN(Ms(process, n)) ? "–" : (Ms(process, n) * scale).ToString("F2", CultureInfo.InvariantCulture);
        string PerLoginOf(IEnumerable<KeyValuePair<(string Process, string Component), long>> cells) =>
            (cells.Sum(c => Ms(c.Key.Process, c.Value)) * scale).ToString("F2", CultureInfo.InvariantCulture);
        string Share(long n) => total > 0 ? (100.0 * n / total).ToString("F1", CultureInfo.InvariantCulture) : "0";

        var md = new StringBuilder();
        md.AppendLine(heading).AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{total} CPU samples at {frequency:F0} Hz over {logins:F0} {operation.Plural}; {PerLoginOf(counts)} {unit} of CPU per {operation.Short} in the processes below{(measuredMsPerLogin is null ? "" : " (each process's CPU over the scenario, from /proc, spread by the samples' shares)")}.").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| component | process | share of CPU | {unit} of CPU per {operation.Singular} |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var ((process, component), n) in counts.OrderBy(c => Rank(c.Key.Component)).ThenByDescending(c => c.Value))
        {
            if (n * 1000 < total)
            {
                continue; // below 0.1 %: folded into the remainder line
            }

            md.AppendLine(CultureInfo.InvariantCulture, $"| {component} | {process} | {Share(n)} % | {PerLogin(n, process)} |");
        }

        var small = counts.Where(c => c.Value * 1000 < total).ToList();
        if (small.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| (components below 0.1 % each) | | {Share(small.Sum(c => c.Value))} % | {PerLoginOf(small)} |");
        }

        static bool IsHash(string component) => component.StartsWith("Argon2id", StringComparison.Ordinal);
        var hash = counts.Where(c => IsHash(c.Key.Component)).ToList();
        var rest = counts.Where(c => !IsHash(c.Key.Component)).ToList();
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"The hash: {Share(hash.Sum(c => c.Value))} % ({PerLoginOf(hash)} {unit} per {operation.Short}); everything else: {Share(rest.Sum(c => c.Value))} % ({PerLoginOf(rest)} {unit} per {operation.Short}).");
        foreach (var process in processes.Select(p => p.Name).Distinct())
        {
            var own = counts.Where(c => c.Key.Process == process).ToList();
            md.AppendLine(CultureInfo.InvariantCulture, $"- {process}: {Share(own.Sum(c => c.Value))} % of the CPU, {PerLoginOf(own.Where(c => !IsHash(c.Key.Component)))} {unit} per {operation.Short} besides the hash.");
        }

        return md.ToString();
    }

    private static int Rank(string component)
    {
        var i = Array.IndexOf(Order, component);
        return i < 0 ? Order.Length : i;
    }

    internal static string ComponentOf(string process, Sample sample)
    {
        if (process is "azurite")
        {
            return "Storage emulator (Azurite, Node.js)";
        }

        if (process is "postgres")
        {
            return "PostgreSQL server";
        }

        var leaf = sample.Frames.Count > 0 ? sample.Frames[0] : new Frame("", "");
        if (sample.Thread.StartsWith("pinorleans-hash", StringComparison.Ordinal))
        {
            return leaf.Dso.Contains("libsodium", StringComparison.Ordinal) ? "Argon2id (libsodium)"
                : leaf.Dso.Contains("kernel", StringComparison.Ordinal) ? "Argon2id memory (kernel: page faults, zeroing, unmapping)"
                : "Argon2id, other";
        }

        if (sample.Thread.StartsWith(".NET Tiered Com", StringComparison.Ordinal) || leaf.Dso.EndsWith("libclrjit.so", StringComparison.Ordinal))
        {
            return "JIT compiler (tiered compilation)";
        }

        foreach (var frame in sample.Frames)
        {
            if (AssemblyOf(frame.Symbol) is { } assembly && !Generic.Contains(assembly))
            {
                return ComponentOfAssembly(assembly);
            }
        }

        return leaf.Dso.Contains("kernel", StringComparison.Ordinal)
            ? "Kernel without a component frame (scheduling, interrupts)"
            : "Runtime without a component frame (GC, thread pool, timers)";
    }

    private static string ComponentOfAssembly(string assembly) => assembly switch
    {
        _ when assembly.StartsWith("Orleans.Serialization", StringComparison.Ordinal) => "Orleans serialization",
        _ when assembly.StartsWith("Orleans", StringComparison.Ordinal) => "Orleans runtime and messaging",
        _ when assembly.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) => "ASP.NET Core (Kestrel, routing, minimal APIs)",
        _ when assembly.StartsWith("System.Text.Json", StringComparison.Ordinal) || assembly.StartsWith("System.Text.Encodings", StringComparison.Ordinal) => "JSON (System.Text.Json)",
        _ when assembly.StartsWith("Azure", StringComparison.Ordinal) || assembly.StartsWith("Microsoft.Azure", StringComparison.Ordinal) => "Azure Table client",
        _ when assembly.StartsWith("Npgsql", StringComparison.Ordinal) || assembly.StartsWith("System.Data", StringComparison.Ordinal) => "PostgreSQL client (Npgsql)",
        _ when assembly.StartsWith("System.Net", StringComparison.Ordinal) => "Sockets and HTTP client (System.Net)",
        _ when assembly.StartsWith("OpenTelemetry", StringComparison.Ordinal) || assembly.StartsWith("System.Diagnostics", StringComparison.Ordinal) => "Telemetry (OpenTelemetry, metrics, activities)",
        _ when assembly.StartsWith("Microsoft.Extensions", StringComparison.Ordinal) => "Logging, DI, options (Microsoft.Extensions)",
        _ when assembly.StartsWith("NSec", StringComparison.Ordinal) || assembly.StartsWith("System.Security.Cryptography", StringComparison.Ordinal) => "Cryptography other than the hash (HMAC, SHA-256, random)",
        _ when assembly.StartsWith("PinOrleans", StringComparison.Ordinal) => "PinOrleans' own code",
        _ => assembly,
    };

    /// <summary>The assembly of a JIT-compiled frame as the runtime's perf map names it: <c>instance void [Orleans.Core] Orleans...</c>.</summary>
    internal static string? AssemblyOf(string symbol)
    {
        var match = AssemblyPattern().Match(symbol);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"\[([A-Za-z][\w.]*)\]\s")]
    private static partial Regex AssemblyPattern();

    internal sealed record Frame(string Symbol, string Dso);

    internal sealed record Sample(int Pid, string Thread, List<Frame> Frames);

    /// <summary>
    /// The samples of <c>perf script -F comm,pid,tid,ip,sym,dso</c>: a line "comm pid/tid" then one indented line per
    /// frame, "address symbol (dso)", leaf first, and a blank line.
    /// </summary>
    internal static IEnumerable<Sample> Samples(TextReader reader)
    {
        Sample? current = null;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                if (current is not null)
                {
                    yield return current;
                    current = null;
                }

                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                if (current is null)
                {
                    continue;
                }

                var text = line.Trim();
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                var open = text.LastIndexOf(" (", StringComparison.Ordinal);
                if (space < 0 || open < space)
                {
                    continue;
                }

                current.Frames.Add(new Frame(text[(space + 1)..open], text[(open + 2)..].TrimEnd(')')));
                continue;
            }

            if (current is not null)
            {
                yield return current;
            }

            var header = HeaderPattern().Match(line);
            current = header.Success
                ? new Sample(int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture), header.Groups[1].Value.Trim(), [])
                : null;
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    [GeneratedRegex(@"^(.*?)\s+(\d+)/(\d+)\s*$")]
    private static partial Regex HeaderPattern();
}

/// <summary>What a profile measured: a scenario of the run (its key in run.json) and how the report names it.</summary>
public sealed record ProfiledOperation(string Key, string Singular, string Plural, string Short, bool InMicroseconds)
{
    public static readonly ProfiledOperation PinLogin = new("pin", "PIN login", "PIN logins", "login", false);
    public static readonly ProfiledOperation Validation = new("validation", "access-token validation", "access-token validations", "validation", true);

    /// <summary>The operation of a scenario key: <c>pin</c> or <c>validation</c>.</summary>
    public static ProfiledOperation Of(string key) => key switch
    {
        "pin" => PinLogin,
        "validation" => Validation,
        _ => throw new BenchUsageException($"--scenario takes pin or validation, not '{key}'."),
    };
}
