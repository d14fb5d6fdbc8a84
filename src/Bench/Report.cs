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
        text.AppendLine(Inv, $"Ceilings: KDF {ceilings["kdfHashesPerSecond"]} Argon2id verifications/s on all cores{http}");
        text.AppendLine();
        text.AppendLine("| Scenario | req/s | p50 ms | p90 ms | p99 ms | errors | CPU % silo / gateway / Azurite / bench | vs ceiling | target | met |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---|---:|---|---|");
        foreach (var s in run["scenarios"]!.AsArray())
        {
            var cpu = s!["cpu"]!;
            var ratio = s["ratio"] is { } r ? $"{r.GetValue<double>() * 100:F0} % of {s["against"]}" : "";
            if (s["p99Rise"] is { } rise)
            {
                ratio += $", p99 ×{rise}";
            }

            var targets = Target.Of(s);
            var goal = string.Join(" ", new[] { s["note"]?.GetValue<string>(), string.Join(", ", targets.Select(t => t.Goal)) }.Where(g => !string.IsNullOrEmpty(g)));
            text.AppendLine(Inv, $"| {s["name"]} | {s["rps"]} | {s["p50"]} | {s["p90"]} | {s["p99"]} | {s["errors"]} | {cpu["silo"]} / {cpu["gateway"]} / {cpu["azurite"]} / {cpu["bench"]} | {ratio} | {goal} | {Verdict(targets)} |");
        }

        if (run["scenarios"]!.AsArray().FirstOrDefault(s => s!["byKind"] is not null)?["byKind"] is JsonObject kinds)
        {
            text.AppendLine();
            text.Append("Mix by kind: ");
            text.AppendLine(string.Join("; ", kinds.Select(k => string.Create(Inv, $"{k.Key} {k.Value!["rps"]} req/s, p99 {k.Value["p99"]} ms, errors {k.Value["errors"]}"))));
        }

        foreach (var s in run["scenarios"]!.AsArray().Where(s => s!["statuses"] is not null))
        {
            text.AppendLine();
            text.AppendLine(Inv, $"{s!["name"]}: {s["floodRps"]} flood requests/s answered, by HTTP status {s["statuses"]!.ToJsonString()}; the refused ones in p50 {s["p50"]} ms, p99 {s["p99"]} ms.");
        }

        if (run["memory"] is JsonObject memory)
        {
            text.AppendLine();
            text.AppendLine(Inv, $"Memory: {memory["accounts"]} accounts with a PIN session activated (user grain + session grain each): silo resident set {memory["rssBeforeBytes"]!.GetValue<long>() / 1048576.0:F0} → {memory["rssAfterBytes"]!.GetValue<long>() / 1048576.0:F0} MiB, **{memory["bytesPerAccount"]} bytes per account** (managed heap: {memory["heapBytesPerAccount"]} bytes per account; target: {Judged(Target.Of(memory))}); activations {memory["activationsBefore"]} → {memory["activationsAfter"]}.");
        }

        if (run["storageWrites"] is JsonObject writes)
        {
            text.AppendLine();
            text.AppendLine(Inv, $"Storage writes: {writes["perSuccessfulPinLogin"]} per successful PIN login, {writes["perFailedPinLogin"]} per failed one (target: {Judged(Target.Of(writes))}; counted by the silo's storage layer over {writes["logins"]} logins each; successful by state: {writes["successfulByState"]!.ToJsonString()}).");
        }

        return text.ToString();
    }

    /// <summary>The "met" column: a row judged by no target (reported only) shows a dash.</summary>
    private static string Verdict(List<Target> targets) => targets.Count == 0 ? "–" : targets.All(t => t.Met) ? "yes" : "**no**";

    private static string Judged(List<Target> targets) =>
        string.Join(", ", targets.Select(t => $"{t.Goal}: {(t.Met ? "met" : "not met")}"));

    /// <summary>
    /// One bar per charted target of the results (the scenarios', the memory figure's, the storage writes'): the
    /// measured value against its limit (green when met), each row on its own scale.
    /// </summary>
    internal static string Chart(JsonObject run)
    {
        var rows = ChartedTargets(run);
        const int width = 420, rowHeight = 34, top = 50;
        // Room for the longest label at about 6.5 px a character (12 px sans-serif).
        var left = Math.Max(330, (int)(rows.Select(r => r.Label.Length).DefaultIfEmpty(0).Max() * 6.5) + 20);
        var svg = new StringBuilder();
        svg.AppendLine(Inv, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 140}" height="{top + rows.Count * rowHeight + 30}" font-family="sans-serif" font-size="12">""");
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
            svg.AppendLine(Inv, $"""<rect x="{left}" y="{y + 5}" width="{bar:F1}" height="18" fill="{(target.Met ? "#3a9a50" : "#c8463c")}"/>""");
            svg.AppendLine(Inv, $"""<line x1="{mark:F1}" x2="{mark:F1}" y1="{y + 1}" y2="{y + 27}" stroke="black" stroke-width="2"/>""");
            svg.AppendLine(Inv, $"""<text x="{left + Math.Max(bar, width * limit / scale) + 8:F1}" y="{y + 17}">{WebUtility.HtmlEncode($"{value.ToString("G4", Inv)}{target.Unit} ({target.Bound})")}</text>""");
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
