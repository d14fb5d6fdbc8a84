using System.Globalization;
using System.Text.Json.Nodes;

namespace PinOrleans.Bench;

/// <summary>
/// A goal a result is judged by: one measured value against its limit. Each scenario, the memory figure and the
/// storage-write figure carry theirs in the results, and the report renders the table's "target" and "met" columns and
/// the chart's bars from these alone, so the two cannot disagree.
/// </summary>
/// <param name="Measure">What is compared, as a reader names it ("p99", "throughput vs alone").</param>
/// <param name="Value">What was measured, in the unit of <paramref name="Limit"/>.</param>
/// <param name="Limit">The bound the value is judged against.</param>
/// <param name="AtLeast">True when the value must reach the limit, false when it must stay at or below it.</param>
/// <param name="Unit">Printed after the numbers: "%", " ms", "×", " B" or "".</param>
/// <param name="OnChart">False for pass/fail checks (no wrong answers) that a bar against a line would not show.</param>
public sealed record Target(string Measure, double Value, double Limit, bool AtLeast, string Unit, bool OnChart = true)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Rounded once, here, so that the results, the table and the chart judge the same number.</summary>
    public double Value { get; init; } = Math.Round(Value, 3);

    public bool Met => AtLeast ? Value >= Limit : Value <= Limit;

    public string Bound => string.Create(Inv, $"{(AtLeast ? "≥" : "≤")} {Limit:G4}{Unit}");

    /// <summary>The goal as the table shows it: "p99 ≤ 5 ms".</summary>
    public string Goal => $"{Measure} {Bound}";

    public static Target AtLeastOf(string measure, double value, double limit, string unit) => new(measure, value, limit, true, unit);

    public static Target AtMostOf(string measure, double value, double limit, string unit) => new(measure, value, limit, false, unit);

    /// <summary>A count that must be zero (wrong answers): judged and listed, not charted.</summary>
    public static Target None(string measure, double count) => new(measure, count, 0, false, "", OnChart: false);

    public JsonObject ToJson() => new()
    {
        ["measure"] = Measure,
        ["value"] = Value,
        ["limit"] = Limit,
        ["atLeast"] = AtLeast,
        ["unit"] = Unit,
        ["onChart"] = OnChart,
        ["met"] = Met,
    };

    public static Target FromJson(JsonNode json) => new(
        json["measure"]!.GetValue<string>(),
        json["value"]!.GetValue<double>(),
        json["limit"]!.GetValue<double>(),
        json["atLeast"]!.GetValue<bool>(),
        json["unit"]!.GetValue<string>(),
        json["onChart"]?.GetValue<bool>() ?? true);

    /// <summary>Every result's targets as the results hold them (<c>targets</c>: an array, absent when it has none).</summary>
    public static List<Target> Of(JsonNode? result) =>
        result?["targets"] is JsonArray targets ? targets.Select(t => FromJson(t!)).ToList() : [];

    /// <summary>The results' form of a list of targets, plus whether all are met.</summary>
    public static void Attach(JsonObject result, IReadOnlyCollection<Target> targets)
    {
        result["targets"] = new JsonArray(targets.Select(t => (JsonNode)t.ToJson()).ToArray());
        result["met"] = targets.All(t => t.Met);
    }
}
