using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Npgsql;

namespace PinOrleans.Bench;

/// <summary>
/// <c>./bench.sh --scale</c>: the same measures at growing numbers of accounts. "seed" grows the account base to
/// <c>--accounts</c> (accounts with a PIN and a PIN session, straight through the grains, under cheap hashing);
/// "measure" (a fresh silo with the real hash, and the gateway) reads silo memory per active account, then PIN
/// login and validation throughput and latency over HTTP on accounts drawn from the whole base (so most calls
/// load their account from storage, where the base's size shows), then storage rows and bytes; "report" renders
/// every level measured into a table and a chart.
/// </summary>
public static class ScaleRun
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var sessionsFile = Path.Combine(options.OutputDirectory, "scale-sessions.txt");
        switch (options.Get("step"))
        {
            case "seed":
                return await SeedAsync(options, sessionsFile);
            case "measure":
                return await MeasureAsync(options, sessionsFile);
            case "report":
                return Render(options);
            default:
                throw new BenchUsageException("--step takes seed, measure or report.");
        }
    }

    private static async Task<int> SeedAsync(BenchOptions options, string sessionsFile)
    {
        var target = options.Int("accounts", 10_000);
        var have = File.Exists(sessionsFile) ? File.ReadLines(sessionsFile).Count() : 0;
        if (have >= target)
        {
            return 0;
        }

        using var host = await Cluster.ConnectAsync(options);
        var grains = host.Services.GetRequiredService<IClusterClient>();
        Console.WriteLine($"Growing the account base from {have} to {target} accounts with PIN sessions ...");
        // In slices, so a run that is stopped keeps what it seeded and the rate is reported as the base grows.
        var slice = Math.Max(1_000, options.Int("slice", 50_000));
        while (have < target)
        {
            var count = Math.Min(slice, target - have);
            var rate = await MemoryRun.SeedAsync(grains, options.ApiKey, have, count, sessionsFile, options.Int("parallel", 64));
            have += count;
            await File.AppendAllTextAsync(Path.Combine(options.OutputDirectory, "scale-seeding.tsv"), string.Create(Inv, $"{have}\t{rate:F0}\n"));
            Console.WriteLine(string.Create(Inv, $"  {have} accounts ({rate:F0} accounts/s in the last {count})"));
        }

        await host.StopAsync();
        return 0;
    }

    private static async Task<int> MeasureAsync(BenchOptions options, string sessionsFile)
    {
        var sessions = await File.ReadAllLinesAsync(sessionsFile);
        var level = sessions.Length;
        var result = new JsonObject { ["accounts"] = level, ["store"] = options.StoreIsPostgres ? "PostgreSQL" : "Azure Table (Azurite)" };

        // Memory first, on a fresh silo: a sample of accounts activated with their sessions.
        using (var host = await Cluster.ConnectAsync(options))
        {
            var grains = host.Services.GetRequiredService<IClusterClient>();
            var sample = Sample(sessions, Math.Min(level, options.Int("memory-accounts", 10_000)), seed: 1);
            result["memory"] = await MemoryRun.MeasureAsync(host, grains, options.Processes["silo"], options.ApiKey, sample);
            await host.StopAsync();
        }

        using var http = Gateway.NewClient();
        var gateway = new Gateway(http, options.Api, options.ApiKey, options.ApiSecret);
        // PIN logins on accounts drawn from the whole base: a worker's n-th request takes a random session.
        var accounts = sessions.Select(s => new Account("", s)).ToArray();
        var random = new ThreadLocal<Random>(() => new Random(Environment.CurrentManagedThreadId));
        var pin = await Load.ClosedAsync(http, options.Int("pin-concurrency", 16), options.Warmup, options.Duration, _ => "pin",
            _ => (_, _, _) => gateway.PinLoginAsync(accounts[random.Value!.Next(accounts.Length)]));
        result["pinLogin"] = Json(pin["pin"]);

        // Validation of the access tokens those logins received (live, spread over as many accounts as logged in).
        var tokens = accounts.Where(a => a.AccessToken is not null).Select(a => a.AccessToken!).ToArray();
        if (tokens.Length > 0)
        {
            var validation = await Load.ClosedAsync(http, options.Int("validation-concurrency", 32), options.Warmup, options.Duration, _ => "validate",
                _ => (_, _, n) => gateway.ValidateAsync(tokens[(int)(n % tokens.Length)]));
            result["validation"] = Json(validation["validate"]);
        }

        result["storage"] = options.StoreIsPostgres ? await PostgresRowsAsync(options.Storage) : await TableRowsAsync(options.Storage);
        result["seedingAccountsPerSecond"] = SeedingRateAt(options, level);
        var path = Path.Combine(options.OutputDirectory, string.Create(Inv, $"scale-{level}.json"));
        await File.WriteAllTextAsync(path, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine(string.Create(Inv, $"{level} accounts: {pin["pin"]}; storage {result["storage"]!["rows"]} rows"));
        return 0;
    }

    private static string[] Sample(string[] all, int count, int seed)
    {
        var copy = (string[])all.Clone();
        new Random(seed).Shuffle(copy);
        return copy[..count];
    }

    private static JsonObject Json(Measured m) => new()
    {
        ["requests"] = m.Requests, ["errors"] = m.Errors, ["rps"] = Math.Round(m.Rps, 1),
        ["p50Ms"] = Math.Round(m.P50, 2), ["p90Ms"] = Math.Round(m.P90, 2), ["p99Ms"] = Math.Round(m.P99, 2),
    };

    private static JsonNode? SeedingRateAt(BenchOptions options, int level)
    {
        var file = Path.Combine(options.OutputDirectory, "scale-seeding.tsv");
        if (!File.Exists(file))
        {
            return null;
        }

        var last = File.ReadLines(file).Select(l => l.Split('\t')).LastOrDefault(f => int.Parse(f[0], Inv) <= level);
        return last is null ? null : double.Parse(last[1], Inv);
    }

    /// <summary>Grain-state rows and their bytes by state, and the whole database's size on disk.</summary>
    private static async Task<JsonObject> PostgresRowsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var byState = new JsonObject();
        long rows = 0;
        await using (var command = new NpgsqlCommand(
            "SELECT graintypestring, count(*), coalesce(sum(octet_length(payloadbinary)), 0) FROM orleansstorage GROUP BY 1 ORDER BY 1", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var n = reader.GetInt64(1);
                rows += n;
                byState[reader.GetString(0)] = new JsonObject { ["rows"] = n, ["payloadBytes"] = reader.GetInt64(2) };
            }
        }

        await using var size = new NpgsqlCommand("SELECT pg_total_relation_size('orleansstorage'), pg_database_size(current_database())", connection);
        await using var sizes = await size.ExecuteReaderAsync();
        await sizes.ReadAsync();
        return new JsonObject { ["rows"] = rows, ["tableBytes"] = sizes.GetInt64(0), ["databaseBytes"] = sizes.GetInt64(1), ["byType"] = byState };
    }

    /// <summary>Rows of every table of the storage account (Azurite): counted by listing their keys.</summary>
    private static async Task<JsonObject> TableRowsAsync(string connectionString)
    {
        var service = new TableServiceClient(connectionString);
        var byTable = new JsonObject();
        long rows = 0;
        await foreach (var table in service.QueryAsync())
        {
            long n = 0;
            await foreach (var _ in service.GetTableClient(table.Name).QueryAsync<TableEntity>(select: ["PartitionKey"], maxPerPage: 1000))
            {
                n++;
            }

            rows += n;
            byTable[table.Name] = n;
        }

        return new JsonObject { ["rows"] = rows, ["byTable"] = byTable };
    }

    /// <summary>Every level measured (scale-*.json in --work): a markdown table, the JSON and an SVG chart, into --out.</summary>
    private static int Render(BenchOptions options)
    {
        var work = options.Get("work");
        var levels = Directory.EnumerateFiles(work, "scale-*.json")
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject())
            .OrderBy(l => (string)l["store"]!, StringComparer.Ordinal).ThenBy(l => (int)l["accounts"]!)
            .ToList();
        if (levels.Count == 0)
        {
            throw new BenchUsageException($"no scale-*.json in {work}: run ./bench.sh --scale.");
        }

        var markdown = ScaleMarkdown(levels);
        var results = options.OutputDirectory;
        Directory.CreateDirectory(results);
        File.WriteAllText(Path.Combine(results, "scale.md"), markdown);
        File.WriteAllText(Path.Combine(results, "scale.json"), new JsonArray([.. levels.Select(l => l.DeepClone())]).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(results, "scale.svg"), ScaleChart(levels));
        Console.WriteLine(markdown);
        return 0;
    }

    internal static string ScaleMarkdown(IReadOnlyList<JsonObject> levels)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(string.Create(Inv, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores; one silo, one gateway; PIN logins with {levels[0]["pinLogin"]?["requests"]} requests at the first level."));
        text.AppendLine();
        text.AppendLine("| store | accounts | PIN login req/s | PIN login p99 (ms) | p99 / first level | validation req/s | validation p99 (ms) | rows | rows per account | bytes per account (table) | silo bytes per active account | seeding accounts/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var store in levels.GroupBy(l => (string)l["store"]!))
        {
            var first = (double?)store.First()["pinLogin"]?["p99Ms"] ?? 0;
            foreach (var l in store)
            {
                var accounts = (int)l["accounts"]!;
                var rows = (long?)l["storage"]?["rows"] ?? 0;
                var tableBytes = (long?)l["storage"]?["tableBytes"];
                var p99 = (double?)l["pinLogin"]?["p99Ms"] ?? 0;
                text.AppendLine(string.Create(Inv,
                    $"| {store.Key} | {accounts:N0} | {l["pinLogin"]?["rps"]} | {p99:F1} | {(first > 0 ? p99 / first : 0):F2} | {l["validation"]?["rps"]} | {l["validation"]?["p99Ms"]} | {rows:N0} | {rows / (double)accounts:F2} | {(tableBytes is { } b ? (b / (double)accounts).ToString("F0", Inv) : "–")} | {l["memory"]?["bytesPerAccount"]} | {l["seedingAccountsPerSecond"]?.ToString() ?? "–"} |"));
            }
        }

        return text.ToString();
    }

    /// <summary>PIN login p99 and silo bytes per active account against the number of accounts (log scale), one line per store.</summary>
    internal static string ScaleChart(IReadOnlyList<JsonObject> levels)
    {
        const int width = 720, height = 300, left = 70, right = 20, top = 30, bottom = 50;
        var stores = levels.GroupBy(l => (string)l["store"]!).ToList();
        var minX = Math.Log10(levels.Min(l => (int)l["accounts"]!));
        var maxX = Math.Max(minX + 1, Math.Log10(levels.Max(l => (int)l["accounts"]!)));
        var maxY = Math.Max(1, levels.Max(l => (double?)l["pinLogin"]?["p99Ms"] ?? 0) * 1.2);
        double X(int accounts) => left + (Math.Log10(accounts) - minX) / (maxX - minX) * (width - left - right);
        double Y(double ms) => top + (1 - ms / maxY) * (height - top - bottom);
        var svg = new System.Text.StringBuilder();
        svg.AppendLine(string.Create(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(string.Create(Inv, $"<text x=\"{left}\" y=\"18\" font-size=\"14\">PIN login p99 (ms) by number of accounts</text>"));
        svg.AppendLine(string.Create(Inv, $"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" stroke=\"#333\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{height - bottom}\" stroke=\"#333\"/>"));
        foreach (var accounts in levels.Select(l => (int)l["accounts"]!).Distinct())
        {
            svg.AppendLine(string.Create(Inv, $"<text x=\"{X(accounts):F0}\" y=\"{height - bottom + 18}\" text-anchor=\"middle\">{accounts:N0}</text>"));
        }

        for (var i = 0; i <= 4; i++)
        {
            var ms = maxY * i / 4;
            svg.AppendLine(string.Create(Inv, $"<text x=\"{left - 6}\" y=\"{Y(ms) + 4:F0}\" text-anchor=\"end\">{ms:F0}</text>"));
        }

        string[] colours = ["#1f77b4", "#d62728", "#2ca02c"];
        for (var s = 0; s < stores.Count; s++)
        {
            var points = string.Join(' ', stores[s].Select(l => string.Create(Inv, $"{X((int)l["accounts"]!):F1},{Y((double?)l["pinLogin"]?["p99Ms"] ?? 0):F1}")));
            svg.AppendLine($"<polyline fill=\"none\" stroke=\"{colours[s % colours.Length]}\" stroke-width=\"2\" points=\"{points}\"/>");
            foreach (var l in stores[s])
            {
                svg.AppendLine(string.Create(Inv, $"<circle cx=\"{X((int)l["accounts"]!):F1}\" cy=\"{Y((double?)l["pinLogin"]?["p99Ms"] ?? 0):F1}\" r=\"4\" fill=\"{colours[s % colours.Length]}\"/>"));
            }

            svg.AppendLine(string.Create(Inv, $"<text x=\"{width - right - 200}\" y=\"{top + 16 * (s + 1)}\" fill=\"{colours[s % colours.Length]}\">{System.Net.WebUtility.HtmlEncode(stores[s].Key)}</text>"));
        }

        svg.AppendLine(string.Create(Inv, $"<text x=\"{(left + width) / 2}\" y=\"{height - 10}\" text-anchor=\"middle\">accounts (log scale)</text>"));
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
