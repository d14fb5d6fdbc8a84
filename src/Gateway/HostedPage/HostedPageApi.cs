using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.HostedPage;

/// <summary>
/// The hosted login page (LoginRadius' Auth Page, <c>&lt;app&gt;.hub.loginradius.com/auth.aspx</c>): <c>GET
/// /auth.aspx?action=…&amp;return_url=…</c> for the tenant of the <c>apikey</c> query or of the host name
/// (<c>HostedPage:Hosts:&lt;host&gt;</c>), and what the page loads from its own origin. The page is a client of the
/// public API routes, like an SDK; the gateway adds only the page, the tenant's branding, a SOTT for the page's
/// registration form, and the check of <c>return_url</c> against the tenant's <c>AllowedDomains</c>
/// (<see cref="AllowedLinks"/>), at page load and again before the page goes back with the token.
/// </summary>
public static partial class HostedPageApi
{
    public const string PagePath = "/auth.aspx";
    public const string AssetPrefix = "/hosted/v1";

    /// <summary>The actions of LoginRadius' page that this page serves (and <c>logout</c>, which ends the remembered PIN session).</summary>
    public static readonly string[] Actions = ["login", "register", "forgotpassword", "resetpassword", "forgotpin", "resetpin", "logout"];

    /// <summary>The page's own policy: nothing from another origin, no inline script or style, never framed, no referrer.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>A tenant logo (an image, SVG included) may not run or load anything, even opened on its own.</summary>
    public const string LogoContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

    private const string LogoPolicyItem = "pinorleans.hosted.logo";

    public static IServiceCollection AddHostedPage(this IServiceCollection services) => services.AddSingleton<HostedPageAssets>();

    /// <summary>The page's security headers on everything under <c>/auth.aspx</c> and <c>/hosted/v1</c>, errors included.</summary>
    public static WebApplication UseHostedPageHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments(PagePath, StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(AssetPrefix, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = context.Items.ContainsKey(LogoPolicyItem) ? LogoContentSecurityPolicy : ContentSecurityPolicy;
                    headers.XFrameOptions = "DENY";
                    headers["Referrer-Policy"] = "no-referrer";
                    headers.XContentTypeOptions = "nosniff";
                    headers["Cross-Origin-Opener-Policy"] = "same-origin";
                    headers["Cross-Origin-Resource-Policy"] = "same-origin";
                    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                    if (!headers.ContainsKey("Cache-Control"))
                    {
                        headers.CacheControl = "no-store";
                    }

                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        return app;
    }

    public static IEndpointRouteBuilder MapHostedPageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(PagePath, PageAsync).ExcludeFromDescription();
        var hosted = app.MapGroup(AssetPrefix).ExcludeFromDescription();
        hosted.MapGet("/assets/{name}", Asset);
        hosted.MapGet("/theme.css", ThemeAsync);
        hosted.MapGet("/logo", LogoAsync);
        hosted.MapGet("/sott", SottAsync);
        hosted.MapPost("/return", ReturnAsync);
        return app;
    }

    // ------------------------------------------------------------------------------------------------ the page

    private static async Task<IResult> PageAsync(HttpContext context, IGrainFactory grains, HostedPageAssets assets, TenantCache tenants, IConfiguration configuration)
    {
        var request = context.Request;
        string? action, returnUrl, apiKey;
        try
        {
            action = ApiRequest.Query(request, "action")?.ToLowerInvariant() ?? "login";
            returnUrl = ApiRequest.Query(request, "return_url");
            apiKey = ApiRequest.Query(request, "apikey");
        }
        catch (LoginRadiusException)
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "This address is not complete", "A part of it is given twice. Please go back to the application and start again.");
        }

        var fromHost = apiKey is null;
        apiKey ??= configuration[$"HostedPage:Hosts:{request.Host.Host.ToLowerInvariant()}"];
        if (apiKey is null)
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "This address is not complete", "It does not say which application you are signing in to. Please go back to the application and start again.");
        }

        if (!Guid.TryParse(apiKey, out var key))
        {
            return ErrorPage(StatusCodes.Status404NotFound, "Application not found", "There is no application at this address. Please check the link you followed.");
        }

        var access = await tenants.AuthorizeAsync(key.ToString("D"), grains);
        if (access.Tenant is not { } tenant || !tenant.Settings.HostedPage.Enabled)
        {
            return access.Problem?.Code == ErrorCode.TrialPlanExpired
                ? ErrorPage(StatusCodes.Status403Forbidden, "Sign-in is not available", "This application's sign-in is not available right now.")
                : ErrorPage(StatusCodes.Status404NotFound, "Application not found", "There is no application at this address. Please check the link you followed.");
        }

        if (!Actions.Contains(action, StringComparer.Ordinal))
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "This address is not complete", "It asks this page for something it does not do. Please go back to the application and start again.");
        }

        var back = returnUrl is null ? null : ResolveReturnUrl(returnUrl, tenant.Settings);
        if (returnUrl is not null && back is null)
        {
            // Never a redirect, nor a link, to a page the tenant does not allow: no open redirect.
            return ErrorPage(StatusCodes.Status400BadRequest, "We cannot send you back", "The address this page would return you to is not one the application allows. Please go back to the application and start again.");
        }

        return Results.Content(Render(assets, tenant, action, back, PageUrl(request, tenant, fromHost ? null : tenant.ApiKey, back)), "text/html; charset=utf-8", Encoding.UTF8);
    }

    /// <summary>The page's HTML for this tenant: every value HTML-encoded, settings the page needs as <c>data-</c> attributes (never a secret).</summary>
    internal static string Render(HostedPageAssets assets, TenantSnapshot tenant, string action, Uri? returnUrl, string? pageUrl)
    {
        var settings = tenant.Settings;
        var page = settings.HostedPage;
        var title = string.IsNullOrWhiteSpace(page.Title) ? tenant.Name : page.Title;
        var encode = HtmlEncoder.Default;
        var logo = page.LogoUrl is null ? ""
            : $"<img class=\"brand-logo\" src=\"{encode.Encode(LogoSource(tenant))}\" alt=\"{encode.Encode(title)}\">";
        var values = new Dictionary<string, string>
        {
            ["Title"] = title,
            ["ApiKey"] = tenant.ApiKey,
            ["AssetVersion"] = assets.Version,
            ["ThemeVersion"] = ThemeVersion(page),
            ["Action"] = action,
            ["ReturnUrl"] = returnUrl?.AbsoluteUri ?? "",
            ["PageUrl"] = pageUrl ?? "",
            ["PinMin"] = settings.Pin.MinLength.ToString(CultureInfo.InvariantCulture),
            ["PinMax"] = settings.Pin.MaxLength.ToString(CultureInfo.InvariantCulture),
            ["PinNumeric"] = Flag(settings.Pin.NumericOnly),
            ["PinRequired"] = Flag(settings.Pin.IsRequired),
            ["PinOnRegistration"] = Flag(settings.Pin.AskOnRegistration),
            ["PinLogin"] = Flag(settings.Pin.PINLogin),
            ["PasswordMin"] = settings.Password.MinLength.ToString(CultureInfo.InvariantCulture),
            ["PasswordMax"] = settings.Password.MaxLength.ToString(CultureInfo.InvariantCulture),
            ["Registration"] = RegistrationMode(settings),
            ["Verification"] = settings.Registration.EmailVerification.ToString(),
        };
        foreach (var name in HostedPagePolicy.TextNames)
        {
            values[name] = page.Text(name);
        }

        // One pass, so that a tenant's text is never read as a placeholder.
        return Placeholder().Replace(assets.Template, m => m.Groups[1].Value switch
        {
            "Head" => Head(title),
            "Logo" => logo,
            var name => encode.Encode(values[name]),
        });
    }

    /// <summary>The start of every page: no referrer, no favicon request, the title.</summary>
    private static string Head(string title) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <link rel="icon" href="data:,">
        <title>{HtmlEncoder.Default.Encode(title)}</title>
        """;

    /// <summary>
    /// The page's own address, for the links of its e-mails (verification, reset PIN, reset password) to open it again,
    /// when its origin is on the tenant's <c>AllowedDomains</c>; otherwise null, and the links open the tenant's own pages.
    /// </summary>
    private static string? PageUrl(HttpRequest request, TenantSnapshot tenant, string? apiKey, Uri? returnUrl)
    {
        var query = new List<string>();
        if (apiKey is not null)
        {
            query.Add("apikey=" + Uri.EscapeDataString(apiKey));
        }

        if (returnUrl is not null)
        {
            query.Add("return_url=" + Uri.EscapeDataString(returnUrl.AbsoluteUri));
        }

        var page = $"{request.Scheme}://{request.Host}{request.PathBase}{PagePath}" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return AllowedLinks.Resolve(page, null, tenant.Settings.AllowedDomains).Page is not null ? page : null;
    }

    /// <summary>The return URL when it is well formed and on the tenant's <c>AllowedDomains</c>, else null.</summary>
    public static Uri? ResolveReturnUrl(string returnUrl, TenantSettings settings) => AllowedLinks.Resolve(returnUrl, null, settings.AllowedDomains).Page;

    /// <summary>
    /// Where the page sends the user back: the return URL with <c>token=&lt;access token&gt;</c> added to its query
    /// (<c>?token=</c>, or <c>&amp;token=</c> when it has a query already), as LoginRadius' page does; a fragment stays last.
    /// </summary>
    public static string WithToken(Uri returnUrl, string? token)
    {
        if (token is null)
        {
            return returnUrl.AbsoluteUri;
        }

        var builder = new UriBuilder(returnUrl);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "token=" + Uri.EscapeDataString(token);
        return builder.Uri.AbsoluteUri;
    }

    /// <summary>How the page registers: <c>off</c>, or <c>sott</c> (with a SOTT the gateway makes for the page).</summary>
    private static string RegistrationMode(TenantSettings settings) =>
        settings.HostedPage.OfferRegistration && settings.Registration.Enabled ? "sott" : "off";

    private static string Flag(bool value) => value ? "true" : "false";

    /// <summary>A page for what went wrong before the page could be shown: no script, no form, no link onwards.</summary>
    internal static IResult ErrorPage(int status, string heading, string text)
    {
        var encode = HtmlEncoder.Default;
        var html = $"""
            {Head(heading)}
            <link rel="stylesheet" href="{AssetPrefix}/assets/hosted.css">
            </head>
            <body>
            <main class="page">
              <div class="card">
                <h1>{encode.Encode(heading)}</h1>
                <p class="status status-error" role="alert">{encode.Encode(text)}</p>
              </div>
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    // ------------------------------------------------------------------------------------------------ what the page loads

    private static IResult Asset(string name, HttpContext context, HostedPageAssets assets)
    {
        if (assets.Public(name) is not { } asset)
        {
            return new Refusal(LoginRadiusError.RouteNotFound);
        }

        context.Response.Headers.CacheControl = "public, max-age=3600";
        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    /// <summary>The tenant's colours as CSS variables; text on the primary colour is white or near-black, whichever reads better.</summary>
    private static IResult ThemeAsync(Tenant tenant, HttpContext context)
    {
        var page = tenant.Settings.HostedPage;
        context.Response.Headers.CacheControl = "public, max-age=300";
        var css = $$"""
            :root {
              --primary: {{page.PrimaryColor}};
              --on-primary: {{(Luminance(page.PrimaryColor) > 0.45 ? "#111827" : "#ffffff")}};
              --bg: {{page.BackgroundColor}};
              --text: {{page.TextColor}};
            }

            """;
        return Results.Text(css, "text/css; charset=utf-8", Encoding.UTF8);
    }

    private static IResult LogoAsync(Tenant tenant, HttpContext context)
    {
        if (tenant.Settings.HostedPage.LogoImage() is not { } image)
        {
            return new Refusal(LoginRadiusError.RouteNotFound);
        }

        context.Items[LogoPolicyItem] = true;
        context.Response.Headers.CacheControl = "public, max-age=300";
        return Results.Bytes(image.Bytes, image.MediaType);
    }

    /// <summary>
    /// A SOTT for the page's registration form (valid for ten minutes), as LoginRadius' own page holds one: made with the
    /// tenant's sealed secret by the tenant grain, never the secret itself. Only while the page offers registration.
    /// </summary>
    private static async Task<IResult> SottAsync(Tenant tenant, IGrainFactory grains)
    {
        if (!tenant.Settings.HostedPage.Enabled || RegistrationMode(tenant.Settings) == "off")
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.EndpointNotPermitted));
        }

        var issued = await grains.Reference<ITenantGrain>(tenant.ApiKey).IssueSottAsync(Security.SecureOneTimeToken.DefaultMinutes)
            ?? throw new LoginRadiusException(LoginRadiusError.Sott(SottRefusal.SecretNotHeld));
        return TypedResults.Ok(new Endpoints.SottApi.SottAnswer(issued.Sott.Value, issued.ExpiryTime));
    }

    /// <summary>The address to go back to.</summary>
    public sealed record ReturnAnswer(string Url);

    /// <summary>
    /// Checks, again, that <c>return_url</c> is on the tenant's <c>AllowedDomains</c>, and that the token (when given) is a
    /// live access token of this tenant; answers the return URL with the token appended. 908 for a return URL that is
    /// not allowed, 905/906 for a token that is not live.
    /// </summary>
    private static async Task<IResult> ReturnAsync(Tenant tenant, HttpRequest request, IGrainFactory grains)
    {
        var body = await ApiRequest.BodyAsync(request);
        var returnUrl = body.String("return_url");
        var token = body.String("token");
        if (!tenant.Settings.HostedPage.Enabled)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.EndpointNotPermitted));
        }

        if (returnUrl is null || ResolveReturnUrl(returnUrl, tenant.Settings) is not { } back)
        {
            return new Refusal(LoginRadiusError.MalformedParameter("return_url"));
        }

        if (token is not null)
        {
            (token, _) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
        }

        return TypedResults.Ok(new ReturnAnswer(WithToken(back, token)));
    }

    // ------------------------------------------------------------------------------------------------ branding

    private static string LogoSource(TenantSnapshot tenant)
    {
        var page = tenant.Settings.HostedPage;
        return page.LogoImage() is not null
            ? $"{AssetPrefix}/logo?apikey={tenant.ApiKey}&v={Hash(page.LogoUrl!)}"
            : page.LogoUrl!;
    }

    private static string ThemeVersion(HostedPagePolicy page) => Hash(page.PrimaryColor + page.BackgroundColor + page.TextColor);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..10];

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Placeholder();

    /// <summary>The relative luminance (WCAG) of a CSS hex colour.</summary>
    internal static double Luminance(string hex)
    {
        var digits = hex.TrimStart('#');
        if (digits.Length == 3)
        {
            digits = string.Concat(digits.Select(c => $"{c}{c}"));
        }

        double Channel(int at)
        {
            var value = int.Parse(digits.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
            return value <= 0.03928 ? value / 12.92 : Math.Pow((value + 0.055) / 1.055, 2.4);
        }

        return (0.2126 * Channel(0)) + (0.7152 * Channel(2)) + (0.0722 * Channel(4));
    }
}
