using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;

namespace PinOrleans.Gateway.Hosting;

/// <summary>What the OpenAPI document says of each operation beyond what ASP.NET Core reads off its handler (see <see cref="OpenApiDocs"/>).</summary>
internal static class OpenApiOperations
{
    // ---------------------------------------------------------------------------------------------------------------
    // Operations: ASP.NET Core describes parameters, bodies and answers from the handlers' types; this adds what it
    // cannot know from them, read from the endpoint's metadata: the credentials its parameters ask for (security,
    // the apikey/apisecret/access_token spellings), the captcha answers of a lock-proof body, the webhook events it
    // raises, and every LoginRadius error it can answer.
    // ---------------------------------------------------------------------------------------------------------------

    internal static void DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document;
        if (document is not null)
        {
            OpenApiDocs.EnsureComponents(document);
        }

        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var method = (context.Description.HttpMethod ?? "GET").ToUpperInvariant();

        // One endpoint with several methods (PUT and POST /identity/v2/auth/pin/change) gives several operations, and
        // operation ids must be unique: the methods after the first get theirs as a suffix.
        if (metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods is { Count: > 1 } methods
            && !string.Equals(methods[0], method, StringComparison.OrdinalIgnoreCase) && operation.OperationId is { Length: > 0 } id)
        {
            operation.OperationId = id + method[..1] + method[1..].ToLowerInvariant();
        }

        var caller = metadata.OfType<CallerMetadata>().Aggregate(Caller.None, (all, each) => all | each.Caller);
        var parameters = operation.Parameters ??= new List<IOpenApiParameter>();
        var required = parameters.Where(p => p.In == ParameterLocation.Query && p.Required && p.Name is not null).Select(p => p.Name!)
            .Concat(metadata.OfType<MalformedParametersMetadata>().SelectMany(m => m.Parameters)).ToList();
        foreach (var parameter in CommonParameters(caller))
        {
            Upsert(parameters, parameter);
        }

        var lockProof = metadata.OfType<LockProofMetadata>().Any();
        if (lockProof)
        {
            foreach (var parameter in CaptchaParameters)
            {
                Upsert(parameters, parameter);
            }
        }

        var events = metadata.OfType<EventsMetadata>().SelectMany(e => e.Events).Distinct().ToArray();
        if (events.Length > 0)
        {
            Upsert(parameters, new Param("prevent_webhook", ParameterLocation.Query, false, "`true`: this request raises no webhook events.", JsonSchemaType.Boolean));
            Upsert(parameters, new Param("X-PreventWebhook", ParameterLocation.Header, false, "`true`: this request raises no webhook events.", JsonSchemaType.Boolean));
            operation.Description = (operation.Description is { Length: > 0 } text ? text + "\n\n" : "")
                + "Webhook events: " + string.Join(", ", events.Select(e => $"`{e}`")) + " (none with `prevent_webhook=true` or `X-PreventWebhook: true`).";
        }

        if (metadata.OfType<IAcceptsMetadata>().LastOrDefault() is { RequestType: { } bodyType }
            && operation.RequestBody?.Content?.TryGetValue(OpenApiDocs.Json, out var media) == true && media.Example is null)
        {
            media.Example = ExampleOf(bodyType);
        }

        var errors = ErrorsOf(caller, required, metadata.OfType<JsonBodyMetadata>().Any(), lockProof, metadata.OfType<RefusalsMetadata>().SelectMany(r => r.Codes), method);
        AddErrorResponses(operation, document, errors);
        operation.Security = SecurityOf(caller, document);
    }

    /// <summary>The body type's own <see cref="ExampleAttribute"/>, else one made of its properties' examples; null when it has none.</summary>
    private static JsonNode? ExampleOf(Type body)
    {
        if (body.GetCustomAttribute<ExampleAttribute>() is { } whole)
        {
            return whole.Node;
        }

        var example = new JsonObject();
        foreach (var property in body.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<ExampleAttribute>() is { } given)
            {
                example[property.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? property.Name] = given.Node;
            }
        }

        return example.Count > 0 ? example : null;
    }

    private sealed record Param(string Name, ParameterLocation In, bool Required, string Description, JsonSchemaType Type = JsonSchemaType.String, string? Example = null);

    private static IEnumerable<Param> CommonParameters(Caller caller)
    {
        if (caller.HasFlag(Caller.ApiKey))
        {
            yield return new Param("apikey", ParameterLocation.Query, false,
                "The tenant's API key (a GUID). Required, here or in `X-LoginRadius-ApiKey` (missing: 908; unknown: 901).");
            yield return new Param("X-LoginRadius-ApiKey", ParameterLocation.Header, false, "The tenant's API key, instead of `apikey`.");
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            yield return new Param("X-LoginRadius-ApiSecret", ParameterLocation.Header, false,
                "The tenant's API secret. Required, here or in `apisecret` (missing: 908; wrong: 902).");
            yield return new Param("apisecret", ParameterLocation.Query, false, "The tenant's API secret, instead of `X-LoginRadius-ApiSecret` (as the Node SDK sends it).");
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            yield return new Param(Security.RequestSignature.ExpiresHeader, ParameterLocation.Header, false,
                "API request signing, instead of the secret: when the request expires, in UTC (`yyyy-M-d h:m:s tt`, or `yyyy-MM-dd HH:mm:ss`), at most an hour ahead. With `digest` (a part missing: 1212; malformed: 1211; past: 1210).");
            yield return new Param(Security.RequestSignature.DigestHeader, ParameterLocation.Header, false,
                "API request signing, instead of the secret: `SHA-256=` and the base64 HMAC-SHA256, keyed with the API secret, of `X-Request-Expires:lower(encodeURIComponent(decodeURIComponent(url)))` and `:body` when there is one (not this request's: 1208).");
        }

        if (caller.HasFlag(Caller.Sott))
        {
            yield return new Param(Security.SecureOneTimeToken.Header, ParameterLocation.Header, true,
                "A live SOTT (Secure One-Time Token) for this API key, made from the API key and secret as the LoginRadius SDKs make it or by `GET /identity/v2/manage/account/sott`. Reusable until it expires (clock skew allowed: 2 minutes). Missing, malformed, made with another secret or API key, expired or not yet valid: 908 naming `X-LoginRadius-Sott`.");
        }

        if (caller.HasFlag(Caller.AccessToken))
        {
            yield return new Param("access_token", ParameterLocation.Query, false,
                "The user's access token. Required, here, as `Authorization: Bearer <token>` or (where a body is read) as `access_token` in the body (missing: 1060; invalid: 905; expired: 906).");
        }

        if (caller.HasFlag(Caller.ApiKey))
        {
            yield return new Param("X-Origin-IP", ParameterLocation.Header, false,
                "The end user's IP address, as LoginRadius SDKs forward it: used for the per-IP rate limit and sent to the captcha provider. Believed only from the operator's proxies or with the API secret (ForwardedHeaders:OriginIpFrom); otherwise, and by default, the connection's address.");
        }
    }

    /// <summary>The captcha answers <see cref="CaptchaAnswer.Read"/> looks for, in the query (and the body).</summary>
    private static readonly Param[] CaptchaParameters = CaptchaAnswer.Parameters.Select(name => new Param(name, ParameterLocation.Query, false, name switch
    {
        "g-recaptcha-response" => "reCAPTCHA (v2 or v3) answer. ",
        "g_recaptcha_response" => "reCAPTCHA answer, the underscore spelling. ",
        "h-captcha-response" => "hCaptcha answer. ",
        "qq_captcha_ticket" => "Tencent captcha ticket, with `qq_captcha_randstr`. ",
        "qq_captcha_randstr" => "Tencent captcha randstr, with `qq_captcha_ticket`. ",
        _ => "A captcha answer. ",
    } + CaptchaNote)).ToArray();

    private const string CaptchaNote =
        "Needed under a Captcha lockout (1132) or, for PIN login, when the tenant requires a captcha on every PIN login; also accepted in the JSON body. Rejected: 1218; provider unreachable: 503.";

    /// <summary>Adds the parameter, or completes the one ASP.NET Core already inferred (route values).</summary>
    private static void Upsert(IList<IOpenApiParameter> parameters, Param parameter)
    {
        var existing = parameters.OfType<OpenApiParameter>()
            .FirstOrDefault(p => p.In == parameter.In && string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            existing.Description = parameter.Description;
            existing.Required = existing.Required || parameter.Required;
            existing.Example ??= parameter.Example is null ? null : JsonValue.Create(parameter.Example);
            return;
        }

        if (parameters.Any(p => p.In == parameter.In && string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        parameters.Add(new OpenApiParameter
        {
            Name = parameter.Name,
            In = parameter.In,
            Required = parameter.Required || parameter.In == ParameterLocation.Path,
            Description = parameter.Description,
            Schema = new OpenApiSchema { Type = parameter.Type },
            Example = parameter.Example is null ? null : JsonValue.Create(parameter.Example),
        });
    }

    private static List<OpenApiSecurityRequirement> SecurityOf(Caller caller, OpenApiDocument? document)
    {
        var requirement = new OpenApiSecurityRequirement();
        void Require(string scheme) => requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        if (caller.HasFlag(Caller.ApiKey))
        {
            Require(OpenApiDocs.ApiKeyScheme);
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            Require(OpenApiDocs.ApiSecretScheme);
        }

        if (caller.HasFlag(Caller.AccessToken))
        {
            Require(OpenApiDocs.AccessTokenScheme);
        }

        if (caller.HasFlag(Caller.Administrator))
        {
            Require(OpenApiDocs.AdminScheme);
        }

        return requirement.Count == 0 ? [] : [requirement];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Errors: one response per HTTP status, listing the LoginRadius codes, each with an example.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// One error an operation can answer, with the id of its example under <c>components/examples</c> (one per
    /// code; the 908 of each required parameter and the captcha provider's 503 have their own).
    /// </summary>
    private sealed record Err(LoginRadiusError Error, string Id, string? Parameter = null)
    {
        public static Err Of(ErrorCode code) => new(LoginRadiusError.For(code), $"Error{(int)code}");

        /// <summary>908 for a missing or malformed parameter.</summary>
        public static Err Missing(string name) => new(LoginRadiusError.MissingParameter(name), $"Error908_{name}", name);

        /// <summary>Errors only HTTP produces (their code is their status).</summary>
        public static Err Http(LoginRadiusError error, string? variant = null) =>
            new(error, variant is null ? $"Error{error.Code}" : $"Error{error.Code}_{variant}");
    }

    /// <summary>What PinOrleans adds to a code's LoginRadius message in the response descriptions.</summary>
    private static readonly FrozenDictionary<int, string> Notes = new Dictionary<int, string>
    {
        [(int)ErrorCode.AccountSuspended] = "suspended after too many failures; `Data.LoginLockedTimeout` says until when",
        [(int)ErrorCode.ValidationFailed] = "`Errors` lists `{FieldName, ErrorMessage}`",
        [(int)ErrorCode.CaptchaRequired] = "Captcha lockout (or a captcha required on every PIN login): send a captcha answer",
        [(int)ErrorCode.SecurityAnswerRequired] = "SecurityQuestion lockout: send `securityanswer`",
        [(int)ErrorCode.AccountBlocked] = "blocked (Block lockout, 100 failures in a row, or `IsActive: false`): only an administrator lifts it",
        [(int)ErrorCode.InvalidPin] = "counts toward the lockout",
        [(int)ErrorCode.CurrentPinInvalid] = "counts toward the lockout",
        [(int)ErrorCode.InvalidCredentials] = "counts toward the lockout",
        [(int)ErrorCode.SecurityAnswerIncorrect] = "counts toward the lockout",
        [(int)ErrorCode.OtpInvalid] = "counts toward the lockout",
        [429] = "a rate limit; `Retry-After` says when to retry",
        [503] = "`Retry-After: 1`",
    }.ToFrozenDictionary();

    private static List<Err> ErrorsOf(Caller caller, IEnumerable<string> requiredQuery, bool body, bool lockProof, IEnumerable<ErrorCode> refusals, string method)
    {
        var errors = new List<Err>();
        if (caller.HasFlag(Caller.ApiKey))
        {
            errors.AddRange([Err.Missing("apikey"), Err.Of(ErrorCode.ApiKeyUnauthorized), Err.Of(ErrorCode.TrialPlanExpired)]);
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            errors.AddRange([Err.Missing("apisecret"), Err.Of(ErrorCode.ApiSecretUnauthorized)]);
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            errors.AddRange(new[] { ErrorCode.RequestSignatureInvalid, ErrorCode.RequestExpired, ErrorCode.RequestSignatureMalformed, ErrorCode.RequestSignaturePartMissing }.Select(Err.Of));
        }

        if (caller.HasFlag(Caller.Sott))
        {
            errors.Add(Err.Missing(Security.SecureOneTimeToken.Header));
        }

        if (caller.HasFlag(Caller.AccessToken))
        {
            errors.AddRange([Err.Of(ErrorCode.AccessTokenMissing), Err.Of(ErrorCode.AccessTokenInvalid), Err.Of(ErrorCode.AccessTokenExpired)]);
        }

        if (caller.HasFlag(Caller.Administrator))
        {
            errors.AddRange([Err.Http(Endpoints.AdminApi.Unauthorized, "Admin"), Err.Http(LoginRadiusError.RouteNotFound)]);
        }

        errors.AddRange(requiredQuery.Select(Err.Missing));
        if (body)
        {
            errors.AddRange([Err.Of(method == "PUT" ? ErrorCode.PutBodyInvalid : ErrorCode.PostBodyInvalid), Err.Of(ErrorCode.ContentTypeNotSupported), Err.Http(LoginRadiusError.PayloadTooLarge), Err.Of(ErrorCode.ValidationFailed)]);
        }

        if (lockProof)
        {
            errors.AddRange([Err.Of(ErrorCode.CaptchaInvalid), Err.Http(LoginRadiusError.CaptchaUnavailable, "Captcha")]);
            errors.AddRange(ApiGroups.LockRefusals.Select(Err.Of));
        }

        errors.AddRange(refusals.Select(Err.Of));
        errors.AddRange([Err.Http(LoginRadiusError.TooManyRequests), Err.Of(ErrorCode.UnknownError), Err.Http(LoginRadiusError.ServiceUnavailable)]);
        return errors;
    }

    private static void AddErrorResponses(OpenApiOperation operation, OpenApiDocument? document, IEnumerable<Err> errors)
    {
        operation.Responses ??= new OpenApiResponses();
        var all = errors.DistinctBy(e => e.Id).ToList();
        foreach (var byStatus in all.GroupBy(e => e.Error.Status).OrderBy(g => g.Key))
        {
            var status = byStatus.Key.ToString(CultureInfo.InvariantCulture);
            var lines = new StringBuilder(ReasonPhrases.GetReasonPhrase(byStatus.Key)).Append(". LoginRadius errors:\n");
            var examples = new Dictionary<string, IOpenApiExample>();
            foreach (var same in byStatus.GroupBy(e => (e.Error.Code, e.Error.Message)).OrderBy(g => g.Key.Code))
            {
                var error = same.First().Error;
                lines.Append("\n- ").Append(error.Code).Append(' ').Append(error.Message.TrimEnd('.')).Append(" (HTTP ").Append(error.Status).Append(')');
                var details = new List<string>();
                if (same.Where(e => e.Parameter is not null).Select(e => $"`{e.Parameter}`").ToList() is { Count: > 0 } missing)
                {
                    details.Add("missing or malformed " + string.Join(", ", missing));
                }

                if (Notes.TryGetValue(error.Code, out var note))
                {
                    details.Add(note);
                }

                if (details.Count > 0)
                {
                    lines.Append(": ").AppendJoin("; ", details);
                }

                foreach (var each in same)
                {
                    // "1236", "908 apikey", "503 Captcha": unique within the operation, as the ids are.
                    examples[each.Id["Error".Length..].Replace('_', ' ')] = ErrorExample(each, document);
                }
            }

            var response = new OpenApiResponse
            {
                Description = lines.ToString(),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [OpenApiDocs.Json] = new() { Schema = new OpenApiSchemaReference(OpenApiDocs.ErrorSchema, document), Examples = examples },
                },
            };
            if (byStatus.Key is 429 or 503)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } },
                };
            }

            operation.Responses[status] = response;
        }

        var codes = all.Select(e => e.Error.Code).Distinct().Order().Select(c => (JsonNode?)JsonValue.Create(c)).ToArray();
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[OpenApiDocs.ErrorCodesExtension] = new JsonNodeExtension(new JsonArray(codes));
    }

    /// <summary>The error's example, shared by every operation under <c>components/examples</c> (inline without a document).</summary>
    private static IOpenApiExample ErrorExample(Err error, OpenApiDocument? document)
    {
        var example = new OpenApiExample
        {
            Summary = $"{error.Error.Code} {error.Error.Message}",
            Value = LoginRadiusJson.ErrorBody(error.Error, ExampleProblem(error.Error)),
        };
        if (document is null)
        {
            return example;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.Examples ??= new Dictionary<string, IOpenApiExample>();
        document.Components.Examples.TryAdd(error.Id, example);
        return new OpenApiExampleReference(error.Id, document);
    }

    private static Problem? ExampleProblem(LoginRadiusError error) => error.Code switch
    {
        (int)ErrorCode.AccountSuspended => Problem.Locked(OpenApiSchemas.SampleTime.AddMinutes(15)),
        (int)ErrorCode.ValidationFailed => Problem.Validation("PIN", "The PIN must be 4 to 8 characters long."),
        _ => null,
    };

}
