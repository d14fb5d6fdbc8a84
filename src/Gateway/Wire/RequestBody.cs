using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// A typed JSON request body, bound the way LoginRadius' backend reads one: keys in any casing, digits sent as a
/// JSON number read as text (clients send PINs as numbers), <c>"true"</c>/<c>"false"</c> strings as flags. A body
/// that is not a JSON object is 965 (1079 for PUT), a non-JSON content type 1083, a body over 64 KiB 413, and a
/// field of the wrong kind 1134 naming the field (see <see cref="RequestJson"/>). A record deriving from it is
/// bound by ASP.NET Core through <see cref="BindAsync"/> and documented from its own properties: the OpenAPI
/// request body schema is the record's.
/// </summary>
public abstract record RequestBody<TSelf> : IEndpointParameterMetadataProvider where TSelf : RequestBody<TSelf>
{
    /// <summary>The body as sent, for what is read by name rather than by property (profile fields, captcha answers).</summary>
    [JsonIgnore]
    public JsonBody Json { get; private set; }

    public static async ValueTask<TSelf?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var json = await RequestJson.BodyAsync(context.Request);
        var body = RequestJson.Read<TSelf>(json.Root);
        body.Json = json;
        return body;
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        var optional = new NullabilityInfoContext().Create(parameter).ReadState == NullabilityState.Nullable;
        // No content types: routing would answer 415 for any other before the endpoint runs (before its credentials
        // are checked, and for the +json types ApiRequest.BodyAsync accepts). The document shows application/json.
        builder.Metadata.Add(new AcceptsMetadata([], typeof(TSelf), optional));
        builder.Metadata.Add(JsonBodyMetadata.Instance);
        if (typeof(ILockProofBody).IsAssignableFrom(typeof(TSelf)))
        {
            builder.Metadata.Add(LockProofMetadata.Instance);
        }
    }
}

/// <summary>A body that may carry what a lockout asks for (read by <see cref="BotProtection.CaptchaVerifier"/>).</summary>
public interface ILockProofBody
{
    JsonBody Json { get; }
}

/// <summary>
/// A body that may carry what a lockout asks for: <c>securityanswer</c> (SecurityQuestion lockout) and captcha
/// answers (Captcha lockout; also accepted in the query), as <see cref="BotProtection.CaptchaVerifier"/> reads them.
/// </summary>
public abstract record LockProofBody<TSelf> : RequestBody<TSelf>, ILockProofBody where TSelf : LockProofBody<TSelf>
{
    [JsonPropertyName("securityanswer")]
    [Description("Answers by question id under a SecurityQuestion lockout: `{\"<questionId>\": \"<answer>\"}`; answers compare ignoring case, extra spaces and Unicode composition.")]
    public Dictionary<string, string?>? SecurityAnswer { get; init; }

    [JsonPropertyName("g-recaptcha-response"), Description("A reCAPTCHA (v2 or v3) answer, as the query parameter of the same name.")]
    public string? RecaptchaResponse { get; init; }

    [JsonPropertyName("g_recaptcha_response"), Description("A reCAPTCHA answer, the underscore spelling.")]
    public string? RecaptchaResponseUnderscore { get; init; }

    [JsonPropertyName("h-captcha-response"), Description("An hCaptcha answer.")]
    public string? HCaptchaResponse { get; init; }

    [JsonPropertyName("qq_captcha_ticket"), Description("A Tencent captcha ticket, with `qq_captcha_randstr`.")]
    public string? TencentTicket { get; init; }

    [JsonPropertyName("qq_captcha_randstr"), Description("A Tencent captcha randstr, with `qq_captcha_ticket`.")]
    public string? TencentRandstr { get; init; }
}

/// <summary>Checks of single fields that several bodies share.</summary>
public static class Fields
{
    /// <summary>The most security answers one request may carry (the highest <c>SecurityQuestions:MinimumAnswers</c>).</summary>
    public const int MaxSecurityAnswers = 20;

    /// <summary>Longer PINs cannot satisfy any PIN policy; they are refused before reaching the cluster.</summary>
    public const int MaxPinLength = 64;

    /// <summary>A PIN field: missing or empty is 1234; longer than any PIN policy allows is 1134.</summary>
    public static Sensitive Pin(string? pin, string field) =>
        string.IsNullOrEmpty(pin) ? throw LoginRadiusException.Of(ErrorCode.PinRequired)
        : pin.Length <= MaxPinLength ? new Sensitive(pin)
        : throw JsonBody.Invalid(field, $"The {field} field may not be longer than {MaxPinLength} characters.");

    /// <summary>
    /// <c>SecurityAnswer</c> / <c>SecurityQuestionAnswer</c>: <c>{"questionId": "answer"}</c>; null when absent.
    /// Question ids are 1 to 64 letters, digits, '_' or '-'; answers are text of at most 256 characters (empty removes, on update).
    /// </summary>
    public static Dictionary<string, Sensitive>? SecurityAnswers(JsonBody body, string field)
    {
        var value = body.Property(field);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Object)
        {
            throw JsonBody.Invalid(field, $"The {field} field must be an object of answers by question id.");
        }

        // Each answer costs a hash, also for an unknown account (UniformAnswers): a request may not queue more than
        // the most answers a tenant can ask for.
        if (value.Value.EnumerateObject().Count() > MaxSecurityAnswers)
        {
            throw JsonBody.Invalid(field, $"The {field} field may hold at most {MaxSecurityAnswers} answers.");
        }

        var answers = new Dictionary<string, Sensitive>(StringComparer.Ordinal);
        foreach (var property in value.Value.EnumerateObject())
        {
            var id = property.Name.Trim();
            if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw LoginRadiusException.Of(Problem.Validation(field, "A security question id is 1 to 64 letters, digits, '_' or '-'."));
            }

            var answer = JsonBody.StringOf(property.Value, field) ?? "";
            answers[id] = answer.Length <= 256 ? new Sensitive(answer) : throw JsonBody.Invalid(field, "A security answer may not be longer than 256 characters.");
        }

        return answers;
    }

    /// <summary>A required text field: 1134 "The {field} field is required." when missing or empty.</summary>
    public static string Required(string? value, string field) =>
        string.IsNullOrEmpty(value) ? throw JsonBody.Invalid(field, $"The {field} field is required.") : value;
}

/// <summary>The endpoint reads a JSON body (965/1079, 1083, 413).</summary>
public sealed class JsonBodyMetadata
{
    public static readonly JsonBodyMetadata Instance = new();
}

/// <summary>The endpoint checks a lockout's proof: captcha answers (query or body) and <c>securityanswer</c>.</summary>
public sealed class LockProofMetadata
{
    public static readonly LockProofMetadata Instance = new();
}

/// <summary>The serializer settings and checks behind <see cref="RequestBody{TSelf}"/>.</summary>
public static class RequestJson
{
    private static readonly object BodyKey = new();

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = null,
        MaxDepth = 32,
        Converters = { new TextConverter(), new FlagConverter() },
    };

    /// <summary>The request's JSON body, read once (<see cref="ApiRequest.BodyAsync"/>) and kept for later readers of the same request.</summary>
    public static async ValueTask<JsonBody> BodyAsync(HttpRequest request)
    {
        if (request.HttpContext.Items.TryGetValue(BodyKey, out var read) && read is JsonBody body)
        {
            return body;
        }

        body = await ApiRequest.BodyAsync(request);
        request.HttpContext.Items[BodyKey] = body;
        return body;
    }

    /// <summary>A body object as <typeparamref name="T"/>; a field of the wrong kind is <see cref="FieldProblem"/>.</summary>
    public static T Read<T>(JsonElement root)
    {
        try
        {
            return root.Deserialize<T>(Options)!;
        }
        catch (JsonException e)
        {
            throw FieldProblem(e);
        }
    }

    /// <summary>A field of the wrong kind: 1134 naming it, with the converter's words when it gave some.</summary>
    public static LoginRadiusException FieldProblem(JsonException problem)
    {
        var field = FieldOf(problem.Path);
        return problem is FieldKindException kind
            ? JsonBody.Invalid(field, $"The {field} field {kind.Message}")
            : JsonBody.Invalid(field, $"The {field} field is not of the right kind.");
    }

    /// <summary><c>$.Email[0].Value</c> → <c>Email.Value</c>; <c>$['g-recaptcha-response']</c> → <c>g-recaptcha-response</c>.</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        var parts = new List<string>();
        var rest = path.AsSpan(1);
        while (!rest.IsEmpty)
        {
            if (rest[0] == '.')
            {
                var end = rest[1..].IndexOfAny('.', '[');
                parts.Add((end < 0 ? rest[1..] : rest.Slice(1, end)).ToString());
                rest = end < 0 ? [] : rest[(end + 1)..];
            }
            else if (rest.StartsWith("['"))
            {
                var end = rest.IndexOf("']");
                parts.Add(rest[2..end].ToString());
                rest = rest[(end + 2)..];
            }
            else
            {
                // An array index: "[0]".
                var end = rest.IndexOf(']');
                rest = end < 0 ? [] : rest[(end + 1)..];
            }
        }

        return parts.Count == 0 ? "body" : string.Join('.', parts);
    }

    /// <summary>What the field should have been; STJ fills in <see cref="JsonException.Path"/>.</summary>
    private sealed class FieldKindException(string message) : JsonException(message);

    /// <summary>Text: a JSON string (valid UTF-16) or a whole number read as its digits; null stays null.</summary>
    private sealed class TextConverter : JsonConverter<string>
    {
        public override bool HandleNull => false;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    try
                    {
                        return reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        throw new FieldKindException("is not valid text.");
                    }

                case JsonTokenType.Number when reader.ValueSpan.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0 && !reader.HasValueSequence:
                    return System.Text.Encoding.ASCII.GetString(reader.ValueSpan);
                default:
                    throw new FieldKindException("must be a string.");
            }
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    /// <summary>A flag: <c>true</c>/<c>false</c>, or the same as a string.</summary>
    private sealed class FlagConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.String when bool.TryParse(reader.GetString(), out var flag) => flag,
            _ => throw new FieldKindException("must be true or false."),
        };

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}

/// <summary>
/// An example value for a request or answer property, or (on a body type) a whole example body, shown in the OpenAPI
/// document (a string, or JSON with <see cref="IsJson"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Class)]
public sealed class ExampleAttribute(string value) : Attribute
{
    public string Value { get; } = value;

    /// <summary><see cref="Value"/> is JSON (an object, array, number or flag) rather than a string.</summary>
    public bool IsJson { get; init; }

    public System.Text.Json.Nodes.JsonNode? Node => IsJson ? System.Text.Json.Nodes.JsonNode.Parse(Value) : System.Text.Json.Nodes.JsonValue.Create(Value);
}
