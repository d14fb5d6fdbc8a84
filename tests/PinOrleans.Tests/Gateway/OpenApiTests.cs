using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// <c>/openapi/v1.json</c> documents every endpoint the gateway serves (parameters, bodies, answers, LoginRadius
/// error codes), and <c>/reference</c> shows it.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed partial class OpenApiTests(ClusterFixture fixture)
{
    private static readonly string[] ApiPrefixes = ["/identity", "/v2", "/pinorleans"];

    private static readonly string[] CaptchaParameters =
        ["g-recaptcha-response", "g_recaptcha_response", "h-captcha-response", "qq_captcha_ticket", "qq_captcha_randstr"];

    [Fact]
    public async Task Every_endpoint_is_documented_with_a_summary_a_success_and_its_errors()
    {
        await using var gateway = new GatewayFactory(fixture);
        using var document = await OpenApiAsync(new Api(gateway.CreateClient()));

        var endpoints = ApiEndpoints(gateway.Services);
        Assert.True(endpoints.Count >= 40, $"only {endpoints.Count} API endpoints found");
        Assert.Empty(Undocumented(document, endpoints));

        var operationIds = Paths(document).Values.SelectMany(item => item.EnumerateObject())
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _))
            .Select(o => o.Value.GetProperty("operationId").GetString()).ToList();
        Assert.Equal(operationIds.Count, operationIds.Distinct(StringComparer.Ordinal).Count());

        var read = OpenApiDocument.Parse(document.RootElement.GetRawText(), "json");
        Assert.Empty(read.Diagnostic?.Errors ?? []);
        Assert.Empty(read.Document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? []);
    }

    [Fact]
    public async Task Every_handler_that_reads_the_query_reads_it_the_loginradius_way()
    {
        // A [FromQuery] parameter outside MapApiGroup would be bound raw: no trimming, no 908 for a missing or
        // repeated one (a [Required] one would reach the handler as null).
        await using var gateway = new GatewayFactory(fixture);
        var readers = ApiEndpoints(gateway.Services)
            .Where(e => e.Metadata.GetMetadata<System.Reflection.MethodInfo>()?.GetParameters()
                .Any(p => p.GetCustomAttributes(typeof(Microsoft.AspNetCore.Mvc.FromQueryAttribute), false).Length > 0) == true)
            .ToList();

        Assert.Contains(readers, e => e.RoutePattern.RawText!.EndsWith("/login/pin", StringComparison.Ordinal));
        Assert.Empty(readers.Where(e => e.Metadata.GetMetadata<QueryParametersMetadata>() is null).Select(e => e.RoutePattern.RawText));
    }

    [Fact]
    public async Task An_endpoint_without_types_or_words_is_reported_undocumented()
    {
        // Nothing fills in for an endpoint that does not describe itself: one mapped the untyped way, with neither a
        // summary nor a typed answer, is caught by the same check the real routes pass.
        await using var gateway = new GatewayFactory(fixture, web => web.ConfigureServices(services =>
            services.AddSingleton<IStartupFilter>(new ExtraEndpoint())));
        using var document = await OpenApiAsync(new Api(gateway.CreateClient()));

        var undocumented = Undocumented(document, ApiEndpoints(gateway.Services));

        Assert.Equal($"POST {ExtraEndpoint.Route}: no summary, no description, no 200 schema, no error codes",
            Assert.Single(undocumented, u => u.Contains(ExtraEndpoint.Route, StringComparison.Ordinal)));
    }

    /// <summary>Maps one bare endpoint under the API prefix, after the application's own.</summary>
    private sealed class ExtraEndpoint : IStartupFilter
    {
        public const string Route = "/identity/v2/auth/undocumented";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseRouting();
            app.UseEndpoints(endpoints => endpoints.MapPost(Route, (HttpRequest request) => Results.Ok()));
        };
    }

    private static List<RouteEndpoint> ApiEndpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } route && ApiPrefixes.Any(p => ("/" + route.TrimStart('/')).StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();

    /// <summary>
    /// Every endpoint's operations that lack something a reader needs: a summary and a description, a 200 answer
    /// with a schema, a 4xx answer and the LoginRadius codes of its own, a description of every parameter, and a request body
    /// schema where the endpoint reads one.
    /// </summary>
    private static List<string> Undocumented(JsonDocument document, IEnumerable<RouteEndpoint> endpoints)
    {
        var paths = Paths(document);
        var found = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var path = Normalize(endpoint.RoutePattern.RawText!);
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            Assert.NotEmpty(methods);
            foreach (var method in methods)
            {
                if (!paths.TryGetValue(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var operation))
                {
                    found.Add($"{method} {path}: missing");
                    continue;
                }

                var lacks = new List<string>();
                if (!operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                {
                    lacks.Add("no summary");
                }

                if (!operation.TryGetProperty("description", out var description) || string.IsNullOrWhiteSpace(description.GetString()))
                {
                    lacks.Add("no description");
                }

                var responses = operation.GetProperty("responses");
                if (!responses.TryGetProperty("200", out var ok) || !ok.TryGetProperty("content", out var content)
                    || !content.TryGetProperty("application/json", out var json) || !json.TryGetProperty("schema", out _))
                {
                    lacks.Add("no 200 schema");
                }

                // Every operation can answer 429, 950 and 503; an endpoint says which others it gives.
                if (!responses.EnumerateObject().Any(r => r.Name.StartsWith('4'))
                    || !operation.TryGetProperty(OpenApiDocs.ErrorCodesExtension, out var codes)
                    || !codes.EnumerateArray().Any(c => c.GetInt32() is not (429 or 950 or 503)))
                {
                    lacks.Add("no error codes");
                }

                if (operation.TryGetProperty("parameters", out var parameters))
                {
                    lacks.AddRange(parameters.EnumerateArray()
                        .Where(p => !p.TryGetProperty("description", out var text) || string.IsNullOrWhiteSpace(text.GetString()))
                        .Select(p => $"parameter {p.GetProperty("name").GetString()} undescribed"));
                }

                if (endpoint.Metadata.GetMetadata<JsonBodyMetadata>() is not null
                    && !(operation.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var bodyJson)
                        && bodyJson.TryGetProperty("schema", out _)))
                {
                    lacks.Add("no request body schema");
                }

                if (lacks.Count > 0)
                {
                    found.Add($"{method} {path}: {string.Join(", ", lacks)}");
                }
            }
        }

        return found;
    }

    [Fact]
    public async Task Pin_login_documents_its_session_token_captcha_answers_body_and_error_codes()
    {
        await using var gateway = new GatewayFactory(fixture);
        using var document = await OpenApiAsync(new Api(gateway.CreateClient()));
        var login = Paths(document)["/identity/v2/auth/login/pin"].GetProperty("post");

        var parameters = login.GetProperty("parameters").EnumerateArray().ToList();
        var session = Assert.Single(parameters, p => p.GetProperty("name").GetString() == "session_token");
        Assert.Equal("query", session.GetProperty("in").GetString());
        Assert.True(session.GetProperty("required").GetBoolean());
        foreach (var captcha in CaptchaParameters)
        {
            Assert.Contains(parameters, p => p.GetProperty("name").GetString() == captcha && p.GetProperty("in").GetString() == "query");
        }

        var body = login.GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        Assert.True(Resolve(document, body.GetProperty("schema")).GetProperty("properties").TryGetProperty("pin", out _));
        Assert.Equal("1234", body.GetProperty("example").GetProperty("pin").GetString());

        var codes = login.GetProperty(OpenApiDocs.ErrorCodesExtension).EnumerateArray().Select(c => c.GetInt32()).ToList();
        Assert.Superset(new HashSet<int> { 1236, 1245, 1198, 1132, 1218 }, codes.ToHashSet());

        var responses = login.GetProperty("responses");
        Assert.Contains("1236 Invalid PIN (HTTP 401)", responses.GetProperty("401").GetProperty("description").GetString());
        Assert.Contains("1198 Your account has been locked (HTTP 403)", responses.GetProperty("403").GetProperty("description").GetString());
        Assert.Equal("#/components/schemas/LoginRadiusError",
            responses.GetProperty("403").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var example = Resolve(document, responses.GetProperty("401").GetProperty("content").GetProperty("application/json").GetProperty("examples").GetProperty("1236"));
        Assert.Equal(1236, example.GetProperty("value").GetProperty("ErrorCode").GetInt32());
        Assert.True(document.RootElement.GetProperty("components").GetProperty("schemas").TryGetProperty("LoginRadiusError", out _));
        Assert.True(document.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("ApiKey", out _));
    }

    [Fact]
    public async Task The_reference_page_is_html()
    {
        await using var gateway = new GatewayFactory(fixture);
        var response = await new Api(gateway.CreateClient()).Http.GetAsync(OpenApiDocs.ReferencePath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        // The page loads the document relative to the application's base path: "openapi/v1.json".
        Assert.Contains(OpenApiDocs.DocumentPath.TrimStart('/'), await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<JsonDocument> OpenApiAsync(Api api)
    {
        var response = await api.Http.GetAsync(OpenApiDocs.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The element a local <c>$ref</c> points at (<c>#/components/...</c>), or the element itself.</summary>
    private static JsonElement Resolve(JsonDocument document, JsonElement element)
    {
        if (!element.TryGetProperty("$ref", out var reference))
        {
            return element;
        }

        var target = document.RootElement;
        foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            target = target.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return target;
    }

    /// <summary>The document's paths by normalised route (case and trailing slash ignored).</summary>
    private static Dictionary<string, JsonElement> Paths(JsonDocument document) =>
        document.RootElement.GetProperty("paths").EnumerateObject().ToDictionary(p => Normalize(p.Name), p => p.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary><c>/a/{id:int}/</c> and <c>a/{id}</c> alike: leading slash, no trailing slash, no route constraints.</summary>
    private static string Normalize(string route) => "/" + RouteConstraint().Replace(route, "{$1}").Trim('/');

    [GeneratedRegex(@"\{\*{0,2}([^}:=?]+)[^}]*\}")]
    private static partial Regex RouteConstraint();
}
