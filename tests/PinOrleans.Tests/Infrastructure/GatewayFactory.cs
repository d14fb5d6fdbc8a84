using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PinOrleans.Gateway.Hosting;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// The real gateway (its Program, middleware and endpoints) over the test cluster, co-hosted: its grain calls go
/// through the cluster's own client (in-process test silos listen on no sockets). <see cref="ClusterClientOptions"/>
/// stands in for the entry point because the silo's Program is also referenced.
/// </summary>
public sealed class GatewayFactory(ClusterFixture fixture, Action<IWebHostBuilder>? configure = null) : WebApplicationFactory<ClusterClientOptions>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Cluster:Clustering", "CoHosted");
        // Captcha providers that do not answer within a second count as unreachable (the default is three).
        builder.UseSetting("BotProtection:TimeoutSeconds", "1");
        // The captcha fakes on loopback: verify endpoints and the network they live in are operator settings.
        builder.UseSetting("BotProtection:ReCaptchaVerifyUrl", fixture.Captcha.ReCaptchaVerifyUrl);
        builder.UseSetting("BotProtection:HCaptchaVerifyUrl", fixture.Captcha.HCaptchaVerifyUrl);
        builder.UseSetting("BotProtection:TencentVerifyUrl", fixture.Captcha.TencentVerifyUrl);
        builder.UseSetting("Outbound:TrustedNetworks:0", "127.0.0.1/32");
        builder.ConfigureServices(services =>
        {
            services.AddSingleton<IClusterClient>(_ => fixture.Cluster.Client);
            services.AddSingleton<IGrainFactory>(_ => fixture.Cluster.Client);
            services.AddKeyedSingleton<TimeProvider>(ServiceClock.Key, fixture.Clock);
        });
        builder.ConfigureLogging(logging => logging.AddProvider(fixture.Logs));
        configure?.Invoke(builder);
    }
}

/// <summary>Calls the gateway the way LoginRadius clients do, and reads LoginRadius answers.</summary>
public sealed class Api(HttpClient http)
{
    public const string Password = "correct-horse-42";

    public HttpClient Http { get; } = http;

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, string? body = null, string contentType = "application/json", IDictionary<string, string>? headers = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostAsync(string url, object body, IDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, url, JsonSerializer.Serialize(body), headers: headers);

    /// <summary>Creates an account through the management API; returns the profile JSON.</summary>
    public async Task<JsonElement> CreateAccountAsync(TestTenant tenant, string email, string? pin = "7890", string password = Password)
    {
        object body = pin is null
            ? new { Email = new[] { new { Type = "Primary", Value = email } }, Password = password }
            : new { Email = new[] { new { Type = "Primary", Value = email } }, Password = password, PINInfo = new { PIN = pin } };
        var response = await PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}", body,
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret });
        return await ExpectAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Password login; returns the whole answer (Profile, tokens, session).</summary>
    public async Task<JsonElement> LoginAsync(TestTenant tenant, string email, string password = Password) =>
        await ExpectAsync(await PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password }), HttpStatusCode.OK);

    /// <summary>A fresh account (PIN 7890) and its password login.</summary>
    public async Task<(string Email, string Uid, JsonElement Login)> NewLoggedInAccountAsync(TestTenant tenant)
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        var uid = (await CreateAccountAsync(tenant, email)).GetProperty("Uid").GetString()!;
        return (email, uid, await LoginAsync(tenant, email));
    }

    /// <summary>A fresh account with a PIN and a PIN session token for it.</summary>
    public async Task<(string Email, string SessionToken)> AccountWithSessionAsync(TestTenant tenant, string? pin = "7890")
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        await CreateAccountAsync(tenant, email, pin);
        var login = await LoginAsync(tenant, email);
        return (email, login.GetProperty("session_token").GetString()!);
    }

    public Task<HttpResponseMessage> PinLoginAsync(TestTenant tenant, string sessionToken, string pin) =>
        PostAsync($"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={sessionToken}", new { pin });

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a complete LoginRadius error: status, code, and all five keys.</summary>
    public static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, int status, int errorCode)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected HTTP {status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var json = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(errorCode, json.GetProperty("ErrorCode").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("Description").GetString()));
        Assert.False(string.IsNullOrEmpty(json.GetProperty("Message").GetString()));
        Assert.False(json.GetProperty("IsProviderError").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ProviderErrorResponse").ValueKind);
        return json;
    }
}
