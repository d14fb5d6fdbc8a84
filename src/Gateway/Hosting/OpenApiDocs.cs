using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;
using Scalar.AspNetCore;

namespace PinOrleans.Gateway.Hosting;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its interactive reference page (<c>/reference</c>). The endpoints
/// read their requests by hand (<see cref="ApiRequest"/>), so ASP.NET Core cannot infer their parameters and bodies:
/// a catalogue keyed by endpoint name supplies them, with the success answer and every LoginRadius error the
/// endpoint can give (codes, statuses and texts taken from <see cref="LoginRadiusError"/>, so they cannot drift).
/// Endpoints missing from the catalogue still get the common parameters and the LoginRadius error responses.
/// </summary>
public static class OpenApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/reference";
    public const string Title = "PinOrleans — LoginRadius-compatible PIN login API";

    /// <summary>The operation extension listing every LoginRadius <c>ErrorCode</c> the operation can answer.</summary>
    public const string ErrorCodesExtension = "x-loginradius-error-codes";

    private const string Json = "application/json";
    private const string ApiKeyScheme = "ApiKey";
    private const string ApiSecretScheme = "ApiSecret";
    private const string AccessTokenScheme = "AccessToken";
    private const string AdminScheme = "AdminBasic";
    private const string ErrorSchema = "LoginRadiusError";

    public static IServiceCollection AddPinOrleansOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                DescribeDocument(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                DescribeOperation(operation, context);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                DescribeSchema(schema, context);
                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static WebApplication MapPinOrleansOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(ReferencePath, options => options
            .WithTitle(Title)
            .WithOpenApiRoutePattern(DocumentPath));
        return app;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The document: title, description, security schemes and the error schema.
    // ---------------------------------------------------------------------------------------------------------------

    private static void DescribeDocument(OpenApiDocument document)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = Title;
        document.Info.Version = Version();
        document.Info.Description = DocumentDescription;
        EnsureComponents(document);
        DescribeTags(document);
    }

    private static readonly FrozenDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Authentication"] = "Password login (first level) and PIN login (second level).",
        ["PIN"] = "Setting the PIN a login asked for, and changing it.",
        ["Forgot and reset PIN"] = "Forgot-PIN messages (e-mail link and OTP, SMS or voice OTP) and resetting the PIN with their secrets or security answers.",
        ["Tokens"] = "What a client does with its tokens: validate, inspect, read the profile, log out, end a PIN session.",
        ["Step-up"] = "Re-authentication by PIN: the client proves the PIN again, the server checks the proof.",
        ["Lockout"] = "Self-service unlock of a Captcha or SecurityQuestion lockout.",
        ["Account management"] = "Accounts with the API key and secret: create, read, update (PIN, lock, block), password, delete.",
        ["Token management"] = "Token operations with the API secret: refresh (rotating, with reuse detection), revoke, tokens for a Uid.",
        ["Tenant settings"] = "The tenant's own settings at runtime (not a LoginRadius route).",
        ["Webhooks"] = "Webhook subscriptions, dead letters and redelivery. Deliveries are signed: the `signature` header is the upper-case hex HMAC-SHA256 of the body keyed with the API secret.",
        ["Administration"] = "The operator's API (HTTP Basic), what `pinctl` talks to (not a LoginRadius route).",
        ["Health"] = "Liveness and readiness probes.",
    }.ToFrozenDictionary();

    private static void DescribeTags(OpenApiDocument document)
    {
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            if (tag.Description is null && tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }

    private static string Version()
    {
        var version = typeof(OpenApiDocs).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";
        return version.Split('+')[0];
    }

    private const string DocumentDescription = """
        A self-hosted, LoginRadius-compatible PIN login service: applications that speak the LoginRadius Identity API
        (its SDKs, routes, JSON and error codes) point at PinOrleans instead.

        **Credentials.** The tenant's API key comes from the `apikey` query parameter or the `X-LoginRadius-ApiKey`
        header; management routes also need the API secret, from the `X-LoginRadius-ApiSecret` header or the
        `apisecret` query parameter. Routes acting for a user take its access token as `Authorization: Bearer <token>`,
        the `access_token` query parameter, or (where a body is read) `access_token` in the body. The operator's
        routes under `/pinorleans/v1/admin` take the administrator's HTTP Basic credentials.

        **Wire rules.** Paths, query keys and JSON keys match in any casing. Tokens are GUIDs, times ISO-8601 UTC,
        `Uid` 32 hex characters. `prevent_webhook=true` or `X-PreventWebhook: true` raises no webhook events.
        Captcha answers are read from `g-recaptcha-response`, `g_recaptcha_response`, `h-captcha-response`, or
        `qq_captcha_ticket` + `qq_captcha_randstr`, in the query or the body; `X-Origin-IP` is the end user's address
        (rate limits, captcha verification), believed from the operator's proxies or with the API secret.

        **Errors.** Every error is `{Description, ErrorCode, Message, IsProviderError, ProviderErrorResponse}` (the
        `LoginRadiusError` schema) with a non-2xx status, plus `Data.LoginLockedTimeout` for 1198 and `Errors` for 1134.
        Errors that only HTTP produces use their status as `ErrorCode`: 404, 405, 413, 429 (rate limits, with
        `Retry-After`) and 503 (with `Retry-After`) when the cluster, its storage or the tenant's captcha provider
        cannot be reached, or the silo's hashing queue has no room for a login (nothing was checked or counted). Each operation lists the codes it can answer in its responses and in `x-loginradius-error-codes`.
        """;

    /// <summary>Security schemes and shared schemas; idempotent (called by the operation and the document transformers).</summary>
    private static void EnsureComponents(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        var components = document.Components;
        components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        components.SecuritySchemes.TryAdd(ApiKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Query,
            Name = "apikey",
            Description = "The tenant's API key (a GUID). The `X-LoginRadius-ApiKey` header works too.",
        });
        components.SecuritySchemes.TryAdd(ApiSecretScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-LoginRadius-ApiSecret",
            Description = "The tenant's API secret, for management routes. The `apisecret` query parameter works too.",
        });
        components.SecuritySchemes.TryAdd(AccessTokenScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "GUID",
            Description = "A user's access token from a login. The `access_token` query parameter works too.",
        });
        components.SecuritySchemes.TryAdd(AdminScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "The operator's credentials (`Admin:UserName`, `Admin:Password`) for `/pinorleans/v1/admin`.",
        });

        components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        components.Schemas.TryAdd(ErrorSchema, ErrorSchemaDefinition());
    }

    /// <summary>
    /// Schemas of the answers written by a renderer rather than by their properties (<see cref="Profile"/>,
    /// <see cref="Settings"/>: read off what the renderer writes), LoginRadius timestamps, and examples.
    /// </summary>
    private static void DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(Profile))
        {
            CopyInto(schema, ProfileSchemaDefinition());
        }
        else if (type == typeof(Settings))
        {
            CopyInto(schema, SettingsSchemaDefinition());
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
        {
            schema.Type = type == typeof(DateTimeOffset) ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
            schema.Pattern = null;
        }

        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(ExampleAttribute), inherit: false) is [ExampleAttribute example, ..])
        {
            schema.Examples = example.Node is { } node ? [node] : null;
        }
    }

    private static void CopyInto(OpenApiSchema schema, OpenApiSchema definition)
    {
        schema.Type = definition.Type;
        schema.Description = definition.Description;
        schema.Properties = definition.Properties;
        schema.Required = definition.Required;
        schema.Examples = definition.Examples;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operations: ASP.NET Core describes parameters, bodies and answers from the handlers' types; this adds what it
    // cannot know from them, read from the endpoint's metadata: the credentials its parameters ask for (security,
    // the apikey/apisecret/access_token spellings), the captcha answers of a lock-proof body, the webhook events it
    // raises, and every LoginRadius error it can answer.
    // ---------------------------------------------------------------------------------------------------------------

    private static void DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document;
        if (document is not null)
        {
            EnsureComponents(document);
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
            && operation.RequestBody?.Content?.TryGetValue(Json, out var media) == true && media.Example is null)
        {
            media.Example = ExampleOf(bodyType);
        }

        var errors = ErrorsOf(caller, required, metadata.OfType<JsonBodyMetadata>().Any(), lockProof, metadata.OfType<RefusalsMetadata>().SelectMany(r => r.Codes), method);
        AddErrorResponses(operation, document, errors);
        operation.Security = SecurityOf(caller, document);
    }

    /// <summary>A body example made of the <see cref="ExampleAttribute"/>s on the body record's properties, or null when it has none.</summary>
    private static JsonObject? ExampleOf(Type body)
    {
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
            Require(ApiKeyScheme);
        }

        if (caller.HasFlag(Caller.ApiSecret))
        {
            Require(ApiSecretScheme);
        }

        if (caller.HasFlag(Caller.AccessToken))
        {
            Require(AccessTokenScheme);
        }

        if (caller.HasFlag(Caller.Administrator))
        {
            Require(AdminScheme);
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

    private static void AddErrorResponses(OpenApiOperation operation, OpenApiDocument? document, IEnumerable<Err> errors, bool keepExisting = false)
    {
        operation.Responses ??= new OpenApiResponses();
        var all = errors.DistinctBy(e => e.Id).ToList();
        foreach (var byStatus in all.GroupBy(e => e.Error.Status).OrderBy(g => g.Key))
        {
            var status = byStatus.Key.ToString(CultureInfo.InvariantCulture);
            if (keepExisting && operation.Responses.ContainsKey(status))
            {
                continue;
            }

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
                    [Json] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, document), Examples = examples },
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
        operation.Extensions[ErrorCodesExtension] = new JsonNodeExtension(new JsonArray(codes));
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
        (int)ErrorCode.AccountSuspended => Problem.Locked(SampleTime.AddMinutes(15)),
        (int)ErrorCode.ValidationFailed => Problem.Validation("PIN", "The PIN must be 4 to 8 characters long."),
        _ => null,
    };

    private static OpenApiResponse JsonResponse(string description, IOpenApiSchema schema, JsonNode? example) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [Json] = new() { Schema = schema, Example = example } },
    };

    // ---------------------------------------------------------------------------------------------------------------
    // Schemas and examples. Examples come from the same renderers the endpoints use, so they cannot drift.
    // ---------------------------------------------------------------------------------------------------------------

    private const string SampleUid = "5f0c3b2e9a7d4c1e8b6a0f2d4c6e8a1b";
    private static readonly DateTimeOffset SampleTime = new(2026, 1, 15, 9, 30, 0, TimeSpan.Zero);

    private static string Timestamp(DateTimeOffset time) => LoginRadiusJson.Timestamp(time);

    private static UserProfile SampleProfile() => new()
    {
        Uid = SampleUid,
        ID = SampleUid,
        Email = [new EmailAddress("Primary", "jane@example.com")],
        UserName = "jane",
        PhoneId = "+14155550100",
        EmailVerified = true,
        IsActive = true,
        HasPassword = true,
        PIN = new PinInformation { HasPin = true, Skipped = false, LastPINChangeDate = SampleTime.AddDays(-2) },
        NoOfLogins = 3,
        LastLoginDate = SampleTime,
        CreatedDate = SampleTime.AddDays(-30),
        ModifiedDate = SampleTime.AddDays(-2),
        LastPasswordChangeDate = SampleTime.AddDays(-30),
        ProfileFields = new Dictionary<string, string> { ["FirstName"] = "\"Jane\"", ["LastName"] = "\"Doe\"" },
    };

    private static JsonObject SampleProfileJson() => ProfileJson.Render(SampleProfile());

    private static OpenApiSchema ErrorSchemaDefinition() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Every error PinOrleans answers, with a non-2xx status (LoginRadius' error shape).",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["Description"] = Str("What went wrong and what to do, in LoginRadius' words."),
            ["ErrorCode"] = Int("The LoginRadius error code (`docs/loginradius-error-codes.tsv`); for errors only HTTP produces, the HTTP status (404, 405, 413, 429, 503)."),
            ["Message"] = Str("The short message."),
            ["IsProviderError"] = Bool("Always false."),
            ["ProviderErrorResponse"] = new OpenApiSchema { Type = JsonSchemaType.Null | JsonSchemaType.String | JsonSchemaType.Object, Description = "Always null." },
            ["Data"] = ObjectOf(("LoginLockedTimeout", Str("When the suspension ends (ISO-8601 UTC).", "date-time"))).Described("Only for 1198 (suspended account)."),
            ["Errors"] = ArrayOf(ObjectOf(("FieldName", Str("The field.")), ("ErrorMessage", Str("Why it was refused.")))).Described("Only for 1134 (validation failed)."),
        },
        Required = new HashSet<string> { "Description", "ErrorCode", "Message", "IsProviderError", "ProviderErrorResponse" },
        Examples = [LoginRadiusJson.ErrorBody(LoginRadiusError.For(ErrorCode.InvalidPin))],
    };

    private static readonly FrozenDictionary<string, string> ProfileDescriptions = new Dictionary<string, string>
    {
        ["Uid"] = "The account's id: 32 hex characters.",
        ["ID"] = "The same as `Uid`.",
        ["Email"] = "The account's e-mail addresses: `{Type, Value}`.",
        ["UserName"] = "The user name, if any.",
        ["PhoneId"] = "The phone number, if any.",
        ["IsActive"] = "False when an administrator blocked the account (`IsActive: false`).",
        ["IsLoginLocked"] = "Whether a lockout holds now.",
        ["LoginLockedType"] = "The lockout that holds now.",
        ["NoOfLogins"] = "Successful logins (password and PIN).",
        ["PIN"] = "The PIN's state: never the PIN itself (`PIN.PIN` is always null); null when no PIN was ever set or skipped.",
        ["Password"] = "Never present.",
    }.ToFrozenDictionary();

    /// <summary>The Profile schema, inferred from what <see cref="ProfileJson.Render"/> writes.</summary>
    private static OpenApiSchema ProfileSchemaDefinition()
    {
        var example = SampleProfileJson();
        var schema = Infer(example, ProfileDescriptions);
        schema.Description = "The LoginRadius Profile object. Never a hash: there is no `Password`, and `PIN.PIN` is null. Social-profile fields are null unless stored on the account.";
        if (schema.Properties?["LoginLockedType"] is OpenApiSchema lockType)
        {
            lockType.Enum = new[] { "None", "Suspend", "Captcha", "SecurityQuestion", "Block" }.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
        }

        schema.Examples = [example];
        return schema;
    }

    /// <summary>The settings schema, inferred from what <see cref="TenantSettingsJson.Render"/> writes for the defaults.</summary>
    private static OpenApiSchema SettingsSchemaDefinition()
    {
        var example = TenantSettingsJson.Render(new TenantSettings());
        var schema = Infer(example);
        schema.Description = "The tenant's settings, with the names configuration uses (`Bootstrap:Tenant:...`); secrets shown as `********`. The example shows the defaults.";
        schema.Examples = [example];
        return schema;
    }

    /// <summary>A schema read off an example value: objects, arrays, strings (ISO-8601 times as date-time), numbers, booleans; null is "any".</summary>
    private static OpenApiSchema Infer(JsonNode? node, IReadOnlyDictionary<string, string>? descriptions = null)
    {
        switch (node)
        {
            case JsonObject json:
                return new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = json.ToDictionary(
                        p => p.Key,
                        p =>
                        {
                            var property = Infer(p.Value);
                            property.Description ??= descriptions?.GetValueOrDefault(p.Key);
                            return (IOpenApiSchema)property;
                        }),
                };
            case JsonArray array:
                return new OpenApiSchema { Type = JsonSchemaType.Array, Items = array.Count > 0 ? Infer(array[0]) : new OpenApiSchema() };
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String when DateTimeOffset.TryParseExact(value.GetValue<string>(), "o", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                        => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                    JsonValueKind.String => new OpenApiSchema { Type = JsonSchemaType.String },
                    JsonValueKind.Number => new OpenApiSchema { Type = value.ToJsonString().Contains('.', StringComparison.Ordinal) ? JsonSchemaType.Number : JsonSchemaType.Integer },
                    JsonValueKind.True or JsonValueKind.False => new OpenApiSchema { Type = JsonSchemaType.Boolean },
                    _ => new OpenApiSchema(),
                };
            default:
                return new OpenApiSchema();
        }
    }

    private static OpenApiSchema Str(string description, string? format = null) => new() { Type = JsonSchemaType.String, Description = description, Format = format };

    private static OpenApiSchema Bool(string description) => new() { Type = JsonSchemaType.Boolean, Description = description };

    private static OpenApiSchema Int(string description) => new() { Type = JsonSchemaType.Integer, Description = description };

    private static OpenApiSchema ArrayOf(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };

    private static OpenApiSchema Map(string description, IOpenApiSchema values) => new() { Type = JsonSchemaType.Object, Description = description, AdditionalProperties = values };

    private static OpenApiSchema EnumOf(string description, params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Description = description,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
    };

    private static OpenApiSchema ObjectOf(params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
    };

    private static OpenApiSchema Require(this OpenApiSchema schema, params string[] names)
    {
        schema.Required = new HashSet<string>(names);
        return schema;
    }

    private static OpenApiSchema Described(this OpenApiSchema schema, string description)
    {
        schema.Description = description;
        return schema;
    }


}
