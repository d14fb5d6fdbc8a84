using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>What a command prints: the raw JSON answer with <c>--json</c>, readable lines otherwise.</summary>
internal sealed class Output(CliContext context, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public bool IsJson => json;

    public TextWriter Error => context.Error;

    public bool ErrorIsTerminal => context.ErrorIsTerminal;

    /// <summary>The answer as received with <c>--json</c>; else what <paramref name="human"/> prints.</summary>
    public void Answer(Answer answer, Action human)
    {
        if (json)
        {
            context.Out.WriteLine(answer.Raw);
        }
        else
        {
            human();
        }
    }

    public void Line(string text = "") => context.Out.WriteLine(text);

    /// <summary>Label and value pairs, values aligned.</summary>
    public void Fields(params (string Label, string? Value)[] fields)
    {
        var width = fields.Max(f => f.Label.Length) + 2;
        foreach (var (label, value) in fields)
        {
            context.Out.WriteLine($"{(label + ":").PadRight(width)}{value}");
        }
    }

    /// <summary>Rows under a header, columns padded to their widest cell; the last column is not padded.</summary>
    public void Table(string[] header, IReadOnlyList<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in rows.Prepend(header))
        {
            context.Out.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))));
        }
    }

    /// <summary>A JSON value indented, each line prefixed by <paramref name="indent"/>.</summary>
    public void Json(JsonNode? node, string indent = "")
    {
        foreach (var line in (node?.ToJsonString(Indented) ?? "null").Split('\n'))
        {
            context.Out.WriteLine(indent + line.TrimEnd('\r'));
        }
    }

    /// <summary>A string property of an answer, or "" when missing.</summary>
    public static string Text(JsonNode? node, string name) => node?[name] switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => value.ToJsonString(),
        _ => "",
    };
}
