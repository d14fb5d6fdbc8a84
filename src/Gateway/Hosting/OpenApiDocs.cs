using System.Collections.Frozen;
using System.Reflection;
using Microsoft.OpenApi;
using PinOrleans.Gateway.Wire;
using Scalar.AspNetCore;

namespace PinOrleans.Gateway.Hosting;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its interactive reference page (<c>/reference</c>).
/// Microsoft.AspNetCore.OpenApi generates it from the handlers: their typed bodies (<see cref="RequestBody{TSelf}"/>),
/// query and route parameters, and typed answers. What no type says is added from endpoint metadata by small
/// transformers: the credentials a handler's parameters require and the LoginRadius errors it can answer
/// (<see cref="OpenApiOperations"/>), and the schemas of answers a renderer writes (<see cref="OpenApiSchemas"/>).
/// </summary>
public static class OpenApiDocs
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/reference";
    public const string Title = "PinOrleans — LoginRadius-compatible PIN login API";

    /// <summary>The operation extension listing every LoginRadius <c>ErrorCode</c> the operation can answer.</summary>
    public const string ErrorCodesExtension = "x-loginradius-error-codes";

    internal const string Json = "application/json";
    internal const string ApiKeyScheme = "ApiKey";
    internal const string ApiSecretScheme = "ApiSecret";
    internal const string AccessTokenScheme = "AccessToken";
    internal const string AdminScheme = "AdminBasic";
    internal const string ErrorSchema = "LoginRadiusError";

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
                OpenApiOperations.DescribeOperation(operation, context);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                OpenApiSchemas.DescribeSchema(schema, context);
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
    internal static void EnsureComponents(OpenApiDocument document)
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
        components.Schemas.TryAdd(ErrorSchema, OpenApiSchemas.ErrorSchemaDefinition());
    }
}
