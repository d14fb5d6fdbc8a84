using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Browser;

/// <summary>
/// What a browser test needs besides the browser: the real gateway listening on a loopback port (Kestrel, as in
/// production), a tenant whose allowed domains are the gateway's own origin (so that e-mailed links open the hosted
/// page) and the application's, and that application: a loopback web app whose <c>/callback</c> is the
/// <c>return_url</c>, reads <c>token</c> from its query and asks the gateway whose it is, as an application's backend does.
/// </summary>
public sealed class HostedPageRig : IAsyncDisposable
{
    private readonly GatewayFactory _gateway;
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private HostedPageRig(GatewayFactory gateway, string gatewayUrl, WebApplication app, HttpClient http)
    {
        _gateway = gateway;
        GatewayUrl = gatewayUrl;
        _app = app;
        _http = http;
    }

    public string GatewayUrl { get; }

    public string AppUrl => LoopbackServer.BaseUrl(_app);

    public string CallbackUrl => AppUrl + "/callback";

    public TestTenant Tenant { get; private set; } = null!;

    /// <summary>Each token the application received, with the e-mail address the gateway said it belongs to (null: not a live token).</summary>
    public ConcurrentQueue<(string Token, string? Email)> Received { get; } = new();

    public static async Task<HostedPageRig> StartAsync(ClusterFixture fixture, TenantSettings settings)
    {
        var gateway = new GatewayFactory(fixture);
        gateway.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        gateway.StartServer();
        var gatewayUrl = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var http = new HttpClient { BaseAddress = new Uri(gatewayUrl) };

        var app = LoopbackServer.Create();
        HostedPageRig rig = null!;
        app.MapGet("/callback", (HttpContext context) => rig.CallbackAsync(context));
        await app.StartAsync();
        rig = new HostedPageRig(gateway, gatewayUrl, app, http);
        var origins = new[] { new Uri(gatewayUrl).Authority, new Uri(rig.AppUrl).Authority };
        rig.Tenant = await fixture.NewTenantAsync(settings with { AllowedDomains = [.. settings.AllowedDomains, .. origins] });
        return rig;
    }

    /// <summary>The hosted page's address for an action, returning to the application.</summary>
    public string PageUrl(string action, string? returnUrl = null) =>
        $"{GatewayUrl}/auth.aspx?action={action}&apikey={Tenant.ApiKey}&return_url={Uri.EscapeDataString(returnUrl ?? CallbackUrl)}";

    private async Task CallbackAsync(HttpContext context)
    {
        var token = context.Request.Query["token"].ToString();
        string? email = null;
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/identity/v2/auth/account?apikey={Tenant.ApiKey}"))
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request);
            if (response.IsSuccessStatusCode)
            {
                var profile = await response.Content.ReadFromJsonAsync<JsonElement>();
                email = profile.GetProperty("Email")[0].GetProperty("Value").GetString();
            }
        }

        Received.Enqueue((token, email));
        context.Response.ContentType = "text/html; charset=utf-8";
        var who = email is null ? "The token is not valid." : $"Signed in as {WebUtility.HtmlEncode(email)}";
        await context.Response.WriteAsync($"""
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Demo application</title></head>
            <body style="font-family: system-ui, sans-serif; margin: 3rem;"><main><h1>Demo application</h1><p id="who">{who}</p>
            <p>It read the token from <code>?token=</code> and asked PinOrleans whose it is (<code>GET /identity/v2/auth/account</code>).</p></main></body></html>
            """);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _gateway.DisposeAsync();
    }
}
