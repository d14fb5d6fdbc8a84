using System.Text.Json.Nodes;
using System.Xml.Linq;
using PinOrleans.Bench;

namespace PinOrleans.Tests.Unit;

/// <summary>The benchmark report: the table's target and met columns and the chart's bars come from the same targets.</summary>
public sealed class BenchReportTests
{
    private static JsonObject Scenario(string name, Target[] targets, string? note = null, string? key = null)
    {
        var scenario = new JsonObject
        {
            ["key"] = key,
            ["name"] = name,
            ["note"] = note,
            ["requests"] = 1000,
            ["errors"] = 0,
            ["rps"] = 50.0,
            ["p50"] = 2.0,
            ["p90"] = 3.0,
            ["p99"] = 4.0,
            ["cpu"] = new JsonObject { ["silo"] = 90.0, ["gateway"] = 10.0, ["azurite"] = 5.0, ["bench"] = 3.0 },
        };
        Target.Attach(scenario, targets);
        return scenario;
    }

    /// <summary>Results as the bench writes them, with scenario names no earlier convention knows.</summary>
    private static JsonObject Run()
    {
        var memory = new JsonObject
        {
            ["accounts"] = 900, ["rssBeforeBytes"] = 100L << 20, ["rssAfterBytes"] = 105L << 20, ["bytesPerAccount"] = 5825.0,
            ["heapBytesPerAccount"] = 5000.0, ["activationsBefore"] = 10, ["activationsAfter"] = 1810,
        };
        Target.Attach(memory, [Target.AtMostOf("bytes per active account", 5825, 4096, " B")]);
        var writes = new JsonObject
        {
            ["logins"] = 50, ["perSuccessfulPinLogin"] = 2.0, ["perFailedPinLogin"] = 1.0, ["successfulByState"] = new JsonObject(),
        };
        Target.Attach(writes, [Target.AtMostOf("per successful PIN login", 2, 2, ""), Target.AtMostOf("per failed PIN login", 1, 1, "")]);
        return new JsonObject
        {
            ["machine"] = new JsonObject { ["cpus"] = 2, ["cpuModel"] = "Test CPU", ["memoryGiB"] = 4.0, ["os"] = "Linux", ["dotnet"] = "10.0" },
            ["when"] = "2026-12-01T00:00:00Z",
            ["ceilings"] = new JsonObject { ["kdfHashesPerSecond"] = 100.0 },
            ["scenarios"] = new JsonArray(
                Scenario("Logins while it snows", [
                    Target.AtLeastOf("throughput vs alone", 80, 90, " %"),
                    Target.AtMostOf("p99", 4, 5, " ms"),
                    Target.None("wrong answers", 0),
                ]),
                Scenario("Renamed cold start", [Target.AtMostOf("p99", 4, 60, " ms")], "(informative)"),
                Scenario("Reported only", [], "reported")),
            ["memory"] = memory,
            ["storageWrites"] = writes,
        };
    }

    private static string TableRow(string markdown, string scenario) =>
        markdown.Split('\n').Single(line => line.StartsWith($"| {scenario} |", StringComparison.Ordinal));

    private static string[] Cells(string row) => row.Split('|')[1..^1].Select(c => c.Trim()).ToArray();

    [Fact]
    public void The_chart_draws_every_charted_target_of_the_results_whatever_the_scenario_is_called()
    {
        var rows = Report.ChartedTargets(Run());

        Assert.Equal(
            [
                "Logins while it snows: throughput vs alone ≥ 90 %", "Logins while it snows: p99 ≤ 5 ms", "Renamed cold start: p99 ≤ 60 ms",
                "Silo memory: bytes per active account ≤ 4096 B", "Storage writes: per successful PIN login ≤ 2", "Storage writes: per failed PIN login ≤ 1",
            ],
            rows.Select(r => $"{r.Label} {r.Target.Bound}"));
    }

    [Fact]
    public void The_table_shows_the_same_targets_and_judges_them_as_the_chart_colours_them()
    {
        var run = Run();
        var markdown = Report.Markdown(run);
        var svg = XDocument.Parse(Report.Chart(run));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var labels = svg.Descendants(ns + "text").Select(t => t.Value).ToList();
        var bars = svg.Descendants(ns + "rect").Where(r => (string?)r.Attribute("class") == "target").Select(r => r.Attribute("fill")!.Value).ToList();

        var snow = Cells(TableRow(markdown, "Logins while it snows"));
        Assert.Equal("throughput vs alone ≥ 90 %, p99 ≤ 5 ms, wrong answers ≤ 0", snow[^2]);
        Assert.Equal("**no**", snow[^1]);
        var cold = Cells(TableRow(markdown, "Renamed cold start"));
        Assert.Equal(["(informative) p99 ≤ 60 ms", "yes"], cold[^2..]);
        Assert.Equal(["reported", "–"], Cells(TableRow(markdown, "Reported only"))[^2..]);
        Assert.Contains("target: bytes per active account ≤ 4096 B: not met", markdown, StringComparison.Ordinal);
        Assert.Contains("target: per successful PIN login ≤ 2: met, per failed PIN login ≤ 1: met", markdown, StringComparison.Ordinal);

        // Each bar: its label, its value against the same bound the table names, green exactly when met.
        var charted = Report.ChartedTargets(run);
        Assert.Equal(charted.Count, bars.Count);
        for (var i = 0; i < charted.Count; i++)
        {
            var (label, target) = charted[i];
            Assert.Contains(label, labels);
            Assert.Contains(labels, l => l.EndsWith($"({target.Bound})", StringComparison.Ordinal));
            Assert.Equal(target.Met ? "#3a9a50" : "#c8463c", bars[i]);
            Assert.Contains(target.Goal, markdown, StringComparison.Ordinal);
        }

        Assert.Equal(["#c8463c", "#3a9a50", "#3a9a50", "#c8463c", "#3a9a50", "#3a9a50"], bars);
    }

    [Fact]
    public void A_target_reads_back_as_it_was_written_and_is_judged_on_the_value_it_shows()
    {
        var target = Target.AtLeastOf("throughput vs KDF ceiling", 84.99996, 85, " %");

        Assert.Equal(85, target.Value);
        Assert.True(target.Met);
        Assert.Equal(target, Target.FromJson(target.ToJson()));
        Assert.Equal(Target.None("wrong answers", 3), Target.FromJson(Target.None("wrong answers", 3).ToJson()));
        Assert.False(Target.None("wrong answers", 3).Met);
    }

    /// <summary>A row of a service, keyed as the bench keys it, with the fields the comparison reads.</summary>
    private static JsonObject Row(string key, string name, JsonObject fields, params string[] cpu)
    {
        var row = Scenario(name, [], key: key);
        row["cpu"] = new JsonObject(cpu.Select(c => KeyValuePair.Create(c, (JsonNode?)10.0)));
        foreach (var (field, value) in fields)
        {
            row[field] = value?.DeepClone();
        }

        return row;
    }

    private static JsonArray Rows(string[] cpu, double pinRatio, double raceHashes, double raceMs, double floodRatio, double? validationP99) => new(
        Row("pin", "PIN login", new JsonObject { ["ratio"] = pinRatio, ["against"] = "KDF ceiling" }, cpu),
        Row("race", "Lockout race (200 concurrent wrong PINs on one account)", new JsonObject
        {
            ["verdicts"] = 5.0, ["conflicts"] = raceHashes - 5, ["hashesFromAnswers"] = raceHashes, ["hashesByCpu"] = raceHashes + 0.4, ["raceMs"] = raceMs,
            ["races"] = new JsonArray(new JsonObject
            {
                ["verdicts"] = 5, ["locked"] = 200 - raceHashes, ["conflicts"] = raceHashes - 5, ["other"] = 0, ["ms"] = raceMs,
                ["hashesFromAnswers"] = raceHashes, ["hashesByCpu"] = raceHashes + 0.4,
            }),
        }, cpu),
        Row("flood", "Legit PIN login under flood", new JsonObject { ["ratio"] = floodRatio, ["against"] = "alone", ["p99Rise"] = 7.1 }, cpu),
        Row("mix", "Mix 90/9/1", new JsonObject
        {
            ["byKind"] = validationP99 is { } p99 ? new JsonObject { ["validation"] = new JsonObject { ["rps"] = 600.0, ["p99"] = p99, ["errors"] = 0 } } : new JsonObject(),
        }, cpu));

    /// <summary>PinOrleans' results with the stock peer's beside them, as a run with the peer writes them.</summary>
    private static JsonObject RunWithPeer()
    {
        var run = Run();
        run["scenarios"] = Rows(["silo", "gateway", "azurite", "bench"], pinRatio: 0.7, raceHashes: 5, raceMs: 255, floodRatio: 1.0, validationP99: 13.2);
        run["peer"] = new JsonObject
        {
            ["name"] = "ASP.NET Core Identity + EF Core + PostgreSQL",
            ["url"] = "http://127.0.0.1:5193",
            ["scenarios"] = Rows(["peer", "postgres", "bench"], pinRatio: 0.78, raceHashes: 65, raceMs: 1700, floodRatio: 0.95, validationP99: null),
        };
        // The peer's second burst was not refused as a whole: its hashes cannot be told from CPU.
        var race = run["peer"]!["scenarios"]!.AsArray().Single(r => (string?)r!["key"] == "race")!;
        race["hashesByCpu"] = null;
        race["races"]![0]!["hashesByCpu"] = null;
        race["races"]![0]!["refusedBurstOther"] = 12;
        return run;
    }

    private static List<string> Section(string markdown, string from) =>
        markdown.Split('\n').SkipWhile(l => !l.StartsWith(from, StringComparison.Ordinal)).ToList();

    [Fact]
    public void The_comparison_pairs_each_measure_of_PinOrleans_with_the_peers_by_scenario_key_and_marks_the_better()
    {
        var rows = Comparison.Of(RunWithPeer()).ToDictionary(c => c.Measure);

        var pin = rows["PIN login / Argon2id ceiling of the same run"];
        Assert.Equal((0.7, 0.78, -1), (pin.PinOrleans, pin.Peer, pin.Better));
        var hashes = rows["Lockout race: hashes per race, from the answers (at least)"];
        Assert.Equal((5.0, 65.0, 1), (hashes.PinOrleans, hashes.Peer, hashes.Better));
        Assert.Equal(0, rows["Lockout race: verdicts (1236) per race"].Better);
        Assert.Equal((100.0, 95.0), (rows["Legit PIN logins beside a saturating wrong-PIN flood: throughput vs alone"].PinOrleans, rows["Legit PIN logins beside a saturating wrong-PIN flood: throughput vs alone"].Peer));
        var validation = rows["Mix 90/9/1: validation p99"];
        Assert.Equal((13.2, null, 0), (validation.PinOrleans, validation.Peer, validation.Better));
        Assert.DoesNotContain("Token validation / bare Kestrel endpoint", rows.Keys); // neither service ran it
        Assert.Empty(Comparison.Of(Run()));
    }

    [Fact]
    public void The_table_shows_both_services_and_the_chart_draws_the_same_values_for_each()
    {
        var run = RunWithPeer();
        var markdown = Report.Markdown(run);
        var svg = XDocument.Parse(Report.Chart(run));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var texts = svg.Descendants(ns + "text").Select(t => t.Value).ToList();

        var peer = Section(markdown, "**Beside the stock peer**");
        Assert.Contains("| PIN login / Argon2id ceiling of the same run | 0.70 | **0.78** |", peer);
        Assert.Contains("| Lockout race: HTTP 409 per race | **0.0** | 60.0 |", peer);
        Assert.Contains("| Lockout race: time until the last answer | **255 ms** | 1700 ms |", peer);
        Assert.Contains("| Mix 90/9/1: validation p99 | 13.20 ms | – |", peer);
        // The peer's own rows, with its own processes' CPU, after the comparison.
        Assert.Contains(peer, l => l.StartsWith("| Scenario |", StringComparison.Ordinal) && l.Contains("CPU % peer / PostgreSQL / bench", StringComparison.Ordinal));
        Assert.Contains(peer, l => l.StartsWith("| PIN login |", StringComparison.Ordinal) && l.Contains("| 10 / 10 / 10 |", StringComparison.Ordinal));
        Assert.Contains("| Lockout race: hashes per race, by CPU | 5.4 | – |", peer);
        Assert.Contains(peer, l => l.Contains(
            "5 × 1236, 135 × 1198, 60 × HTTP 409, 0 other; hashes ≥ 65 from the answers, not measurable by CPU (12 answers of the locked account's burst not refused); 1700 ms",
            StringComparison.Ordinal));
        Assert.Contains("5 × 1236, 195 × 1198, 0 × HTTP 409, 0 other; hashes ≥ 5 from the answers, ≈ 5.4 by CPU; 255 ms", markdown, StringComparison.Ordinal);

        var comparison = Comparison.Of(run);
        Assert.Equal(comparison.Count, svg.Descendants(ns + "rect").Count(r => (string?)r.Attribute("class") == "pinorleans"));
        Assert.Equal(comparison.Count, svg.Descendants(ns + "rect").Count(r => (string?)r.Attribute("class") == "peer"));
        foreach (var c in comparison)
        {
            Assert.Contains(c.Measure, texts);
            Assert.Contains($"PinOrleans {c.Text(c.PinOrleans)}", texts);
            Assert.Contains($"stock peer {c.Text(c.Peer)}", texts);
            Assert.Contains($"| {c.Measure} |", markdown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_run_without_the_peer_says_why_and_keeps_its_own_table_and_chart()
    {
        var run = Run();
        run["peer"] = new JsonObject { ["skipped"] = "not found at /nowhere; set PEER_DIR" };

        var markdown = Report.Markdown(run);

        Assert.Contains("Stock peer: not in this run (not found at /nowhere; set PEER_DIR).", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("Beside the stock peer", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"peer\"", Report.Chart(run), StringComparison.Ordinal);
        Assert.Equal(Report.ChartedTargets(Run()).Count, Report.ChartedTargets(run).Count);
    }

    [Fact]
    public void A_process_counts_with_its_descendants_living_or_reaped_and_nothing_else()
    {
        // 10: a postmaster (its reaped backends in its own ticks), 11 and 12 its backends, 13 a child of 12; 20 unrelated.
        var table = new Dictionary<int, (int Parent, long Ticks)>
        {
            [1] = (0, 1000), [10] = (1, 50), [11] = (10, 7), [12] = (10, 3), [13] = (12, 2), [20] = (1, 400),
        };

        Assert.Equal(62, CpuSample.TreeTicks(table, 10));
        Assert.Equal(5, CpuSample.TreeTicks(table, 12));
        Assert.Equal(0, CpuSample.TreeTicks(table, 99));
    }
}
