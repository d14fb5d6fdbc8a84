using System.Text.Json.Nodes;
using System.Xml.Linq;
using PinOrleans.Bench;

namespace PinOrleans.Tests.Unit;

/// <summary>The benchmark report: the table's target and met columns and the chart's bars come from the same targets.</summary>
public sealed class BenchReportTests
{
    private static JsonObject Scenario(string name, Target[] targets, string? note = null)
    {
        var scenario = new JsonObject
        {
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
        var bars = svg.Descendants(ns + "rect").Skip(1).Select(r => r.Attribute("fill")!.Value).ToList();

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
}
