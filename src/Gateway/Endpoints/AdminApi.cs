using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// The operator's API, <c>/pinorleans/v1/admin</c> (what <c>pinctl</c> talks to): tenants (list, create, show,
/// settings, secret rotation) and ending an account's sessions. Not a LoginRadius API: LoginRadius does this in its
/// admin console. Every route needs the administrator's HTTP Basic credentials (configuration
/// <c>Admin:UserName</c>, default <c>admin</c>, and <c>Admin:Password</c>); without a configured password the routes
/// answer 404, as if they did not exist. Secrets appear only in the answer that creates them.
/// </summary>
public static class AdminApi
{
    public const string Prefix = "/pinorleans/v1/admin";

    /// <summary>The <c>WWW-Authenticate</c> challenge of a request without the administrator's credentials.</summary>
    public const string Challenge = "Basic realm=\"PinOrleans\"";

    /// <summary>The user name when <c>Admin:UserName</c> is not configured.</summary>
    public const string DefaultUserName = "admin";

    /// <summary>Admin credentials missing or wrong: an HTTP-only error, so its code is its status.</summary>
    public static readonly LoginRadiusError Unauthorized = new(401, 401, "Administrator credentials are required",
        "This endpoint needs the administrator's user name and password (HTTP Basic authentication), please provide valid administrator credentials.");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapApiGroup(Prefix, "Administration").RequireAdmin().AddEndpointFilter(NoStore);
        var tenants = admin.MapGroup("/tenants");
        tenants.MapGet("", ListTenantsAsync)
            .WithName("AdminListTenants").WithSummary("Every tenant: {Data: [{ApiKey, Name, CreatedDate}], Count}.")
            .WithDescription("Every tenant the cluster knows (made here, by `pinctl`, or at bootstrap), with its API key, name and creation time; never a secret.");
        tenants.MapPost("", CreateTenantAsync)
            .WithName("AdminCreateTenant").WithSummary("Creates a tenant {Name, ApiKey?, Settings?} with a fresh secret, shown in this answer only.")
            .WithDescription("Creates a tenant with a fresh API secret, shown in this answer only (stored as a hash). `ApiKey` is chosen when absent; `Settings` is a merge patch over the defaults, checked as a runtime change is. An `ApiKey` in use, a bad name or settings that cannot work are 1134 and create nothing.");
        tenants.MapGet("/{apiKey}", GetTenantAsync)
            .WithName("AdminGetTenant").WithSummary("One tenant: {ApiKey, Name, CreatedDate, Settings} with secrets masked (901 when unknown).")
            .WithDescription("One tenant with its settings, secrets shown as `********`; never its API secret.")
            .Refuses(ErrorCode.ApiKeyUnauthorized);
        tenants.MapPut("/{apiKey}/settings", ChangeSettingsAsync)
            .WithName("AdminChangeTenantSettings").WithSummary("Changes a tenant's settings with a JSON merge patch; answers the settings now in force (1134 refused).")
            .WithDescription("Changes a tenant's settings as `PUT /pinorleans/v1/tenant/settings` does for the tenant itself: a JSON merge patch (RFC 7396) where only what is named changes, `null` restores a default and `********` keeps a secret. Settings that cannot work are 1134 and change nothing.")
            .Refuses(ErrorCode.ApiKeyUnauthorized, ErrorCode.ValidationFailed);
        tenants.MapPost("/{apiKey}/secret", RotateSecretAsync)
            .WithName("AdminRotateTenantSecret").WithSummary("Gives the tenant a new API secret, shown in this answer only; the old one stops working at once.")
            .WithDescription("Gives the tenant a new API secret, shown in this answer only (stored as a hash); the old one stops working at once.")
            .Refuses(ErrorCode.ApiKeyUnauthorized);
        tenants.MapPost("/{apiKey}/accounts/{uid}/sessions/revoke", RevokeSessionsAsync)
            .WithName("AdminRevokeAccountSessions").WithSummary("Ends every PIN session, access token and refresh token of the account: {\"IsPosted\": true}.")
            .WithDescription("Ends every PIN session, access token and refresh token of the account at once; its credentials (password, PIN) stay.")
            .Refuses(ErrorCode.ApiKeyUnauthorized, ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist);
        admin.MapPost("/storage/expiry/repair", RepairExpiryAsync)
            .WithName("AdminRepairExpiry").WithSummary("Starts one full pass over the expiring records in storage: {\"IsPosted\": true, \"Supported\": true}.")
            .WithDescription("The repair for what a crashed silo's expiry journal lost (docs/operations.md, \"Expired records\"): in the background, every token pair, PIN session, PINAuthToken, reset link and step-up proof in storage is visited; those past their end plus `Storage:ExpiredRecordRetentionHours` are removed, the others journaled again. It reads the whole state table, so run it when a silo died, not routinely; the silo logs what it did. `Supported` is false (and nothing runs) on a store that cannot list its records.");
        return app;
    }

    /// <summary>
    /// Only the administrator may use the endpoints: 401 with a Basic challenge without the right credentials, 404
    /// when no administrator password is configured, 429 for an address that failed too often (<see cref="AdminGuard"/>).
    /// Works on single endpoints and on groups.
    /// </summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        // The application's guard (one count for every guarded endpoint); an application that registered none gets
        // one for these endpoints.
        AdminGuard? own = null;
        AdminGuard Guard(HttpContext context) => context.RequestServices.GetService<AdminGuard>()
            ?? (own ??= new AdminGuard(context.RequestServices.GetRequiredService<IConfiguration>(), TimeProvider.System));

        builder.WithMetadata(new CallerMetadata(Caller.Administrator));

        // Around the endpoint's request delegate, not an endpoint filter: ASP.NET Core binds a handler's parameters
        // (its JSON body too) before any filter runs, and a caller without the credentials must learn nothing from
        // how its request is read, not even that these routes exist.
        builder.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate ?? throw new InvalidOperationException($"{endpoint.DisplayName} has no request delegate to guard.");
            endpoint.RequestDelegate = async context =>
            {
                if (Refusal(context, Guard) is { } refusal)
                {
                    await refusal.ExecuteAsync(context);
                    return;
                }

                await next(context);
            };
        });
        return builder;
    }

    /// <summary>Why the request may not reach an administrator's endpoint, or null when it carries the credentials.</summary>
    private static Refusal? Refusal(HttpContext context, Func<HttpContext, AdminGuard> guardOf)
    {
        if (!IsEnabled(context))
        {
            return LoginRadiusJson.Error(LoginRadiusError.RouteNotFound);
        }

        var guard = guardOf(context);
        if (guard.Blocked(context) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return LoginRadiusJson.Error(LoginRadiusError.TooManyRequests);
        }

        if (IsAdmin(context))
        {
            return null;
        }

        if (context.Request.Headers.Authorization.Count > 0)
        {
            guard.Failed(context);
            LogRefused(context);
        }

        context.Response.Headers.WWWAuthenticate = Challenge;
        return LoginRadiusJson.Error(Unauthorized);
    }

    /// <summary>
    /// Whether the request carries the administrator's HTTP Basic credentials. Both parts are compared as SHA-256
    /// digests in constant time, so neither their content nor their length shows in the response time.
    /// </summary>
    public static bool IsAdmin(HttpContext context)
    {
        var configuration = context.RequestServices.GetRequiredService<IConfiguration>();
        if (configuration["Admin:Password"] is not { Length: > 0 } password
            || !TryReadBasic(context.Request.Headers.Authorization, out var givenUser, out var givenPassword))
        {
            return false;
        }

        var userName = configuration["Admin:UserName"] is { Length: > 0 } configured ? configured : DefaultUserName;
        return SameSecret(givenUser, userName) & SameSecret(givenPassword, password);
    }

    private static bool IsEnabled(HttpContext context) =>
        !string.IsNullOrEmpty(context.RequestServices.GetRequiredService<IConfiguration>()["Admin:Password"]);

    private static bool TryReadBasic(Microsoft.Extensions.Primitives.StringValues header, out string user, out string password)
    {
        user = password = "";
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var encoded = value[6..].Trim();
        var bytes = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, bytes, out var length))
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return false;
        }

        (user, password) = (decoded[..colon], decoded[(colon + 1)..]);
        return true;
    }

    private static bool SameSecret(string given, string expected) => CryptographicOperations.FixedTimeEquals(
        SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private static void LogRefused(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminApi).FullName!)
            .LogWarning("Administrator credentials refused for {Method} {Path} from {Client}", context.Request.Method, context.Request.Path, AdminGuard.Key(context));

    /// <summary>Admin answers may carry a one-time secret: no cache keeps them.</summary>
    private static async ValueTask<object?> NoStore(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        invocation.HttpContext.Response.Headers.CacheControl = "no-store";
        return await next(invocation);
    }

    private const string ApiKeyNote = "The tenant's API key (a GUID; 901 when it is not one or no tenant has it).";

    /// <summary>A tenant to create.</summary>
    public sealed record NewTenantBody(
        [property: Description("The tenant's name: 1 to 200 characters, no control characters."), Example("Shop")] string? Name,
        [property: Description("The API key to give it (a GUID, any casing); a fresh one when absent.")] string? ApiKey = null) : RequestBody<NewTenantBody>
    {
        [Description("A merge patch over the default settings, by the names the settings answer shows; checked as a runtime change is (1134).")]
        [Example("""{"Lockout": {"MaxFailedAttempts": 3}}""", IsJson = true)]
        public JsonElement Settings { get; init; }

        public string TenantName()
        {
            var name = Name?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                throw JsonBody.Invalid("Name", "The Name field is required.");
            }

            return name.Length <= 200 && !name.Any(char.IsControl)
                ? name
                : throw JsonBody.Invalid("Name", "The Name field must be at most 200 characters, without control characters.");
        }

        public string TenantApiKey() => ApiKey is not { } given ? Guid.NewGuid().ToString("D")
            : Guid.TryParse(given, out var key) ? key.ToString("D")
            : throw JsonBody.Invalid("ApiKey", "The ApiKey field must be a GUID.");

        /// <summary>The <c>Settings</c> object as a merge patch over the defaults, checked as a runtime change would be.</summary>
        public TenantSettings InitialSettings()
        {
            if (Settings.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            {
                return new TenantSettings();
            }

            if (Settings.ValueKind != JsonValueKind.Object)
            {
                throw JsonBody.Invalid("Settings", "The Settings field must be a JSON object.");
            }

            return TenantSettingsJson.TryMerge(new TenantSettings(), Settings.GetRawText(), out var settings) is { } problem
                ? throw JsonBody.Invalid("Settings", problem)
                : settings;
        }
    }

    /// <summary>The expiry repair was started, or the store cannot list its records.</summary>
    public sealed record ExpiryRepairStarted(
        [property: Description("True when the pass started.")] bool IsPosted,
        [property: Description("False when the state store cannot list its records (then nothing runs).")] bool Supported);

    private static async Task<Ok<ExpiryRepairStarted>> RepairExpiryAsync(IGrainFactory grains)
    {
        var started = await grains.GetGrain<Expiry.IExpirySweeperGrain>(0).StartRepairAsync();
        return TypedResults.Ok(new ExpiryRepairStarted(started, started));
    }

    /// <summary>A tenant as the directory lists it.</summary>
    public sealed record TenantSummary(
        [property: Description("The tenant's API key.")] string ApiKey,
        [property: Description("Its name.")] string Name,
        [property: Description("When it was created (ISO-8601 UTC).")] DateTimeOffset CreatedDate);

    /// <summary>One tenant with its settings; secrets masked, never its API secret.</summary>
    public sealed record TenantDetails(
        [property: Description("The tenant's API key.")] string ApiKey,
        [property: Description("Its name.")] string Name,
        [property: Description("When it was created (ISO-8601 UTC).")] DateTimeOffset CreatedDate,
        [property: Description("Its settings, secrets as `********`.")] Settings Settings);

    /// <summary>A new tenant: its API secret is shown in this answer only.</summary>
    public sealed record NewTenant(
        [property: Description("The tenant's API key.")] string ApiKey,
        [property: Description("Its API secret: shown here only, stored as a hash.")] string ApiSecret,
        [property: Description("Its name.")] string Name);

    /// <summary>A tenant's new API secret, shown in this answer only.</summary>
    public sealed record NewApiSecret(
        [property: Description("The tenant's API key.")] string ApiKey,
        [property: Description("Its new API secret: shown here only, stored as a hash; the old one no longer works.")] string ApiSecret);

    private static async Task<Ok<Listing<TenantSummary>>> ListTenantsAsync(IGrainFactory grains)
    {
        var tenants = await grains.GetGrain<ITenantDirectoryGrain>(0).ListAsync();
        return TypedResults.Ok(Listing.Of(tenants.Select(t => new TenantSummary(t.ApiKey, t.Name, t.CreatedDate))));
    }

    private static async Task<Ok<NewTenant>> CreateTenantAsync(NewTenantBody body, IGrainFactory grains)
    {
        var name = body.TenantName();
        var apiKey = body.TenantApiKey();
        var settings = body.InitialSettings();
        var secret = SecretToken.New();
        if (await grains.Reference<ITenantGrain>(apiKey).CreateAsync(new TenantDefinition { Name = name, ApiSecret = new Sensitive(secret), Settings = settings }) is null)
        {
            throw JsonBody.Invalid("ApiKey", "A tenant with this ApiKey already exists.");
        }

        return TypedResults.Ok(new NewTenant(apiKey, secret, name));
    }

    private static async Task<Ok<TenantDetails>> GetTenantAsync([Description(ApiKeyNote)] string apiKey, IGrainFactory grains)
    {
        var info = await ExistingTenantAsync(apiKey, grains);
        return TypedResults.Ok(new TenantDetails(info.ApiKey, info.Name, info.CreatedDate, new Settings(info.Settings!)));
    }

    private static async Task<Results<Ok<Settings>, Refusal>> ChangeSettingsAsync([Description(ApiKeyNote)] string apiKey, MergePatch body, IGrainFactory grains)
    {
        var info = await ExistingTenantAsync(apiKey, grains);
        return await LockoutApi.ApplySettingsPatchAsync(grains.Reference<ITenantGrain>(info.ApiKey), body);
    }

    private static async Task<Ok<NewApiSecret>> RotateSecretAsync([Description(ApiKeyNote)] string apiKey, IGrainFactory grains)
    {
        var key = ApiKeyOf(apiKey);
        var secret = SecretToken.New();
        return await grains.Reference<ITenantGrain>(key).RotateSecretAsync(new Sensitive(secret)) is null
            ? throw LoginRadiusException.Of(ErrorCode.ApiKeyUnauthorized)
            : TypedResults.Ok(new NewApiSecret(key, secret));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> RevokeSessionsAsync([Description(ApiKeyNote)] string apiKey, [Description(ManageAccountApi.UidNote)] string uid, IGrainFactory grains)
    {
        var info = await ExistingTenantAsync(apiKey, grains);
        var problem = await ManageAccountApi.UserGrain(info.ApiKey, uid, grains).RevokeSessionsAsync();
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    /// <summary>The tenant named by the route; 901 when the key is not a GUID or no tenant has it.</summary>
    private static async Task<TenantInfo> ExistingTenantAsync(string apiKey, IGrainFactory grains)
    {
        var info = await grains.Reference<ITenantGrain>(ApiKeyOf(apiKey)).GetInfoAsync();
        return info.Exists ? info : throw LoginRadiusException.Of(ErrorCode.ApiKeyUnauthorized);
    }

    /// <summary>The route's API key in canonical form; 901 when it is not a GUID.</summary>
    private static string ApiKeyOf(string apiKey) => Guid.TryParse(apiKey, out var key)
        ? key.ToString("D")
        : throw LoginRadiusException.Of(ErrorCode.ApiKeyUnauthorized);
}
