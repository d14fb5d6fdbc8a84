using System.Globalization;

namespace PinOrleans.Bench;

/// <summary>Command-line options (<c>--name value</c>), as bench.sh passes them.</summary>
public sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values;

    private BenchOptions(Dictionary<string, string> values) => _values = values;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new BenchOptions(values);
    }

    public string Get(string name) => _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");

    public string? Find(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public string Api => Get("api").TrimEnd('/');
    public string ApiKey => Get("apikey");
    public string ApiSecret => Get("secret");
    public string Storage => Get("storage");
    public string ClusterId => Find("cluster") ?? "pinorleans-bench";
    public string OutputDirectory => Get("out");
    public TimeSpan Duration => TimeSpan.FromSeconds(Int("seconds", 15));
    public TimeSpan Warmup => TimeSpan.FromSeconds(Int("warmup", 3));

    /// <summary>Process ids to report CPU for, <c>name=pid,name=pid</c>.</summary>
    public IReadOnlyDictionary<string, int> Processes => (Find("pids") ?? "")
        .Split(',', StringSplitOptions.RemoveEmptyEntries)
        .Select(p => p.Split('='))
        .ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
}
