using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using PinOrleans.Gateway.Endpoints;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// The admin API (<c>/pinorleans/v1/admin</c>): HTTP Basic credentials from configuration (401 with a challenge
/// without them, 404 when no password is configured), tenants created, listed, shown, changed and given a new
/// secret, and every session of an account ended.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminApiTests(ClusterFixture fixture)
{
    public const string AdminUser = "operator";
    public const string AdminPassword = "admin-test-password-7f3a";
    private const string Tenants = "/pinorleans/v1/admin/tenants";

    private readonly Api _api = new(fixture.AdminGateway.CreateClient());

    /// <summary>
    /// The real gateway with an administrator configured and no tenant cache (and room for the many refused
    /// credentials these tests send from the test server's one address).
    /// </summary>
    public static GatewayFactory AdminGateway(ClusterFixture fixture, int maxFailures = 1000) => new(fixture, web => web
        .UseSetting("Admin:UserName", AdminUser)
        .UseSetting("Admin:Password", AdminPassword)
        .UseSetting("Admin:MaxFailures", maxFailures.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .UseSetting("Gateway:TenantCacheSeconds", "0"));

    private static Dictionary<string, string> Basic(string user, string password) =>
        new() { ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")) };

    private static Dictionary<string, string> Admin => Basic(AdminUser, AdminPassword);

    private Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? body = null) =>
        _api.SendAsync(method, Tenants + path, body, headers: Admin);

    private async Task<JsonElement> CreateTenantAsync(string body) =>
        await Api.ExpectAsync(await AdminAsync(HttpMethod.Post, "", body), HttpStatusCode.OK);

    private Task<HttpResponseMessage> OwnSettingsAsync(string apiKey, string secret) =>
        _api.SendAsync(HttpMethod.Get, $"/pinorleans/v1/tenant/settings?apikey={apiKey}", headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = secret });

    [Fact]
    public async Task Without_the_administrators_credentials_every_route_answers_401_with_a_basic_challenge()
    {
        var tenant = await fixture.NewTenantAsync();
        var refusals = new Dictionary<string, string>?[]
        {
            null,
            Basic(AdminUser, "wrong-password"),
            Basic("admin", AdminPassword),
            Basic(AdminUser, AdminPassword + "x"),
            new() { ["Authorization"] = "Basic not-base64!" },
            new() { ["Authorization"] = "Bearer " + AdminPassword },
        };
        var routes = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, ""),
            (HttpMethod.Post, ""),
            (HttpMethod.Get, "/" + tenant.ApiKey),
            (HttpMethod.Put, $"/{tenant.ApiKey}/settings"),
            (HttpMethod.Post, $"/{tenant.ApiKey}/secret"),
            (HttpMethod.Post, $"/{tenant.ApiKey}/accounts/{Guid.NewGuid():N}/sessions/revoke"),
        };
        foreach (var headers in refusals)
        {
            foreach (var (method, path) in routes)
            {
                var response = await _api.SendAsync(method, Tenants + path, method == HttpMethod.Get ? null : """{"Name":"Intruder"}""", headers: headers);
                var error = await Api.ExpectErrorAsync(response, 401, 401);
                Assert.Equal("Basic realm=\"PinOrleans\"", response.Headers.WwwAuthenticate.Single().ToString());
                Assert.Equal("Administrator credentials are required", error.GetProperty("Message").GetString());
            }
        }

        // The tenant's own secret did not change, and no tenant named Intruder was made.
        Assert.Equal(HttpStatusCode.OK, (await OwnSettingsAsync(tenant.ApiKey, tenant.ApiSecret)).StatusCode);
        var list = await Api.ExpectAsync(await AdminAsync(HttpMethod.Get, ""), HttpStatusCode.OK);
        Assert.DoesNotContain(list.GetProperty("Data").EnumerateArray(), t => t.GetProperty("Name").GetString() == "Intruder");
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(AdminPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Guessing_the_administrators_password_is_cut_off_with_429_before_credentials_are_checked()
    {
        await using var gateway = AdminGateway(fixture, maxFailures: 3);
        var api = new Api(gateway.CreateClient());
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await api.SendAsync(HttpMethod.Get, Tenants, headers: Basic(AdminUser, $"guess-{i}")), 401, 401);
        }

        var cut = await api.SendAsync(HttpMethod.Get, Tenants, headers: Basic(AdminUser, "guess-3"));
        await Api.ExpectErrorAsync(cut, 429, 429);
        Assert.InRange(int.Parse(cut.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 300);
        // Even the right password waits out the window from that address: a guess that happens to be right gains nothing.
        await Api.ExpectErrorAsync(await api.SendAsync(HttpMethod.Get, Tenants, headers: Admin), 429, 429);
        // The rest of the gateway is untouched.
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_password_the_admin_api_does_not_exist()
    {
        // The fixture's gateway has no Admin settings.
        var response = await fixture.Api.SendAsync(HttpMethod.Get, Tenants, headers: Basic("admin", ""));
        await Api.ExpectErrorAsync(response, 404, 404);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task A_tenant_is_created_with_a_secret_shown_once_then_listed_shown_and_changed()
    {
        var apiKey = Guid.NewGuid().ToString("D");
        var created = await CreateTenantAsync("""
            {"Name":"Shop","ApiKey":"KEY",
             "Settings":{"Lockout":{"MaxFailedAttempts":3,"Type":"Captcha"},"BotProtection":{"Provider":"ReCaptchaV2","Secret":"s3cret-value"}}}
            """.Replace("KEY", apiKey.ToUpperInvariant(), StringComparison.Ordinal));
        Assert.Equal(apiKey, created.GetProperty("ApiKey").GetString());
        Assert.Equal("Shop", created.GetProperty("Name").GetString());
        var secret = created.GetProperty("ApiSecret").GetString()!;
        Assert.True(Guid.TryParse(secret, out _));
        Assert.Equal(HttpStatusCode.OK, (await OwnSettingsAsync(apiKey, secret)).StatusCode);

        var list = await Api.ExpectAsync(await AdminAsync(HttpMethod.Get, ""), HttpStatusCode.OK);
        var entry = list.GetProperty("Data").EnumerateArray().Single(t => t.GetProperty("ApiKey").GetString() == apiKey);
        Assert.Equal("Shop", entry.GetProperty("Name").GetString());
        Assert.InRange(entry.GetProperty("CreatedDate").GetDateTimeOffset(), fixture.Clock.GetUtcNow().AddMinutes(-1), fixture.Clock.GetUtcNow().AddMinutes(1));
        Assert.Equal(list.GetProperty("Data").GetArrayLength(), list.GetProperty("Count").GetInt32());

        var shown = await Api.ExpectAsync(await AdminAsync(HttpMethod.Get, "/" + apiKey), HttpStatusCode.OK);
        Assert.Equal("Shop", shown.GetProperty("Name").GetString());
        Assert.Equal(entry.GetProperty("CreatedDate").GetString(), shown.GetProperty("CreatedDate").GetString());
        Assert.Equal(3, shown.GetProperty("Settings").GetProperty("Lockout").GetProperty("MaxFailedAttempts").GetInt32());
        Assert.Equal("********", shown.GetProperty("Settings").GetProperty("BotProtection").GetProperty("Secret").GetString());
        Assert.DoesNotContain(secret, shown.GetRawText(), StringComparison.Ordinal);
        Assert.False(shown.TryGetProperty("ApiSecret", out _));

        var changed = await Api.ExpectAsync(await AdminAsync(HttpMethod.Put, $"/{apiKey}/settings", """{"Lockout":{"MaxFailedAttempts":4,"Type":"Suspend"}}"""), HttpStatusCode.OK);
        Assert.Equal(4, changed.GetProperty("Lockout").GetProperty("MaxFailedAttempts").GetInt32());
        Assert.Equal("Suspend", changed.GetProperty("Lockout").GetProperty("Type").GetString());
        Assert.Equal("********", changed.GetProperty("BotProtection").GetProperty("Secret").GetString());
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Put, $"/{apiKey}/settings", """{"Lockout":{"Nope":1}}"""), 403, 1134);
        var own = await Api.ExpectAsync(await OwnSettingsAsync(apiKey, secret), HttpStatusCode.OK);
        Assert.Equal(4, own.GetProperty("Lockout").GetProperty("MaxFailedAttempts").GetInt32());
    }

    [Fact]
    public async Task Tenants_made_elsewhere_are_listed_too()
    {
        var tenant = await fixture.NewTenantAsync();
        var list = await Api.ExpectAsync(await AdminAsync(HttpMethod.Get, ""), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("Data").EnumerateArray(), t => t.GetProperty("ApiKey").GetString() == tenant.ApiKey && t.GetProperty("Name").GetString() == "Test");
    }

    [Fact]
    public async Task Bad_creations_and_unknown_tenants_are_refused_in_loginradius_shape()
    {
        var existing = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", $$"""{"Name":"Again","ApiKey":"{{existing.ApiKey}}"}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", """{"Name":"Bad key","ApiKey":"not-a-guid"}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", """{"ApiKey":null}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", """{"Name":"Bad","Settings":{"Lockout":{"Type":"Captcha"}}}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", """{"Name":"Bad","Settings":{"Unknown":true}}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", """{"Name":"Bad","Settings":[1]}"""), 403, 1134);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, "", "[]"), 400, 965);
        Assert.Equal(HttpStatusCode.OK, (await OwnSettingsAsync(existing.ApiKey, existing.ApiSecret)).StatusCode);

        var unknown = Guid.NewGuid().ToString("D");
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Get, "/" + unknown), 403, 901);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Get, "/not-a-key"), 403, 901);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Put, $"/{unknown}/settings", "{}"), 403, 901);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, $"/{unknown}/secret"), 403, 901);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, $"/{unknown}/accounts/{Guid.NewGuid():N}/sessions/revoke"), 403, 901);
    }

    [Fact]
    public async Task A_new_secret_works_at_once_and_the_old_one_is_refused()
    {
        var created = await CreateTenantAsync("""{"Name":"Rotating","Settings":{"Pin":{"MinLength":6}}}""");
        var apiKey = created.GetProperty("ApiKey").GetString()!;
        var old = created.GetProperty("ApiSecret").GetString()!;

        var rotated = await Api.ExpectAsync(await AdminAsync(HttpMethod.Post, $"/{apiKey}/secret"), HttpStatusCode.OK);
        Assert.Equal(apiKey, rotated.GetProperty("ApiKey").GetString());
        var fresh = rotated.GetProperty("ApiSecret").GetString()!;
        Assert.NotEqual(old, fresh);

        await Api.ExpectErrorAsync(await OwnSettingsAsync(apiKey, old), 401, 902);
        var own = await Api.ExpectAsync(await OwnSettingsAsync(apiKey, fresh), HttpStatusCode.OK);
        Assert.Equal(6, own.GetProperty("Pin").GetProperty("MinLength").GetInt32());
        var shown = await Api.ExpectAsync(await AdminAsync(HttpMethod.Get, "/" + apiKey), HttpStatusCode.OK);
        Assert.Equal("Rotating", shown.GetProperty("Name").GetString());
        Assert.Equal("no-store", (await AdminAsync(HttpMethod.Post, $"/{apiKey}/secret")).Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task The_guard_answers_before_a_body_is_read_and_settings_patches_take_any_json_type()
    {
        var tenant = await fixture.NewTenantAsync();
        var bodies = new (string Body, string ContentType)[] { ("{", "application/json"), ("""{"Name":"Intruder"}""", "text/plain"), ("[]", "application/merge-patch+json") };
        foreach (var (body, contentType) in bodies)
        {
            // Without credentials: 401, whatever the body; without an administrator password configured: 404.
            var refused = await _api.SendAsync(HttpMethod.Post, Tenants, body, contentType);
            await Api.ExpectErrorAsync(refused, 401, 401);
            Assert.Equal("Basic realm=\"PinOrleans\"", refused.Headers.WwwAuthenticate.Single().ToString());
            await Api.ExpectErrorAsync(await fixture.Api.SendAsync(HttpMethod.Put, $"{Tenants}/{tenant.ApiKey}/settings", body, contentType, headers: Admin), 404, 404);
        }

        // With them, the body's own codes.
        await Api.ExpectErrorAsync(await _api.SendAsync(HttpMethod.Post, Tenants, "{", headers: Admin), 400, 965);
        await Api.ExpectErrorAsync(await _api.SendAsync(HttpMethod.Put, $"{Tenants}/{tenant.ApiKey}/settings", """{"Pin":{"MinLength":5}}""", "text/plain", headers: Admin), 415, 1083);
        foreach (var (contentType, minLength) in new[] { ("application/merge-patch+json", 5), ("application/json; charset=utf-8", 6), ("application/vnd.example+json", 7) })
        {
            var changed = await Api.ExpectAsync(await _api.SendAsync(HttpMethod.Put, $"{Tenants}/{tenant.ApiKey}/settings", $$$"""{"Pin":{"MinLength":{{{minLength}}}}}""", contentType, headers: Admin), HttpStatusCode.OK);
            Assert.Equal(minLength, changed.GetProperty("Pin").GetProperty("MinLength").GetInt32());
        }

        var own = await _api.SendAsync(HttpMethod.Put, $"/pinorleans/v1/tenant/settings?apikey={tenant.ApiKey}", """{"Pin":{"MinLength":5}}""", "application/merge-patch+json",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret });
        Assert.Equal(5, (await Api.ExpectAsync(own, HttpStatusCode.OK)).GetProperty("Pin").GetProperty("MinLength").GetInt32());
    }

    [Fact]
    public async Task Revoking_an_accounts_sessions_ends_its_pin_sessions_and_tokens()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, uid, login) = await _api.NewLoggedInAccountAsync(tenant);
        var session = login.GetProperty("session_token").GetString()!;
        var access = login.GetProperty("access_token").GetString()!;
        await Api.ExpectAsync(await _api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);

        var revoked = await Api.ExpectAsync(await AdminAsync(HttpMethod.Post, $"/{tenant.ApiKey}/accounts/{uid}/sessions/revoke"), HttpStatusCode.OK);
        Assert.True(revoked.GetProperty("IsPosted").GetBoolean());

        await Api.ExpectErrorAsync(await _api.PinLoginAsync(tenant, session, "7890"), 403, 1245);
        await Api.ExpectErrorAsync(await _api.Http.GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={access}"), 403, 905);
        var again = await _api.LoginAsync(tenant, email);
        await Api.ExpectAsync(await _api.PinLoginAsync(tenant, again.GetProperty("session_token").GetString()!, "7890"), HttpStatusCode.OK);

        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, $"/{tenant.ApiKey}/accounts/{Guid.NewGuid():N}/sessions/revoke"), 403, 938);
        await Api.ExpectErrorAsync(await AdminAsync(HttpMethod.Post, $"/{tenant.ApiKey}/accounts/not%20a%20uid/sessions/revoke"), 403, 1200);
    }

    [Fact]
    public async Task RequireAdmin_guards_any_endpoint_and_group()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration["Admin:Password"] = AdminPassword;
        await using var app = builder.Build();
        app.MapGet("/handler", () => "handler").RequireAdmin();
        app.MapGet("/delegate", (RequestDelegate)(context => context.Response.WriteAsync("delegate"))).RequireAdmin();
        app.MapGroup("/group").RequireAdmin().MapGet("/inner", () => "inner");
        app.MapGet("/open", () => "open");
        await app.StartAsync();
        using var client = app.GetTestClient();

        foreach (var path in new[] { "/handler", "/delegate", "/group/inner" })
        {
            var refused = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic realm=\"PinOrleans\"", refused.Headers.WwwAuthenticate.Single().ToString());
            Assert.Equal(401, JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("ErrorCode").GetInt32());

            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + AdminPassword)));
            var allowed = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(path.Split('/')[^1], await allowed.Content.ReadAsStringAsync());
        }

        Assert.Equal("open", await client.GetStringAsync("/open"));
        await app.StopAsync();
    }
}
