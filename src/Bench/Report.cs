using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinOrleans.Bench;

/// <summary>Turns run.json and memory.json into bench/results: a markdown table, the JSON, and an SVG chart of the targets.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Render(BenchOptions options)
    {
        var work = options.Get("work");
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(work, "run.json")))!.AsObject();
        var memoryPath = Path.Combine(work, "memory.json");
        run["memory"] = File.Exists(memoryPath) ? JsonNode.Parse(File.ReadAllText(memoryPath)) : null;
        var results = options.OutputDirectory;
        Directory.CreateDirectory(results);
        var stamp = DateTimeOffset.UtcNow.ToString("yyyyMMdd-HHmmss", Inv);
        var markdown = Markdown(run);
        var svg = Chart(run);
        if (Comparison.Of(run) is { Count: > 0 } comparison)
        {
            run["comparison"] = new JsonArray([.. comparison.Select(c => (JsonNode)c.ToJson())]);
        }

        var json = run.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        foreach (var name in new[] { stamp, "latest" })
        {
            File.WriteAllText(Path.Combine(results, $"{name}.md"), markdown);
            File.WriteAllText(Path.Combine(results, $"{name}.json"), json);
            File.WriteAllText(Path.Combine(results, $"{name}.svg"), svg);
        }

        Console.WriteLine(markdown);
        Console.WriteLine($"Results: {Path.Combine(results, stamp)}.md / .json / .svg (and latest.*)");
        return 0;
    }

    /// <summary>The CPU columns of PinOrleans' rows and of the peer's: the key in each row's <c>cpu</c>, and its title.</summary>
    private static readonly (string Key, string Title)[] PinOrleansCpuColumns =
        [("silo", "silo"), ("gateway", "gateway"), ("azurite", "Azurite"), ("postgres", "PostgreSQL"), ("bench", "bench")];

    /// <summary>PinOrleans' CPU columns: the processes this run measured (its store, a gateway of its own or not).</summary>
    private static (string Key, string Title)[] PinOrleansCpu(JsonArray scenarios) =>
        PinOrleansCpuColumns.Where(c => scenarios.Any(s => s!["cpu"]?[c.Key] is not null)).ToArray();
    private static readonly (string Key, string Title)[] PeerCpu = [("peer", "peer"), ("postgres", "PostgreSQL"), ("bench", "bench")];

    internal static string Markdown(JsonObject run)
    {
        var m = run["machine"]!;
        var text = new StringBuilder();
        text.AppendLine(Inv, $"Machine: {m["cpus"]} × {m["cpuModel"]}, {m["memoryGiB"]} GiB, {m["os"]}, .NET {m["dotnet"]}; run {run["when"]}.");
        text.AppendLine();
        var ceilings = run["ceilings"]!;
        var http = ceilings["http"] is { } httpCeiling
            ? string.Create(Inv, $"; HTTP {httpCeiling["rps"]} req/s (bare ASP.NET Core endpoint, same response shape; p99 {httpCeiling["p99"]} ms).")
            : " (HTTP ceiling not measured in this run).";
        var perHash = ceilings["kdfCpuMsPerHash"] is { } ms ? string.Create(Inv, $" ({ms} ms of CPU each)") : "";
        text.AppendLine(Inv, $"Ceilings: KDF {ceilings["kdfHashesPerSecond"]} Argon2id verifications/s on all cores{perHash}{http}");
        text.AppendLine();
        var scenarios = run["scenarios"]!.AsArray();
        if (run["setup"] is { } setup)
        {
            text.AppendLine(Inv, $"PinOrleans: {setup}.");
            text.AppendLine();
        }

        ScenarioTable(text, scenarios, PinOrleansCpu(scenarios));
        Details(text, scenarios);

        if (run["memory"] is JsonObject memory)
        {
            text.AppendLine();
            text.AppendLine(Inv, $"Memory: {memory["accounts"]} accounts with a PIN session activated (user grain + session grain each): silo resident set {memory["rssBeforeBytes"]!.GetValue<long>() / 1048576.0:F0} → {memory["rssAfterBytes"]!.GetValue<long>() / 1048576.0:F0} MiB, **{memory["bytesPerAccount"]} bytes per account** (managed heap: {memory["heapBytesPerAccount"]} bytes per account; target: {Judged(Target.Of(memory))}); activations {memory["activationsBefore"]} → {memory["activationsAfter"]}.");
        }

        if (run["storageWrites"] is JsonObject writes)
        {
            text.AppendLine();
            text.AppendLine(Inv, $"Storage writes: {writes["perSuccessfulPinLogin"]} per successful PIN login, {writes["perFailedPinLogin"]} per failed one (target: {Judged(Target.Of(writes))}; counted by the silo's storage layer over {writes["logins"]} logins each; successful by state: {writes["successfulByState"]!.ToJsonString()}); storage reads: {writes["readsPerSuccessfulPinLogin"]?.ToString() ?? "not measured"} per successful PIN login.");
        }

        PeerSection(text, run);
        return text.ToString();
    }

    /// <summary>The stock peer beside PinOrleans: the comparison, then the peer's own rows; or why it was not run.</summary>
    private static void PeerSection(StringBuilder text, JsonObject run)
    {
        if (run["peer"] is not JsonObject peer)
        {
            return;
        }

        text.AppendLine();
        if (peer["scenarios"] is not JsonArray rows)
        {
            text.AppendLine(Inv, $"Stock peer: not in this run ({peer["skipped"]}).");
            return;
        }

        text.AppendLine(Inv, $"**Beside the stock peer** ({peer["name"]}, {peer["url"]}): the same load generator, accounts and concurrency; each scenario ran on both back to back, the order alternating from one scenario to the next; ratios against the same ceilings.");
        text.AppendLine();
        text.AppendLine("| measure | PinOrleans | stock peer |");
        text.AppendLine("|---|---:|---:|");
        foreach (var c in Comparison.Of(run))
        {
            string Cell(double? value, int side) => c.Better == side ? $"**{c.Text(value)}**" : c.Text(value);
            text.AppendLine(Inv, $"| {c.Measure} | {Cell(c.PinOrleans, 1)} | {Cell(c.Peer, -1)} |");
        }

        text.AppendLine();
        text.AppendLine("Stock peer, scenario by scenario (judged by PinOrleans' targets, for comparison):");
        text.AppendLine();
        ScenarioTable(text, rows, PeerCpu);
        Details(text, rows);
    }

    private static void ScenarioTable(StringBuilder text, JsonArray rows, (string Key, string Title)[] cpuColumns)
    {
        text.AppendLine(Inv, $"| Scenario | req/s | p50 ms | p90 ms | p99 ms | errors | CPU % {string.Join(" / ", cpuColumns.Select(c => c.Title))} | vs ceiling | target | met |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---|---:|---|---|");
        foreach (var s in rows)
        {
            var cpu = s!["cpu"]!;
            var ratio = s["ratio"] is { } r ? $"{r.GetValue<double>() * 100:F0} % of {s["against"]}" : "";
            if (s["p99Rise"] is { } rise)
            {
                ratio += $", p99 ×{rise}";
            }

            var targets = Target.Of(s);
            var goal = string.Join(" ", new[] { s["note"]?.GetValue<string>(), string.Join(", ", targets.Select(t => t.Goal)) }.Where(g => !string.IsNullOrEmpty(g)));
            var cpuCells = string.Join(" / ", cpuColumns.Select(c => cpu[c.Key]?.ToString() ?? "–"));
            text.AppendLine(Inv, $"| {s["name"]} | {s["rps"]} | {s["p50"]} | {s["p90"]} | {s["p99"]} | {s["errors"]} | {cpuCells} | {ratio} | {goal} | {Verdict(targets)} |");
        }
    }

    /// <summary>What the table's columns do not show: the mix by kind, the floods' answers, each lockout race.</summary>
    private static void Details(StringBuilder text, JsonArray rows)
    {
        if (rows.FirstOrDefault(s => s!["byKind"] is not null)?["byKind"] is JsonObject { Count: > 0 } kinds)
        {
            text.AppendLine();
            text.Append("Mix by kind: ");
            text.AppendLine(string.Join("; ", kinds.Select(k => string.Create(Inv, $"{k.Key} {k.Value!["rps"]} req/s, p99 {k.Value["p99"]} ms, errors {k.Value["errors"]}"))));
        }

        foreach (var s in rows.Where(s => s!["statuses"] is not null))
        {
            text.AppendLine();
            text.AppendLine(Inv, $"{s!["name"]}: {s["floodRps"]} flood requests/s answered, by HTTP status {s["statuses"]!.ToJsonString()}; the refused ones in p50 {s["p50"]} ms, p99 {s["p99"]} ms.");
        }

        foreach (var s in rows.Where(s => s!["races"] is JsonArray))
        {
            var races = s!["races"]!.AsArray().Select(r => string.Create(Inv,
                $"{r!["verdicts"]} × 1236, {r["locked"]} × 1198, {r["conflicts"]} × HTTP 409, {r["other"]} other; hashes ≥ {r["hashesFromAnswers"]} from the answers, {(r["hashesByCpu"] is { } cpu ? $"≈ {cpu} by CPU" : $"not measurable by CPU ({r["refusedBurstOther"]} answers of the locked account's burst not refused)")}; {r["ms"]} ms"));
            text.AppendLine();
            text.AppendLine(Inv, $"{s["name"]}, race by race: {string.Join("; ", races)}.");
        }
    }

    /// <summary>The "met" column: a row judged by no target (reported only) shows a dash.</summary>
    private static string Verdict(List<Target> targets) => targets.Count == 0 ? "–" : targets.All(t => t.Met) ? "yes" : "**no**";

    private static string Judged(List<Target> targets) =>
        string.Join(", ", targets.Select(t => $"{t.Goal}: {(t.Met ? "met" : "not met")}"));

    /// <summary>
    /// One bar per charted target of the results (the scenarios', the memory figure's, the storage writes'): the
    /// measured value against its limit (green when met), each row on its own scale. Below them, when the stock peer
    /// ran, each measure of the comparison as a pair of bars, PinOrleans' and the peer's, each pair on its own scale.
    /// </summary>
    internal static string Chart(JsonObject run)
    {
        var rows = ChartedTargets(run);
        var pairs = Comparison.Of(run);
        const int width = 420, rowHeight = 34, pairHeight = 42, top = 50;
        var pairsTop = top + rows.Count * rowHeight + 20;
        var height = pairs.Count == 0 ? top + rows.Count * rowHeight + 30 : pairsTop + 30 + pairs.Count * pairHeight + 20;
        // Room for the longest label at about 6.5 px a character (12 px sans-serif).
        var longest = rows.Select(r => r.Label.Length).Concat(pairs.Select(p => p.Measure.Length)).DefaultIfEmpty(0).Max();
        var left = Math.Max(330, (int)(longest * 6.5) + 20);
        var svg = new StringBuilder();
        svg.AppendLine(Inv, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 140}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        svg.AppendLine(Inv, $"""<text x="10" y="22" font-size="15" font-weight="bold">PinOrleans benchmark: measured value against each target (bar) and the target (line)</text>""");
        svg.AppendLine(Inv, $"""<text x="10" y="40" fill="#555">{WebUtility.HtmlEncode($"{run["machine"]!["cpus"]} × {run["machine"]!["cpuModel"]}, {run["when"]}")}</text>""");
        for (var i = 0; i < rows.Count; i++)
        {
            var (label, target) = rows[i];
            var (value, limit) = (target.Value, target.Limit);
            var scale = Math.Max(Math.Max(value, limit) * 1.15, double.Epsilon);
            var y = top + i * rowHeight;
            var bar = width * value / scale;
            var mark = left + width * limit / scale;
            svg.AppendLine(Inv, $"""<text x="{left - 8}" y="{y + 17}" text-anchor="end">{WebUtility.HtmlEncode(label)}</text>""");
            svg.AppendLine(Inv, $"""<rect class="target" x="{left}" y="{y + 5}" width="{bar:F1}" height="18" fill="{(target.Met ? "#3a9a50" : "#c8463c")}"/>""");
            svg.AppendLine(Inv, $"""<line x1="{mark:F1}" x2="{mark:F1}" y1="{y + 1}" y2="{y + 27}" stroke="black" stroke-width="2"/>""");
            svg.AppendLine(Inv, $"""<text x="{left + Math.Max(bar, width * limit / scale) + 8:F1}" y="{y + 17}">{WebUtility.HtmlEncode($"{value.ToString("G4", Inv)}{target.Unit} ({target.Bound})")}</text>""");
        }

        if (pairs.Count > 0)
        {
            svg.AppendLine(Inv, $"""<text x="10" y="{pairsTop + 14}" font-size="15" font-weight="bold">Beside the stock peer, same run: PinOrleans (blue) and the peer (grey), each measure on its own scale</text>""");
            for (var i = 0; i < pairs.Count; i++)
            {
                var pair = pairs[i];
                var y = pairsTop + 30 + i * pairHeight;
                var scale = Math.Max(Math.Max(pair.PinOrleans ?? 0, pair.Peer ?? 0) * 1.15, double.Epsilon);
                svg.AppendLine(Inv, $"""<text x="{left - 8}" y="{y + 22}" text-anchor="end">{WebUtility.HtmlEncode(pair.Measure)}</text>""");
                foreach (var (value, name, colour, offset) in new[] { (pair.PinOrleans, "pinorleans", "#3a6ea5", 3), (pair.Peer, "peer", "#9a9a9a", 19) })
                {
                    var bar = width * (value ?? 0) / scale;
                    svg.AppendLine(Inv, $"""<rect class="{name}" x="{left}" y="{y + offset}" width="{bar:F1}" height="14" fill="{colour}"/>""");
                    svg.AppendLine(Inv, $"""<text x="{left + bar + 6:F1}" y="{y + offset + 11}">{WebUtility.HtmlEncode($"{(name == "peer" ? "stock peer" : "PinOrleans")} {pair.Text(value)}")}</text>""");
                }
            }
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>The chart's rows: every target of the results that is meant for the chart, labelled by what it belongs to.</summary>
    internal static List<(string Label, Target Target)> ChartedTargets(JsonObject run)
    {
        var owners = run["scenarios"]!.AsArray().Select(s => (Name: s!["name"]!.GetValue<string>(), Result: (JsonNode?)s))
            .Append((Name: "Silo memory", Result: run["memory"]))
            .Append((Name: "Storage writes", Result: run["storageWrites"]));
        return owners.SelectMany(o => Target.Of(o.Result).Where(t => t.OnChart).Select(t => ($"{o.Name}: {t.Measure}", t))).ToList();
    }
}
