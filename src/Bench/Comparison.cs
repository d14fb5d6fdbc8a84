using System.Globalization;
using System.Text.Json.Nodes;

namespace PinOrleans.Bench;

/// <summary>
/// One measure of PinOrleans beside the stock peer, both measured in the same run. The report's comparison table and
/// the chart's paired bars are both drawn from <see cref="Of"/>, so they cannot disagree.
/// </summary>
/// <param name="Measure">What is compared, as a reader names it.</param>
/// <param name="PinOrleans">PinOrleans' value (null: not measured in this run).</param>
/// <param name="Peer">The peer's value (null: not measured in this run).</param>
/// <param name="Unit">Printed after the numbers: "", " %", "×", " ms".</param>
/// <param name="Digits">Decimals shown.</param>
/// <param name="HigherIsBetter">Which way is better; null when neither (the lockout's verdicts must be exactly 5).</param>
public sealed record Comparison(string Measure, double? PinOrleans, double? Peer, string Unit, int Digits, bool? HigherIsBetter)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public string Text(double? value) => value is { } v ? v.ToString($"F{Digits}", Inv) + Unit : "–";

    /// <summary>Which of the two is better: 1 PinOrleans, -1 the peer, 0 neither or not both measured.</summary>
    public int Better =>
        HigherIsBetter is not { } higher || PinOrleans is not { } ours || Peer is not { } theirs || Math.Round(ours, Digits) == Math.Round(theirs, Digits)
            ? 0
            : (ours > theirs) == higher ? 1 : -1;

    public JsonObject ToJson() => new()
    {
        ["measure"] = Measure,
        ["pinorleans"] = PinOrleans,
        ["peer"] = Peer,
        ["unit"] = Unit,
        ["digits"] = Digits,
        ["higherIsBetter"] = HigherIsBetter,
    };

    /// <summary>
    /// The measures both services were run for, from the results' scenario rows (PinOrleans' in <c>scenarios</c>, the
    /// peer's in <c>peer.scenarios</c>, paired by <c>key</c>); none when the peer was not in the run.
    /// </summary>
    public static List<Comparison> Of(JsonObject run)
    {
        if (run["peer"]?["scenarios"] is not JsonArray peerRows)
        {
            return [];
        }

        var ours = Keyed(run["scenarios"]?.AsArray());
        var theirs = Keyed(peerRows);
        var rows = new List<Comparison>();
        void Add(string key, string measure, Func<JsonNode, double?> value, string unit, int digits, bool? higherIsBetter)
        {
            if (ours.ContainsKey(key) || theirs.ContainsKey(key))
            {
                rows.Add(new Comparison(measure, Value(ours, key, value), Value(theirs, key, value), unit, digits, higherIsBetter));
            }
        }

        Add("pin", "PIN login / Argon2id ceiling of the same run", r => Number(r["ratio"]), "", 2, true);
        Add("validation", "Token validation / bare Kestrel endpoint", r => Number(r["ratio"]), "", 2, true);
        Add("race", "Lockout race: verdicts (1236) per race", r => Number(r["verdicts"]), "", 1, null);
        Add("race", "Lockout race: hashes per race, from the answers (at least)", r => Number(r["hashesFromAnswers"]), "", 1, false);
        Add("race", "Lockout race: hashes per race, by CPU", r => Number(r["hashesByCpu"]), "", 1, false);
        Add("race", "Lockout race: HTTP 409 per race", r => Number(r["conflicts"]), "", 1, false);
        Add("race", "Lockout race: time until the last answer", r => Number(r["raceMs"]), " ms", 0, false);
        Add("flood", "Legit PIN logins beside a saturating wrong-PIN flood: throughput vs alone", r => Number(r["ratio"]) * 100, " %", 0, true);
        Add("flood", "Legit PIN logins beside a saturating wrong-PIN flood: p99 vs alone", r => Number(r["p99Rise"]), "×", 2, false);
        Add("paced", "Legit PIN logins beside a paced wrong-PIN flood: throughput vs alone", r => Number(r["ratio"]) * 100, " %", 0, true);
        Add("paced", "Legit PIN logins beside a paced wrong-PIN flood: p99 vs alone", r => Number(r["p99Rise"]), "×", 2, false);
        Add("mix", "Mix 90/9/1: requests/s", r => Number(r["rps"]), "", 1, true);
        Add("mix", "Mix 90/9/1: PIN login p99", r => Number(r["byKind"]?["PIN login"]?["p99"]), " ms", 1, false);
        Add("mix", "Mix 90/9/1: validation p99", r => Number(r["byKind"]?["validation"]?["p99"]), " ms", 2, false);
        return rows;
    }

    private static Dictionary<string, JsonNode> Keyed(JsonArray? rows) =>
        (rows ?? []).Where(r => r?["key"] is not null).GroupBy(r => r!["key"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.First()!);

    private static double? Value(Dictionary<string, JsonNode> rows, string key, Func<JsonNode, double?> value) =>
        rows.TryGetValue(key, out var row) ? value(row) : null;

    private static double? Number(JsonNode? node) => node?.GetValue<double>();
}
