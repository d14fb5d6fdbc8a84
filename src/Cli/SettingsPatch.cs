using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>
/// <c>pinctl tenants set KEY lockout MaxFailedAttempts=3 Type=Captcha</c> as the JSON merge patch
/// <c>{"Lockout":{"MaxFailedAttempts":3,"Type":"Captcha"}}</c>; a JSON array instead of assignments replaces a list
/// setting (<c>set KEY allowed-domains '["app.example.com"]'</c>). <c>key=@file.svg</c> (png, jpg, gif, webp, svg) is the
/// image file as a <c>data:</c> URI: how a hosted page's logo is uploaded (<c>set KEY hosted-page LogoUrl=@logo.svg</c>).
/// </summary>
internal static class SettingsPatch
{
    /// <summary>The section's name in the settings (<c>bot-protection</c> → <c>BotProtection</c>) and the patch.</summary>
    public static (string Section, JsonObject Patch) Build(string section, IReadOnlyList<string> assignments)
    {
        var name = SectionName(section);
        if (assignments is [['[', ..] list])
        {
            // A list setting as a whole: set KEY allowed-domains '["app.example.com","*.shop.example"]'.
            return (name, new JsonObject { [name] = ParseJson(list) });
        }

        var changes = new JsonObject();
        foreach (var assignment in assignments)
        {
            var (path, value) = Split(assignment);
            Put(changes, path, value, assignment);
        }

        return (name, new JsonObject { [name] = changes });
    }

    /// <summary>kebab-case to PascalCase: <c>lockout</c> → <c>Lockout</c>, <c>security-questions</c> → <c>SecurityQuestions</c>.</summary>
    public static string SectionName(string section)
    {
        var parts = section.Trim().Split('-', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => !p.All(char.IsAsciiLetterOrDigit)))
        {
            throw new UsageException($"'{section}' is not a settings section (lockout, pin, bot-protection, tokens...).");
        }

        return string.Concat(parts.Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>A value as JSON: <c>null</c>, <c>true</c>/<c>false</c>, a number, a JSON object or array, else text (<c>"3"</c> in quotes stays text).</summary>
    public static JsonNode? Value(string text)
    {
        if (text == "null")
        {
            return null;
        }

        if (bool.TryParse(text, out var flag))
        {
            return JsonValue.Create(flag);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            return JsonValue.Create(text[1..^1]);
        }

        return text.Length > 0 && text[0] is '{' or '[' ? ParseJson(text) : JsonValue.Create(text);
    }

    private static (string[] Path, JsonNode? Value) Split(string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        var path = equals > 0 ? assignment[..equals].Trim().Split('.') : [];
        if (path.Length == 0 || path.Any(p => p.Length == 0))
        {
            throw new UsageException($"'{assignment}' is not key=value.");
        }

        var text = assignment[(equals + 1)..];
        return (path, text.StartsWith('@') && ImageType(text[1..]) is { } type ? JsonValue.Create(DataUri(text[1..], type)) : Value(text));
    }

    /// <summary>The media type of an image file named by its extension, or null.</summary>
    private static string? ImageType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".svg" => "image/svg+xml",
        _ => null,
    };

    private static string DataUri(string file, string type)
    {
        try
        {
            return $"data:{type};base64,{Convert.ToBase64String(File.ReadAllBytes(file))}";
        }
        catch (IOException e)
        {
            throw new UsageException($"Cannot read {file}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new UsageException($"Cannot read {file}: {e.Message}");
        }
    }

    /// <summary>Sets <paramref name="path"/> (dots for nested settings: <c>Plan.Name=Pro</c>) in <paramref name="target"/>.</summary>
    private static void Put(JsonObject target, string[] path, JsonNode? value, string assignment)
    {
        foreach (var step in path[..^1])
        {
            if (target[step] is not JsonObject inner)
            {
                if (target.ContainsKey(step))
                {
                    throw new UsageException($"'{assignment}' sets {step} twice.");
                }

                inner = [];
                target[step] = inner;
            }

            target = inner;
        }

        if (target.ContainsKey(path[^1]))
        {
            throw new UsageException($"'{assignment}' sets {path[^1]} twice.");
        }

        target[path[^1]] = value;
    }

    private static JsonNode? ParseJson(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new UsageException($"'{text}' is not valid JSON: {e.Message}");
        }
    }
}
