using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>The command line cannot be carried out as given (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The gateway refused the request (exit code 1): its LoginRadius <c>ErrorCode</c> and <c>Description</c>, and for
/// 1134 the fields at fault.
/// </summary>
internal sealed class GatewayException(int code, string description, IReadOnlyList<string> fieldErrors) : Exception(description)
{
    public int Code { get; } = code;

    public IReadOnlyList<string> FieldErrors { get; } = fieldErrors;

    /// <summary>The refusal a non-2xx answer describes: a LoginRadius error body, or just its HTTP status.</summary>
    public static GatewayException From(int status, string? reason, JsonNode? body)
    {
        if (body is JsonObject error && error["ErrorCode"] is JsonValue code && code.TryGetValue<int>(out var number))
        {
            var description = error["Description"]?.GetValue<string>() ?? error["Message"]?.GetValue<string>() ?? "";
            var fields = (error["Errors"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(e => $"{e["FieldName"]?.GetValue<string>()}: {e["ErrorMessage"]?.GetValue<string>()}")
                .ToList();
            return new GatewayException(number, description, fields);
        }

        return new GatewayException(status, $"HTTP {status} {reason}".TrimEnd(), []);
    }
}
