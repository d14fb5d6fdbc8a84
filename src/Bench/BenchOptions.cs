using System.Globalization;

namespace PinOrleans.Bench;

/// <summary>Command-line options (<c>--name value</c>), as bench.sh and drill.sh pass them.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values;

    private BenchOptions(Dictionary<string, string> values) => _values = values;

    /// <summary>
    /// Reads <c>--name value</c> pairs. A name without its value (last, or followed by another <c>--name</c>) is refused
    /// rather than taking the next name as its value and shifting every pair after it.
    /// </summary>
    /// <exception cref="BenchUsageException">An argument that is not <c>--name</c>, or a name without a value.</exception>
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            var name = args[i];
            if (!IsName(name))
            {
                throw new BenchUsageException($"expected an option --name, got '{name}'.");
            }

            if (i + 1 == args.Length || IsName(args[i + 1]))
            {
                throw new BenchUsageException($"{name} needs a value.");
            }

            values[name[2..]] = args[i + 1];
        }

        return new BenchOptions(values);
    }

    private static bool IsName(string arg) => arg.Length > 2 && arg.StartsWith("--", StringComparison.Ordinal);

    public string Get(string name) => _values.TryGetValue(name, out var value) ? value : throw new BenchUsageException($"--{name} is required.");

    public string? Find(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback)
    {
        if (!_values.TryGetValue(name, out var value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new BenchUsageException($"--{name} takes a whole number, not '{value}'.");
    }

    public string Api => Get("api").TrimEnd('/');
    public string ApiKey => Get("apikey");
    public string ApiSecret => Get("secret");
    public string Storage => Get("storage");

    /// <summary><c>--provider PostgreSQL</c>: <see cref="Storage"/> is an Npgsql connection string (else Azure Table).</summary>
    public bool StoreIsPostgres => string.Equals(Find("provider"), "PostgreSQL", StringComparison.OrdinalIgnoreCase);
    public string ClusterId => Find("cluster") ?? "pinorleans-bench";
    public string OutputDirectory => Get("out");
    public TimeSpan Duration => TimeSpan.FromSeconds(Int("seconds", 15));
    public TimeSpan Warmup => TimeSpan.FromSeconds(Int("warmup", 3));

    /// <summary>Process ids to report CPU for, <c>name=pid,name=pid</c>.</summary>
    public IReadOnlyDictionary<string, int> Processes => Pids("pids");

    /// <summary><c>--peer URL</c>: the stock peer to measure beside PinOrleans (null: not in this run).</summary>
    public string? Peer => Find("peer")?.TrimEnd('/');

    /// <summary><c>--peer-skipped "why"</c>: the peer is not in this run, and the report says why.</summary>
    public string? PeerSkipped => Find("peer-skipped");

    /// <summary>The peer's processes (<c>--peer-pids peer=pid,postgres=pid</c>), as <see cref="Processes"/>.</summary>
    public IReadOnlyDictionary<string, int> PeerProcesses => Pids("peer-pids");

    private IReadOnlyDictionary<string, int> Pids(string option) => (Find(option) ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('=', 2))
        .ToDictionary(
            p => p[0],
            p => p.Length == 2 && int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? pid
                : throw new BenchUsageException($"--{option} takes name=pid pairs, not '{string.Join('=', p)}'."));
}

/// <summary>The command line cannot be used as given; the message says why (the program prints it and exits 2).</summary>
public sealed class BenchUsageException(string message) : Exception(message);
