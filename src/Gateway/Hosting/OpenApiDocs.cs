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
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;
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
    private const string ProfileSchema = "Profile";
    private const string LoginSchema = "LoginResponse";
    private const string WebhookSchema = "WebhookSubscription";
    private const string SettingsSchema = "TenantSettings";

    public static IServiceCollection AddPinOrleansOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, context, _) =>
            {
                DescribeDocument(document, context.ApplicationServices);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                DescribeOperation(operation, context);
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
    // The document: title, description, security schemes, shared schemas, and the endpoints ApiExplorer cannot see.
    // ---------------------------------------------------------------------------------------------------------------

    private static void DescribeDocument(OpenApiDocument document, IServiceProvider services)
    {
        document.Info ??= new OpenApiInfo();
        document.Info.Title = Title;
        document.Info.Version = Version();
        document.Info.Description = DocumentDescription;
        EnsureComponents(document);
        AddHealthEndpoints(document, services);
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
        if (document.Paths?.Values.Any(p => p.Operations?.Values.Any(o => o.Tags?.Any(t => t.Name == "Health") == true) == true) == true
            && !document.Tags.Any(t => t.Name == "Health"))
        {
            document.Tags.Add(new OpenApiTag { Name = "Health" });
        }

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
        components.Schemas.TryAdd(ProfileSchema, ProfileSchemaDefinition());
        components.Schemas.TryAdd(LoginSchema, LoginSchemaDefinition(document));
        components.Schemas.TryAdd(WebhookSchema, WebhookSchemaDefinition());
        components.Schemas.TryAdd(SettingsSchema, SettingsSchemaDefinition());
    }

    /// <summary>
    /// The health checks are not minimal-API handlers, so ApiExplorer does not list them: they are added here, at the
    /// routes they are mapped at.
    /// </summary>
    private static void AddHealthEndpoints(OpenApiDocument document, IServiceProvider services)
    {
        if (services.GetService<EndpointDataSource>() is not { } endpoints)
        {
            return;
        }

        document.Paths ??= new OpenApiPaths();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            if (name is not ("Liveness" or "Readiness") || endpoint.RoutePattern.RawText is not { } route)
            {
                continue;
            }

            var path = "/" + route.Trim('/');
            if (document.Paths.ContainsKey(path))
            {
                continue;
            }

            var ready = name == "Readiness";
            var report = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["Status"] = EnumOf("`Healthy`, `Degraded` or `Unhealthy`.", "Healthy", "Degraded", "Unhealthy"),
                    ["Checks"] = Map("Each check's status by name (`cluster` for readiness).", Str("The check's status.")),
                },
            };
            var operation = new OpenApiOperation
            {
                OperationId = name,
                Summary = endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary ?? name,
                Description = ready
                    ? "Healthy when a management call to the Orleans cluster answers within two seconds and lists an active silo. Needs no credentials and is never rate limited."
                    : "Answers as soon as the gateway process serves requests. Needs no credentials and is never rate limited.",
                Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                Responses = new OpenApiResponses
                {
                    ["200"] = JsonResponse("Healthy.", report, ready
                        ? new JsonObject { ["Status"] = "Healthy", ["Checks"] = new JsonObject { ["cluster"] = "Healthy" } }
                        : new JsonObject { ["Status"] = "Healthy", ["Checks"] = new JsonObject() }),
                },
            };
            if (ready)
            {
                operation.Responses["503"] = JsonResponse("The cluster does not answer.", report,
                    new JsonObject { ["Status"] = "Unhealthy", ["Checks"] = new JsonObject { ["cluster"] = "Unhealthy" } });
            }

            var item = new OpenApiPathItem();
            item.AddOperation(HttpMethod.Get, operation);
            document.Paths[path] = item;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Operations.
    // ---------------------------------------------------------------------------------------------------------------

    private static void DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        var document = context.Document;
        if (document is not null)
        {
            EnsureComponents(document);
        }

        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var name = metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName;
        var method = (context.Description.HttpMethod ?? "GET").ToUpperInvariant();
        var route = "/" + (context.Description.RelativePath ?? "").Trim('/');
        if (string.IsNullOrWhiteSpace(operation.Summary))
        {
            operation.Summary = metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault()?.Summary ?? name ?? $"{method} {route}";
        }

        // One endpoint with several methods (PUT and POST /identity/v2/auth/pin/change) gives several operations, and
        // operation ids must be unique: the methods after the first get theirs as a suffix.
        if (metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods is { Count: > 1 } methods
            && !string.Equals(methods[0], method, StringComparison.OrdinalIgnoreCase) && operation.OperationId is { Length: > 0 } id)
        {
            operation.OperationId = id + method[..1] + method[1..].ToLowerInvariant();
        }

        var (entry, aliasOf) = Find(name);
        if (entry is null)
        {
            DescribeUnknown(operation, document, method, route);
            return;
        }

        var parameters = operation.Parameters ??= new List<IOpenApiParameter>();
        foreach (var parameter in ParametersOf(entry))
        {
            Upsert(parameters, parameter);
        }

        operation.Description = DescriptionOf(entry, aliasOf);
        if (entry.Body is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = body.Required,
                Description = body.Description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [Json] = new() { Schema = WithCaptcha(body.Schema(), entry.Captcha), Example = JsonNode.Parse(body.Example) },
                },
            };
        }

        var errors = ErrorsOf(entry, method);
        operation.Responses = new OpenApiResponses
        {
            ["200"] = JsonResponse(entry.Success.Description, entry.Success.Schema(document), entry.Success.Example()),
        };
        AddErrorResponses(operation, document, errors);
        operation.Security = SecurityOf(entry.Access, document);
    }

    /// <summary>An endpoint the catalogue does not know (yet): the common parameters and LoginRadius errors.</summary>
    private static void DescribeUnknown(OpenApiOperation operation, OpenApiDocument? document, string method, string route)
    {
        var parameters = operation.Parameters ??= new List<IOpenApiParameter>();
        var admin = route.StartsWith(Endpoints.AdminApi.Prefix, StringComparison.OrdinalIgnoreCase);
        var access = admin ? Access.Admin : Access.Key;
        foreach (var parameter in CommonParameters(access))
        {
            Upsert(parameters, parameter);
        }

        operation.Responses ??= new OpenApiResponses();
        if (!operation.Responses.Keys.Any(k => k.StartsWith('2')))
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "Success." };
        }

        List<Err> errors = admin
            ? [Err.Http(Endpoints.AdminApi.Unauthorized, "Admin"), Err.Http(LoginRadiusError.RouteNotFound)]
            : [Err.Missing("apikey"), Err.Of(ErrorCode.ApiKeyUnauthorized), Err.Of(ErrorCode.ApiSecretUnauthorized), Err.Of(ErrorCode.TrialPlanExpired)];
        // A body the endpoint cannot read, or a request HTTP itself refuses (the error middleware answers those with 965 too).
        errors.Add(Err.Of(method == "PUT" ? ErrorCode.PutBodyInvalid : ErrorCode.PostBodyInvalid));
        errors.AddRange([Err.Http(LoginRadiusError.TooManyRequests), Err.Of(ErrorCode.UnknownError), Err.Http(LoginRadiusError.ServiceUnavailable)]);
        AddErrorResponses(operation, document, errors, keepExisting: true);
        operation.Security ??= SecurityOf(access, document);
    }

    private static (Entry? Entry, string? AliasOf) Find(string? name)
    {
        if (name is null)
        {
            return (null, null);
        }

        if (Catalogue.Value.TryGetValue(name, out var entry))
        {
            return (entry, null);
        }

        // WebhooksApi serves /v2/manage/webhook too, under the same names with a "Singular" suffix.
        const string singular = "Singular";
        return name.EndsWith(singular, StringComparison.Ordinal) && Catalogue.Value.TryGetValue(name[..^singular.Length], out var plural)
            ? (plural, name[..^singular.Length])
            : (null, null);
    }

    private static string DescriptionOf(Entry entry, string? aliasOf)
    {
        var text = new StringBuilder(entry.Description);
        if (entry.Events.Length > 0)
        {
            text.Append("\n\nWebhook events: ").AppendJoin(", ", entry.Events.Select(e => $"`{e}`"))
                .Append(" (none with `prevent_webhook=true` or `X-PreventWebhook: true`).");
        }

        if (aliasOf is not null)
        {
            text.Append("\n\nThe singular `/v2/manage/webhook` spelling some LoginRadius pages use; the same as `").Append(aliasOf).Append("`.");
        }

        return text.ToString();
    }

    private static IEnumerable<Param> ParametersOf(Entry entry)
    {
        foreach (var parameter in entry.Parameters)
        {
            yield return parameter;
        }

        foreach (var parameter in CommonParameters(entry.Access))
        {
            yield return parameter;
        }

        if (entry.Captcha)
        {
            foreach (var parameter in CaptchaParameters)
            {
                yield return parameter;
            }
        }

        if (entry.Events.Length > 0)
        {
            yield return new Param("prevent_webhook", ParameterLocation.Query, false, "`true`: this request raises no webhook events.", JsonSchemaType.Boolean);
            yield return new Param("X-PreventWebhook", ParameterLocation.Header, false, "`true`: this request raises no webhook events.", JsonSchemaType.Boolean);
        }
    }

    private static IEnumerable<Param> CommonParameters(Access access)
    {
        if (access.HasFlag(Access.Key))
        {
            yield return new Param("apikey", ParameterLocation.Query, false,
                "The tenant's API key (a GUID). Required, here or in `X-LoginRadius-ApiKey` (missing: 908; unknown: 901).");
            yield return new Param("X-LoginRadius-ApiKey", ParameterLocation.Header, false, "The tenant's API key, instead of `apikey`.");
        }

        if (access.HasFlag(Access.Secret))
        {
            yield return new Param("X-LoginRadius-ApiSecret", ParameterLocation.Header, false,
                "The tenant's API secret. Required, here or in `apisecret` (missing: 908; wrong: 902).");
            yield return new Param("apisecret", ParameterLocation.Query, false, "The tenant's API secret, instead of `X-LoginRadius-ApiSecret` (as the Node SDK sends it).");
        }

        if (access.HasFlag(Access.Token))
        {
            yield return new Param("access_token", ParameterLocation.Query, false,
                "The user's access token. Required, here, as `Authorization: Bearer <token>` or (where a body is read) as `access_token` in the body (missing: 1060; invalid: 905; expired: 906).");
        }

        if (!access.HasFlag(Access.Admin))
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

    private static List<OpenApiSecurityRequirement> SecurityOf(Access access, OpenApiDocument? document)
    {
        var requirement = new OpenApiSecurityRequirement();
        void Require(string scheme) => requirement[new OpenApiSecuritySchemeReference(scheme, document)] = [];
        if (access.HasFlag(Access.Key))
        {
            Require(ApiKeyScheme);
        }

        if (access.HasFlag(Access.Secret))
        {
            Require(ApiSecretScheme);
        }

        if (access.HasFlag(Access.Token))
        {
            Require(AccessTokenScheme);
        }

        if (access.HasFlag(Access.Admin))
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

    private static List<Err> ErrorsOf(Entry entry, string method)
    {
        var errors = new List<Err>();
        if (entry.Access.HasFlag(Access.Key))
        {
            errors.AddRange([Err.Missing("apikey"), Err.Of(ErrorCode.ApiKeyUnauthorized), Err.Of(ErrorCode.TrialPlanExpired)]);
        }

        if (entry.Access.HasFlag(Access.Secret))
        {
            errors.AddRange([Err.Missing("apisecret"), Err.Of(ErrorCode.ApiSecretUnauthorized)]);
        }

        if (entry.Access.HasFlag(Access.Token))
        {
            errors.AddRange([Err.Of(ErrorCode.AccessTokenMissing), Err.Of(ErrorCode.AccessTokenInvalid), Err.Of(ErrorCode.AccessTokenExpired)]);
        }

        errors.AddRange(entry.Parameters.Where(p => p.Required && p.In == ParameterLocation.Query).Select(p => Err.Missing(p.Name)));
        errors.AddRange(entry.ParameterErrors.Select(Err.Missing));
        if (entry.Body is not null)
        {
            errors.AddRange([Err.Of(method == "PUT" ? ErrorCode.PutBodyInvalid : ErrorCode.PostBodyInvalid), Err.Of(ErrorCode.ContentTypeNotSupported), Err.Http(LoginRadiusError.PayloadTooLarge)]);
        }

        if (entry.Captcha)
        {
            errors.AddRange([Err.Of(ErrorCode.CaptchaInvalid), Err.Http(LoginRadiusError.CaptchaUnavailable, "Captcha")]);
        }

        errors.AddRange(entry.Errors.Select(Err.Of));
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
    // The catalogue, keyed by endpoint name (.WithName of src/Gateway/Endpoints/*.cs).
    // ---------------------------------------------------------------------------------------------------------------

    [Flags]
    private enum Access
    {
        None = 0,
        /// <summary>The tenant's API key.</summary>
        Key = 1,
        /// <summary>The tenant's API secret (<c>requireSecret: true</c>).</summary>
        Secret = 2,
        /// <summary>A user's access token.</summary>
        Token = 4,
        /// <summary>The administrator's HTTP Basic credentials.</summary>
        Admin = 8,
    }

    private sealed record Param(string Name, ParameterLocation In, bool Required, string Description, JsonSchemaType Type = JsonSchemaType.String, string? Example = null);

    private sealed record Body(string Description, Func<OpenApiSchema> Schema, string Example, bool Required = true);

    private sealed record Success(string Description, Func<OpenApiDocument?, IOpenApiSchema> Schema, Func<JsonNode?> Example);

    private sealed record Entry
    {
        public required string Description { get; init; }
        public Access Access { get; init; } = Access.Key;
        public Param[] Parameters { get; init; } = [];
        public Body? Body { get; init; }
        public required Success Success { get; init; }
        /// <summary>Codes beyond those of the credentials, required parameters, body and captcha.</summary>
        public ErrorCode[] Errors { get; init; } = [];
        /// <summary>Parameters beyond the required query parameters whose absence or form answers 908.</summary>
        public string[] ParameterErrors { get; init; } = [];
        /// <summary>Reads a captcha answer and <c>securityanswer</c> (<see cref="CaptchaVerifier.ProofAsync"/>).</summary>
        public bool Captcha { get; init; }
        public string[] Events { get; init; } = [];
    }

    private static readonly Lazy<FrozenDictionary<string, Entry>> Catalogue = new(BuildCatalogue);

    /// <summary>The refusals of a locked account, and of the security answers a SecurityQuestion lock asks for.</summary>
    private static readonly ErrorCode[] LockRefusals =
    [
        ErrorCode.AccountBlocked, ErrorCode.AccountSuspended, ErrorCode.CaptchaRequired, ErrorCode.SecurityAnswerRequired,
        ErrorCode.SecurityAnswerIncorrect, ErrorCode.SecurityQuestionOrAnswerIncorrect, ErrorCode.SecurityAnswerNotSaved,
        ErrorCode.SecurityQuestionsDisabled, ErrorCode.MinimumSecurityAnswersMissing, ErrorCode.ValidationFailed,
    ];

    private static ErrorCode[] Codes(params ErrorCode[][] sets) => sets.SelectMany(s => s).Distinct().ToArray();

    private static Param Query(string name, bool required, string description, JsonSchemaType type = JsonSchemaType.String, string? example = null) =>
        new(name, ParameterLocation.Query, required, description, type, example);

    private static Param PathParam(string name, string description, string? example = null) => new(name, ParameterLocation.Path, true, description, Example: example);

    private static readonly Param UidPath = PathParam("uid", "The account's Uid (1 to 50 letters, digits, '_' or '-'; else 1200).", SampleUid);

    private static readonly Param HookIdPath = PathParam("hookId", "The subscription's `Id` (1112 when there is none).");

    private static FrozenDictionary<string, Entry> BuildCatalogue()
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal)
        {
            // AuthLoginApi
            ["LoginByPassword"] = new()
            {
                Description = "First-level login with `email`, `username` or `phone` and `password`. With a PIN set (or none asked for) the answer is the Profile, access and refresh tokens, and a PIN `session_token` for later PIN logins. When the tenant asks for a PIN the account does not have, the answer also carries a single-use `PINAuthToken` (for `POST /identity/v2/auth/pin/set/pinauthtoken`); when the PIN is mandatory (`Pin:IsRequired`) it carries only the Profile and the `PINAuthToken`. A wrong password is 966 and counts toward the lockout.",
                Body = new("The identifier (one of `email`, `username`, `phone`) and the password; any key casing.", () => ObjectOf(
                    ("email", Str("The account's e-mail address.", "email")),
                    ("username", Str("The account's user name, instead of `email`.")),
                    ("phone", Str("The account's phone number (`PhoneId`), instead of `email`.")),
                    ("password", Str("The password.")),
                    ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require("password"),
                    """{"email": "jane@example.com", "password": "correct-horse-42"}"""),
                Success = new("The Profile and the tokens (or, for a missing mandatory PIN, the Profile and a `PINAuthToken`).", Ref(LoginSchema), () => LoginExample(session: true, pinAuthToken: false)),
                Errors = Codes([ErrorCode.InvalidCredentials], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.Login, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            },
            ["LoginByPin"] = new()
            {
                Description = "Second-level login: the PIN of the account whose PIN `session_token` is given. A wrong PIN is 1236 and counts toward the lockout; a locked account answers what its lockout type asks for (1198, 1132, 1148, 991). With `BotProtection:RequireOnPinLogin` every PIN login needs a captcha answer.",
                Parameters = [Query("session_token", true, "The PIN session token of a password login or of setting the PIN (missing: 908; unknown or ended: 1245; expired: 1246).", example: SampleToken)],
                Body = new("The PIN (`pin` in any casing; digits may be sent as a JSON number).", () => ObjectOf(
                    ("pin", Str("The PIN (missing: 1234; longer than 64 characters: 1134).")),
                    ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require("pin"),
                    """{"pin": "1234"}"""),
                Success = new("The Profile, access and refresh tokens.", Ref(LoginSchema), () => LoginExample(session: false, pinAuthToken: false)),
                Errors = Codes([ErrorCode.PinRequired, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable, ErrorCode.PinLoginNotEnabled, ErrorCode.SessionTokenInvalid, ErrorCode.SessionTokenExpired, ErrorCode.CaptchaRequired], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.Login, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            },

            // AuthPinApi
            ["SetPinByPinAuthToken"] = new()
            {
                Description = "Sets the PIN a password login asked for, with its single-use `PINAuthToken`; returns the Profile, tokens and a new PIN session. A PIN the tenant's PIN policy refuses (1134) does not spend the token.",
                Parameters = [Query("pinauthtoken", true, "The `PINAuthToken` of the password login (missing: 908; used or unknown: 1239; expired: 1240).", example: SampleToken)],
                Body = new("The new PIN.", () => ObjectOf(("PIN", Str("The new PIN, as the tenant's PIN policy allows (length, digits only).")) ).Require("PIN"), """{"PIN": "1357"}"""),
                Success = new("The Profile, access and refresh tokens, and a PIN `session_token`.", Ref(LoginSchema), () => LoginExample(session: true, pinAuthToken: false)),
                Errors = [ErrorCode.PinRequired, ErrorCode.PinAuthTokenInvalid, ErrorCode.PinAuthTokenExpired, ErrorCode.ValidationFailed, ErrorCode.UserDoesNotExist],
                Events = [WebhookEvents.SetPIN],
            },
            ["ChangePinByAccessToken"] = new()
            {
                Description = "Changes the PIN of the access token's account given the current one. A wrong current PIN is 1241 and counts toward the lockout. The LoginRadius SDKs send PUT; LoginRadius' newer reference shows POST: both work.",
                Access = Access.Key | Access.Token,
                Body = new("The current and the new PIN (any key casing).", () => ObjectOf(
                    ("OldPIN", Str("The current PIN.")),
                    ("NewPIN", Str("The new PIN, as the tenant's PIN policy allows.")),
                    ("access_token", Str("The access token, when not in the header or query.")),
                    ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require("OldPIN", "NewPIN"),
                    """{"OldPIN": "1357", "NewPIN": "2468"}"""),
                Success = Posted,
                Errors = Codes([ErrorCode.PinRequired, ErrorCode.CurrentPinInvalid, ErrorCode.PinNotAvailable, ErrorCode.UserDoesNotExist], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.ChangePIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            },

            // AuthTokenApi
            ["ValidateAccessToken"] = new()
            {
                Description = "Checks that an access token is live (not expired, revoked, or of a deleted or blocked account) and returns it with its expiry.",
                Access = Access.Key | Access.Token,
                Success = new("The token and its expiry.", _ => ObjectOf(
                    ("access_token", Str("The access token.", "uuid")),
                    ("expires_in", Str("When it expires (ISO-8601 UTC).", "date-time"))),
                    () => new JsonObject { ["access_token"] = SampleToken, ["expires_in"] = Timestamp(SampleTime.AddMinutes(15)) }),
            },
            ["InvalidateAccessToken"] = new()
            {
                Description = "Logs out: the access token stops working at once; with `preventRefresh=true` its refresh token too.",
                Access = Access.Key | Access.Token,
                Parameters = [Query("preventRefresh", false, "`true`: the access token's refresh token stops working as well.", JsonSchemaType.Boolean)],
                Success = Posted,
            },
            ["AccessTokenInfo"] = new()
            {
                Description = "Information about a live access token.",
                Access = Access.Key | Access.Token,
                Success = new("The token, its provider and expiry.", _ => ObjectOf(
                    ("provider", Str("Always `Email`.")),
                    ("access_token", Str("The access token.", "uuid")),
                    ("expires_in", Str("When it expires (ISO-8601 UTC).", "date-time")),
                    ("isrememberme", Bool("Always false."))),
                    () => new JsonObject { ["provider"] = "Email", ["access_token"] = SampleToken, ["expires_in"] = Timestamp(SampleTime.AddMinutes(15)), ["isrememberme"] = false }),
            },
            ["ProfileByAccessToken"] = new()
            {
                Description = "The profile of the access token's account.",
                Access = Access.Key | Access.Token,
                Success = new("The Profile.", Ref(ProfileSchema), () => SampleProfileJson()),
                Errors = [ErrorCode.UserDoesNotExist],
            },
            ["InvalidatePinSessionToken"] = new()
            {
                Description = "Ends a PIN session: its `session_token` no longer lets the PIN stand in for the password.",
                Parameters = [Query("session_token", true, "The PIN session token to end (missing: 908; unknown or already ended: 1245).", example: SampleToken)],
                Success = Posted,
                Errors = [ErrorCode.SessionTokenInvalid],
            },

            // LockoutApi
            ["UnlockAccountByToken"] = new()
            {
                Description = "Self-service unlock of the access token's account: a Captcha lockout with a captcha the provider accepts, a SecurityQuestion lockout with the right `securityanswer` (a wrong one is 1093 and counts). Suspensions (1198) end by themselves and blocks (991) need an administrator; an account that is not locked answers 1221.",
                Access = Access.Key | Access.Token,
                Body = new("The security answers (SecurityQuestion lockout) and/or a captcha answer (also accepted in the query).", () => ObjectOf(
                    ("securityanswer", SecurityAnswers("Answers by question id.")),
                    ("access_token", Str("The access token, when not in the header or query."))),
                    """{"securityanswer": {"q1": "Springfield"}}""", Required: false),
                Success = Posted,
                Errors = Codes([ErrorCode.AccountAlreadyUnlocked, ErrorCode.UserDoesNotExist], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.UnlockAccount],
            },
            ["GetTenantSettings"] = new()
            {
                Description = "The tenant's settings (PIN policy, lockout, tokens, recovery, security questions, bot protection, webhooks), secrets shown as `********`. Not a LoginRadius route: LoginRadius keeps these in its admin console.",
                Access = Access.Key | Access.Secret,
                Success = new("The settings in force.", Ref(SettingsSchema), () => TenantSettingsJson.Render(new TenantSettings())),
            },
            ["ChangeTenantSettings"] = new()
            {
                Description = "Changes the tenant's settings at runtime with a JSON merge patch (RFC 7396): only what is named changes, `null` restores a default, `********` keeps a secret. Settings that cannot work (unknown names, bad values, a Captcha lockout without a captcha provider) are 1134 and change nothing. Gateways see the change within `Gateway:TenantCacheSeconds`.",
                Access = Access.Key | Access.Secret,
                Body = new("A merge patch of the settings (`application/json` or `application/merge-patch+json`).", () => new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Any part of the TenantSettings object, by the same names.",
                    AdditionalProperties = new OpenApiSchema(),
                }, """{"Lockout": {"MaxFailedAttempts": 3, "Type": "Captcha"}, "BotProtection": {"Provider": "ReCaptchaV2", "Secret": "<secret>"}}"""),
                Success = new("The settings now in force.", Ref(SettingsSchema), () => TenantSettingsJson.Render(new TenantSettings())),
                Errors = [ErrorCode.ValidationFailed],
            },

            // ManageAccountApi
            ["CreateAccount"] = new()
            {
                Description = "Creates an account with e-mail addresses, a password, profile fields and optionally a PIN. Every failed field is reported at once (1134).",
                Access = Access.Key | Access.Secret,
                Body = new("The new account.", () => new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["Email"] = EmailList(),
                        ["Password"] = Str("The password, as the tenant's password policy allows."),
                        ["UserName"] = Str("A unique user name (no spaces, at most 100 characters)."),
                        ["PhoneId"] = Str("A unique phone number in international format, e.g. +14155550100."),
                        ["EmailVerified"] = Bool("Whether the e-mail address is verified."),
                        ["PhoneIdVerified"] = Bool("Whether the phone number is verified."),
                        ["PINInfo"] = PinInfo(),
                        ["FirstName"] = Str("Profile fields: any settable field of the LoginRadius Profile (FirstName, LastName, BirthDate, Gender, Company, CustomFields...)."),
                        ["LastName"] = Str("Another profile field."),
                    },
                    Required = new HashSet<string> { "Email", "Password" },
                    AdditionalProperties = new OpenApiSchema { Description = "Further profile fields." },
                }, """{"Email": [{"Type": "Primary", "Value": "jane@example.com"}], "Password": "correct-horse-42", "FirstName": "Jane", "PINInfo": {"PIN": "1357"}}"""),
                Success = new("The new account's Profile.", Ref(ProfileSchema), () => SampleProfileJson()),
                Errors = [ErrorCode.ValidationFailed, ErrorCode.EmailAlreadyRegistered, ErrorCode.UserNameAlreadyExists, ErrorCode.PhoneAlreadyExists],
                Events = [WebhookEvents.CreateTraditionalAccount],
            },
            ["GetAccountByIdentifier"] = new()
            {
                Description = "The profile of the account with this e-mail address, user name or phone number (give one).",
                Access = Access.Key | Access.Secret,
                Parameters =
                [
                    Query("email", false, "The account's e-mail address (one of email, username, phone is required: 908).", example: "jane@example.com"),
                    Query("username", false, "The account's user name (`userName` works too: query keys match in any casing)."),
                    Query("phone", false, "The account's phone number."),
                ],
                Success = new("The Profile.", Ref(ProfileSchema), () => SampleProfileJson()),
                Errors = [ErrorCode.UserDoesNotExist],
                ParameterErrors = ["email"],
            },
            ["GetAccountByUid"] = new()
            {
                Description = "The profile of the account with this Uid.",
                Access = Access.Key | Access.Secret,
                Parameters = [UidPath],
                Success = new("The Profile.", Ref(ProfileSchema), () => SampleProfileJson()),
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist],
            },
            ["UpdateAccount"] = new()
            {
                Description = "Updates profile fields. `PINInfo {PIN}` sets the PIN (`\"PIN\": null` clears it), `PINInfo {Skipped}` records a skipped PIN; `SecurityQuestionAnswer {\"<questionId>\": \"<answer>\"}` sets answers (`\"\"` removes one); `IsLoginLocked: false` lifts any lock and forgets earlier ones; `IsActive: false` blocks the account and kills every token and session at once (`true` unblocks; old tokens stay dead).",
                Access = Access.Key | Access.Secret,
                Parameters = [UidPath],
                Body = new("The fields to change; absent fields are kept.", () => new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["FirstName"] = Str("Profile fields: any settable field of the LoginRadius Profile."),
                        ["EmailVerified"] = Bool("Whether the e-mail address is verified."),
                        ["PhoneIdVerified"] = Bool("Whether the phone number is verified."),
                        ["IsActive"] = Bool("`false` blocks the account and kills its tokens and sessions; `true` unblocks (and lifts a Block lockout)."),
                        ["IsLoginLocked"] = Bool("`false` lifts any lockout."),
                        ["PINInfo"] = PinInfo(),
                        ["SecurityQuestionAnswer"] = SecurityAnswers("Answers by question id (1 to 64 letters, digits, '_' or '-'); an empty answer removes it."),
                    },
                    AdditionalProperties = new OpenApiSchema { Description = "Further profile fields." },
                }, """{"FirstName": "Jane", "IsLoginLocked": false, "PINInfo": {"PIN": "2468"}, "SecurityQuestionAnswer": {"q1": "Springfield"}}"""),
                Success = new("The updated Profile.", Ref(ProfileSchema), () => SampleProfileJson()),
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.ValidationFailed],
                Events = [WebhookEvents.UpdateProfile, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            },
            ["SetAccountPassword"] = new()
            {
                Description = "Sets a new password. LoginRadius answers with the new hash; PinOrleans never shows one.",
                Access = Access.Key | Access.Secret,
                Parameters = [UidPath],
                Body = new("The new password.", () => ObjectOf(("password", Str("The new password, as the tenant's password policy allows."))).Require("password"), """{"password": "correct-horse-43"}"""),
                Success = new("Always `{\"PasswordHash\": \"********\"}`.", _ => ObjectOf(("PasswordHash", Str("Always `********`."))), () => new JsonObject { ["PasswordHash"] = "********" }),
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.ValidationFailed],
            },
            ["DeleteAccount"] = new()
            {
                Description = "Deletes the account: its identifiers are free again, and its tokens and sessions stop working at once.",
                Access = Access.Key | Access.Secret,
                Parameters = [UidPath],
                Success = Deleted,
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist],
                Events = [WebhookEvents.DeleteAccount],
            },
            ["DeleteAccountByEmail"] = new()
            {
                Description = "Deletes the account with this e-mail address, as `DELETE /identity/v2/manage/account/{uid}` does.",
                Access = Access.Key | Access.Secret,
                Parameters = [Query("email", true, "The account's e-mail address (missing: 908).", example: "jane@example.com")],
                Success = new("`{\"IsDeleted\": true, \"RecordsDeleted\": 1}`.", _ => ObjectOf(("IsDeleted", Bool("Always true.")), ("RecordsDeleted", Int("Always 1."))),
                    () => new JsonObject { ["IsDeleted"] = true, ["RecordsDeleted"] = 1 }),
                Errors = [ErrorCode.UserDoesNotExist],
                Events = [WebhookEvents.DeleteAccount],
            },

            // ManageTokenApi
            ["RefreshAccessToken"] = new()
            {
                Description = "New access and refresh tokens for a refresh token. The presented refresh token is spent: presenting it again is reuse (a copied token) and revokes every token of that login (1217).",
                Access = Access.Key | Access.Secret,
                Parameters = [Query("refresh_token", true, "The refresh token (any casing of the key; missing: 908; invalid, spent, revoked or expired: 1217).", example: SampleToken)],
                Success = TokenPair,
                Errors = [ErrorCode.RefreshTokenInvalid],
            },
            ["RevokeRefreshToken"] = new()
            {
                Description = "The refresh token stops working; its access token lives until it expires.",
                Access = Access.Key | Access.Secret,
                Parameters = [Query("refresh_token", true, "The refresh token to revoke (missing: 908; invalid: 1217).", example: SampleToken)],
                Success = Deleted,
                Errors = [ErrorCode.RefreshTokenInvalid],
            },
            ["RevokeAllRefreshTokens"] = new()
            {
                Description = "Every refresh token of the account stops working; its access tokens live until they expire.",
                Access = Access.Key | Access.Secret,
                Parameters = [UidPath],
                Success = Deleted,
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist],
            },
            ["AccessTokenByUid"] = new()
            {
                Description = "Access and refresh tokens for an account, without its credentials.",
                Access = Access.Key | Access.Secret,
                Parameters = [Query("uid", true, "The account's Uid (missing: 908; malformed: 1200).", example: SampleUid)],
                Success = TokenPair,
                Errors = [ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.AccountBlocked],
            },

            // PinRecoveryApi (the identifier variants follow)
            ["ForgotPinByPhone"] = new()
            {
                Description = "Sends a PIN reset OTP by SMS (`isvoiceotp=true`: by voice call) to the account with this phone number. `Data` holds the provider's ids.",
                Parameters =
                [
                    Query("smstemplate", false, "The name of one of the tenant's SMS templates (default: the tenant's)."),
                    Query("isvoiceotp", false, "`true`: a voice call reads the OTP (not `true`/`false`: 908; voice not configured: 1281).", JsonSchemaType.Boolean),
                ],
                Body = new("The phone number.", () => ObjectOf(("Phone", Str("The account's phone number."))).Require("Phone"), """{"Phone": "+14155550100"}"""),
                Success = new("`{\"IsPosted\": true, \"Data\": {\"AccountSid\", \"Sid\"}}`.", _ => ObjectOf(
                    ("IsPosted", Bool("Always true.")),
                    ("Data", ObjectOf(("AccountSid", Str("The SMS provider's account id.")), ("Sid", Str("The provider's message id."))))),
                    () => new JsonObject { ["IsPosted"] = true, ["Data"] = new JsonObject { ["AccountSid"] = "AC0123456789abcdef0123456789abcdef", ["Sid"] = "SM0123456789abcdef0123456789abcdef" } }),
                ParameterErrors = ["isvoiceotp"],
                Errors = [ErrorCode.ValidationFailed, ErrorCode.PhoneDoesNotExist, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended],
            },
            ["ResetPinByResetToken"] = new()
            {
                Description = "Sets a new PIN with the reset token of a forgot-PIN link (`vtoken` of the link; single use). A wrong token for a real link is 1063 and counts toward the lockout.",
                Body = new("The reset token and the new PIN.", () => ObjectOf(
                    ("ResetToken", Str("The `vtoken` of the reset link.")),
                    ("PIN", Str("The new PIN, as the tenant's PIN policy allows.")),
                    ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require("ResetToken", "PIN"),
                    """{"ResetToken": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978", "PIN": "9753"}"""),
                Success = Posted,
                Errors = Codes([ErrorCode.PinRequired, ErrorCode.VerificationTokenInvalid, ErrorCode.PinResetLinkUsed, ErrorCode.LinkExpired, ErrorCode.LinkUnavailable], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            },
        };

        foreach (var (kind, name) in ApiRequest.Identifiers)
        {
            var field = Field(kind);
            var example = Sample(kind);
            if (kind != IdentifierKind.Phone)
            {
                entries[$"ForgotPinBy{kind}"] = new()
                {
                    Description = $"E-mails a PIN reset link (`<resetpinurl or the tenant's page>?vtype=resetpin&vtoken=<reset token>`) and a reset OTP to the account with this {name}. A newer request replaces the link of an older one (979).",
                    Parameters =
                    [
                        Query("resetpinurl", false, "The page the reset link opens (default: the tenant's `Recovery:ResetPinUrl`); its origin must be that page's or on the tenant's `AllowedDomains`, https (http only for loopback), without user info: otherwise 1248 and nothing is sent."),
                        Query("emailtemplate", false, "The name of one of the tenant's e-mail templates (default: the tenant's)."),
                    ],
                    Body = new($"The account's {name}.", () => ObjectOf((field, Str($"The account's {name}."))).Require(field), $$"""{"{{field}}": "{{example}}"}"""),
                    Success = Posted,
                    Errors = [ErrorCode.ValidationFailed, kind.NotFound(), ErrorCode.EmailDoesNotExist, ErrorCode.ResetPinUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended],
                };
            }

            entries[$"ResetPinBy{kind}AndOtp"] = new()
            {
                Description = $"Sets a new PIN with the {name} and the OTP of a forgot-PIN message (single use). A wrong OTP is 1067 and counts toward the lockout; 1068 used, 1069 expired.",
                Body = new($"The {name}, the OTP and the new PIN.", () => ObjectOf(
                    (field, Str($"The account's {name}.")),
                    ("OTP", Str("The OTP of the forgot-PIN message.")),
                    ("PIN", Str("The new PIN, as the tenant's PIN policy allows.")),
                    ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require(field, "OTP", "PIN"),
                    $$"""{"{{field}}": "{{example}}", "OTP": "482913", "PIN": "9753"}"""),
                Success = Posted,
                Errors = Codes([ErrorCode.PinRequired, kind.NotFound(), ErrorCode.OtpInvalid, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            };
            entries[$"ResetPinBy{kind}AndSecurityAnswer"] = new()
            {
                Description = $"Sets a new PIN with the {name} and answers to the account's security questions (compared ignoring case, extra spaces and Unicode composition). A wrong answer is 1093 and counts toward the lockout; 1094 unknown question, 1092 none saved, 1095 disabled, 1260 too few answers.",
                Body = new($"The {name}, the answers and the new PIN.", () => ObjectOf(
                    (field, Str($"The account's {name}.")),
                    ("SecurityAnswer", SecurityAnswers("Answers by question id.")),
                    ("PIN", Str("The new PIN, as the tenant's PIN policy allows."))).Require(field, "SecurityAnswer", "PIN"),
                    $$"""{"{{field}}": "{{example}}", "SecurityAnswer": {"q1": "Springfield"}, "PIN": "9753"}"""),
                Success = Posted,
                Errors = Codes([ErrorCode.PinRequired, kind.NotFound()], LockRefusals),
                Captcha = true,
                Events = [WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
            };
        }

        // StepUpApi
        entries["ReauthenticateByPin"] = new()
        {
            Description = "Step-up: re-checks the PIN of the access token's account and returns a single-use `SecondFactorValidationToken` (5 minutes by default). Wrong PINs are 1236 and count toward the lockout.",
            Access = Access.Key | Access.Token,
            Body = new("The PIN.", () => ObjectOf(
                ("PIN", Str("The account's PIN.")),
                ("access_token", Str("The access token, when not in the header or query.")),
                ("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."))).Require("PIN"),
                """{"PIN": "1357"}"""),
            Success = new("The step-up token and its expiry.", _ => ObjectOf(
                ("SecondFactorValidationToken", Str("Single-use proof of the PIN, for `POST /identity/v2/manage/account/{uid}/reauth/pin`.", "uuid")),
                ("ExpireIn", Str("When it expires (ISO-8601 UTC).", "date-time"))),
                () => new JsonObject { ["SecondFactorValidationToken"] = SampleToken, ["ExpireIn"] = Timestamp(SampleTime.AddMinutes(5)) }),
            Errors = Codes([ErrorCode.PinRequired, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable, ErrorCode.UserDoesNotExist], LockRefusals),
            Captcha = true,
            Events = [WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount],
        };
        entries["ValidateReauthenticationByPin"] = new()
        {
            Description = "Checks a `SecondFactorValidationToken` for a Uid: `{\"IsValid\": true}` once, for that account only; `false` when it is unknown, spent, expired or another account's.",
            Access = Access.Key | Access.Secret,
            Parameters = [UidPath],
            Body = new("The step-up token.", () => ObjectOf(("SecondFactorValidationToken", Str("The token of `PUT /identity/v2/auth/account/reauth/pin` (missing: 908).", "uuid"))).Require("SecondFactorValidationToken"),
                $$"""{"SecondFactorValidationToken": "{{SampleToken}}"}"""),
            Success = new("Whether the token proves a PIN check of this account.", _ => ObjectOf(("IsValid", Bool("True once for a live token of this Uid."))), () => new JsonObject { ["IsValid"] = true }),
            Errors = [ErrorCode.UidNotValid],
            ParameterErrors = ["SecondFactorValidationToken"],
        };

        // WebhooksApi (the "Singular" names share these entries)
        var webhookBody = new Body("The subscription; secrets sent as `********` keep the stored ones.", WebhookBodySchema,
            """{"Event": "Login", "TargetUrl": "https://crm.example.com/hooks/login", "Name": "CRM", "Headers": {"X-Env": "prod"}, "QueryParams": {"source": "pinorleans"}, "Authentication": {"AuthType": "Basic", "BasicAuth": {"Username": "crm", "Password": "s3cret"}}}""");
        var webhookSecret = Access.Key | Access.Secret;
        entries["CreateWebhook"] = new()
        {
            Description = "Subscribes a target URL to an event. 1086 unknown event, 1087 target refused (only public https targets; the operator's `Outbound` settings may trust internal networks), 1085 more than five per event, 1110 same event and URL again.",
            Access = webhookSecret,
            Body = webhookBody,
            Success = new("The subscription, with its `Id`; secrets masked.", Ref(WebhookSchema), SampleWebhook),
            Errors = [ErrorCode.WebhookEventInvalid, ErrorCode.WebhookTargetInvalid, ErrorCode.WebhookLimitReached, ErrorCode.WebhookAlreadySubscribed, ErrorCode.ValidationFailed],
        };
        entries["ListWebhooks"] = new()
        {
            Description = "The tenant's subscriptions, oldest first.",
            Access = webhookSecret,
            Success = new("`{\"Data\": [subscriptions], \"Count\": n}`.", document => ObjectOf(("Data", ArrayOf(Ref(WebhookSchema)(document))), ("Count", Int("How many."))),
                () => new JsonObject { ["Data"] = new JsonArray(SampleWebhook()), ["Count"] = 1 }),
        };
        entries["ListWebhookEvents"] = new()
        {
            Description = "The events one can subscribe to.",
            Access = webhookSecret,
            Success = new("`{\"Data\": [event names], \"Count\": n}`.", _ => ObjectOf(("Data", ArrayOf(EnumOf("An event name.", [.. WebhookEvents.All]))), ("Count", Int("How many."))),
                () => new JsonObject { ["Data"] = new JsonArray(WebhookEvents.All.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()), ["Count"] = WebhookEvents.All.Count }),
        };
        entries["GetWebhook"] = new()
        {
            Description = "One subscription; secrets masked.",
            Access = webhookSecret,
            Parameters = [HookIdPath],
            Success = new("The subscription.", Ref(WebhookSchema), SampleWebhook),
            Errors = [ErrorCode.WebhookNotSubscribed],
        };
        entries["UpdateWebhook"] = new()
        {
            Description = "Replaces a subscription (a `********` secret keeps the stored one).",
            Access = webhookSecret,
            Parameters = [HookIdPath],
            Body = webhookBody,
            Success = new("The subscription as saved.", Ref(WebhookSchema), SampleWebhook),
            Errors = [ErrorCode.WebhookNotSubscribed, ErrorCode.WebhookEventInvalid, ErrorCode.WebhookTargetInvalid, ErrorCode.WebhookLimitReached, ErrorCode.WebhookAlreadySubscribed, ErrorCode.ValidationFailed],
        };
        entries["DeleteWebhook"] = new()
        {
            Description = "Unsubscribes.",
            Access = webhookSecret,
            Parameters = [HookIdPath],
            Success = Deleted,
            Errors = [ErrorCode.WebhookNotSubscribed],
        };
        entries["ListWebhookDeadLetters"] = new()
        {
            Description = "Deliveries of this subscription that used up their attempts (dead letters), newest last.",
            Access = webhookSecret,
            Parameters = [HookIdPath],
            Success = new("`{\"Data\": [dead letters], \"Count\": n}`.", _ => ObjectOf(
                ("Data", ArrayOf(ObjectOf(
                    ("HookId", Str("The event's id (the payload's `HookId`), for redelivery.", "uuid")),
                    ("Event", Str("The event name.")),
                    ("Status", Str("Always `DeadLetter`.")),
                    ("Attempts", Int("Attempts made.")),
                    ("LastError", Str("What the last attempt met.")),
                    ("FailedAt", Str("When it gave up (ISO-8601 UTC).", "date-time")),
                    ("Payload", new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The payload that was to be delivered: `{HookName, Time, HookId, Data}`." })))),
                ("Count", Int("How many."))),
                () => new JsonObject
                {
                    ["Data"] = new JsonArray(new JsonObject
                    {
                        ["HookId"] = SampleToken,
                        ["Event"] = "Login",
                        ["Status"] = "DeadLetter",
                        ["Attempts"] = 8,
                        ["LastError"] = "HTTP 503",
                        ["FailedAt"] = Timestamp(SampleTime),
                        ["Payload"] = new JsonObject { ["HookName"] = "Login", ["Time"] = Timestamp(SampleTime), ["HookId"] = SampleToken, ["Data"] = SampleProfileJson() },
                    }),
                    ["Count"] = 1,
                }),
            Errors = [ErrorCode.WebhookNotSubscribed],
        };
        entries["RedeliverWebhook"] = new()
        {
            Description = "Hands a dead letter back for delivery with fresh attempts. 1134 when the subscription has no dead letter with this HookId.",
            Access = webhookSecret,
            Parameters = [HookIdPath, PathParam("eventId", "The dead letter's `HookId` (the event's id).", SampleToken)],
            Success = Posted,
            Errors = [ErrorCode.WebhookNotSubscribed, ErrorCode.ValidationFailed],
        };

        return entries.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Field(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Email => "Email",
        IdentifierKind.UserName => "UserName",
        _ => "Phone",
    };

    private static string Sample(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Email => "jane@example.com",
        IdentifierKind.UserName => "jane",
        _ => "+14155550100",
    };

    private static readonly Success Posted = new("`{\"IsPosted\": true}`.", _ => ObjectOf(("IsPosted", Bool("Always true."))), () => new JsonObject { ["IsPosted"] = true });

    private static readonly Success Deleted = new("`{\"IsDeleted\": true}`.", _ => ObjectOf(("IsDeleted", Bool("Always true."))), () => new JsonObject { ["IsDeleted"] = true });

    private static readonly Success TokenPair = new("New access and refresh tokens.", _ => ObjectOf(
        ("access_token", Str("The access token.", "uuid")),
        ("refresh_token", Str("The refresh token (single use).", "uuid")),
        ("expires_in", Str("When the access token expires (ISO-8601 UTC).", "date-time"))),
        () => new JsonObject { ["access_token"] = SampleToken, ["refresh_token"] = SampleRefreshToken, ["expires_in"] = Timestamp(SampleTime.AddMinutes(15)) });

    // ---------------------------------------------------------------------------------------------------------------
    // Schemas and examples. Examples come from the same renderers the endpoints use, so they cannot drift.
    // ---------------------------------------------------------------------------------------------------------------

    private const string SampleUid = "5f0c3b2e9a7d4c1e8b6a0f2d4c6e8a1b";
    private const string SampleToken = "3d8f6a2c-1b4e-4f7a-9c5d-2e8b7a6f1c09";
    private const string SampleRefreshToken = "9a1c4e7b-2d5f-4a8c-b3e6-0f9d2c7a5b18";
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

    private static JsonObject LoginExample(bool session, bool pinAuthToken)
    {
        var tokens = new IssuedTokens(SampleToken, SampleRefreshToken, SampleTime.AddMinutes(15));
        if (session)
        {
            tokens = tokens with { SessionToken = "7c2e9b4a-5f1d-4e8a-a6c3-1b0f9e8d7c65", SessionExpiresIn = SampleTime.AddDays(30) };
        }

        var json = ProfileJson.Login(SampleProfile(), tokens);
        if (pinAuthToken)
        {
            json["PINAuthToken"] = "c4b3a291-8f7e-4d6c-9b5a-3e2f1d0c9b8a";
        }

        return json;
    }

    private static JsonObject SampleWebhook() => new()
    {
        ["Id"] = "b7e2c9d4-6a1f-4e3b-8c5d-9f0a1b2c3d4e",
        ["Name"] = "CRM",
        ["Event"] = "Login",
        ["TargetUrl"] = "https://crm.example.com/hooks/login",
        ["Headers"] = new JsonObject { ["X-Env"] = "prod" },
        ["QueryParams"] = new JsonObject { ["source"] = "pinorleans" },
        ["Authentication"] = new JsonObject { ["AuthType"] = "Basic", ["BasicAuth"] = new JsonObject { ["Username"] = "crm", ["Password"] = TenantSettingsJson.Masked }, ["BearerToken"] = null },
        ["CreatedDate"] = Timestamp(SampleTime),
        ["LastModifiedDate"] = Timestamp(SampleTime),
        ["SigningKey"] = TenantSettingsJson.Masked,
        ["SignWithApiSecret"] = false,
        ["SecretName"] = null,
        ["IsIntegrationWebhook"] = false,
    };

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

    private static OpenApiSchema LoginSchemaDefinition(OpenApiDocument document) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "A login's answer: the Profile and the tokens. A password login adds a PIN `session_token`; a login that asks for a PIN adds `PINAuthToken` (and, with a mandatory PIN, has no tokens).",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["Profile"] = new OpenApiSchemaReference(ProfileSchema, document),
            ["access_token"] = Str("The access token.", "uuid"),
            ["refresh_token"] = Str("The refresh token (single use: refreshing spends it).", "uuid"),
            ["expires_in"] = Str("When the access token expires (ISO-8601 UTC).", "date-time"),
            ["session_token"] = Str("The PIN session token, for `POST /identity/v2/auth/login/pin`.", "uuid"),
            ["session_expires_in"] = Str("When the PIN session expires (ISO-8601 UTC).", "date-time"),
            ["PINAuthToken"] = Str("Single-use token for `POST /identity/v2/auth/pin/set/pinauthtoken`, when the tenant asks for a PIN the account does not have.", "uuid"),
        },
        Required = new HashSet<string> { "Profile" },
        Examples = [LoginExample(session: true, pinAuthToken: false)],
    };

    private static OpenApiSchema WebhookBodySchema() => new()
    {
        Type = JsonSchemaType.Object,
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["Event"] = EnumOf("The event to subscribe to (any casing).", [.. WebhookEvents.All]),
            ["TargetUrl"] = Str("Where events are POSTed: a public https URL (internal or plain-http targets only where the operator's `Outbound` settings trust them).", "uri"),
            ["Name"] = Str("A name for the subscription (at most 200 characters)."),
            ["Headers"] = Map("Extra request headers for every delivery (at most 20; not the delivery's own, such as `signature`).", Str("The header's value.")),
            ["QueryParams"] = Map("Extra query parameters added to the target URL (at most 20).", Str("The parameter's value.")),
            ["Authentication"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "How deliveries authenticate to the target.",
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["AuthType"] = EnumOf("`None` (default), `Basic` or `BearerToken`.", "None", "Basic", "BearerToken"),
                    ["BasicAuth"] = ObjectOf(("Username", Str("The user name (no ':').")), ("Password", Str("The password (`********` keeps the stored one)."))),
                    ["BearerToken"] = ObjectOf(("Token", Str("The bearer token (`********` keeps the stored one)."))),
                },
            },
            ["SignWithApiSecret"] = Bool("Also send LoginRadius' `signature` header (HMAC-SHA256 of the body keyed with the API secret; no timestamp). Default false."),
        },
        Required = new HashSet<string> { "Event", "TargetUrl" },
    };

    private static OpenApiSchema WebhookSchemaDefinition()
    {
        var schema = WebhookBodySchema();
        schema.Description = "A webhook subscription as LoginRadius shows it; secrets masked as `********`.";
        schema.Required = new HashSet<string> { "Id", "Event", "TargetUrl" };
        schema.Properties!["Id"] = Str("The subscription's id.", "uuid");
        schema.Properties["CreatedDate"] = Str("When it was created (ISO-8601 UTC).", "date-time");
        schema.Properties["LastModifiedDate"] = Str("When it last changed (ISO-8601 UTC).", "date-time");
        schema.Properties["SigningKey"] = Str("The subscription's signing key for `X-PinOrleans-Signature` (HMAC-SHA256 over `timestamp.body`): in clear only in the answer that created it, `********` after.");
        schema.Properties["SecretName"] = new OpenApiSchema { Type = JsonSchemaType.Null | JsonSchemaType.String, Description = "Always null." };
        schema.Properties["IsIntegrationWebhook"] = Bool("Always false.");
        schema.Examples = [SampleWebhook()];
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

    private static Func<OpenApiDocument?, IOpenApiSchema> Ref(string id) => document => new OpenApiSchemaReference(id, document);

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

    private static OpenApiSchema SecurityAnswers(string description) =>
        Map(description + " `{\"<questionId>\": \"<answer>\"}`; answers compare ignoring case, extra spaces and Unicode composition.", Str("The answer (at most 256 characters)."));

    private static OpenApiSchema EmailList() => ArrayOf(ObjectOf(
            ("Type", Str("`Primary`, `Secondary`...")),
            ("Value", Str("The e-mail address.", "email"))).Require("Value"))
        .Described("The account's e-mail addresses (1 to 10): `[{\"Type\": \"Primary\", \"Value\": \"jane@example.com\"}]`.");

    private static OpenApiSchema PinInfo() => ObjectOf(
            ("PIN", new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = "The PIN to set; null clears it (update only)." }),
            ("Skipped", Bool("Whether the user chose not to set a PIN.")))
        .Described("`{PIN, Skipped}`.");

    /// <summary>The body schema plus the captcha answers and <c>securityanswer</c> the endpoint also reads from the body.</summary>
    private static OpenApiSchema WithCaptcha(OpenApiSchema schema, bool captcha)
    {
        if (!captcha)
        {
            return schema;
        }

        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var name in CaptchaAnswer.Parameters)
        {
            schema.Properties.TryAdd(name, Str($"A captcha answer, as the `{name}` query parameter."));
        }

        schema.Properties.TryAdd("securityanswer", SecurityAnswers("Answers by question id, under a SecurityQuestion lockout."));
        return schema;
    }
}
