using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Limits per API key and per client IP: over them, HTTP 429 in LoginRadius' shape with Retry-After, then recovery.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(ClusterFixture fixture)
{
    private static string Validate(TestTenant tenant) =>
        $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={Guid.NewGuid()}";

    [Fact]
    public async Task Over_the_api_key_limit_answers_429_with_retry_after_and_recovers()
    {
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerApiKey:PermitLimit", "3")
            .UseSetting("RateLimiting:PerApiKey:WindowSeconds", "2"));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();

        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await api.Http.GetAsync(Validate(tenant)), 403, 905);
        }

        var refused = await api.Http.GetAsync(Validate(tenant));
        var error = await Api.ExpectErrorAsync(refused, 429, 429);
        Assert.Equal("Too many requests in a particular time frame", error.GetProperty("Message").GetString());
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 2);
        await Api.ExpectErrorAsync(await api.Http.GetAsync(Validate(other)), 403, 905);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/health/live")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        await Api.ExpectErrorAsync(await api.Http.GetAsync(Validate(tenant)), 403, 905);
    }

    [Fact]
    public async Task The_client_ip_is_the_origin_ip_the_sdk_forwards_or_the_connection()
    {
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerIp:PermitLimit", "2")
            .UseSetting("RateLimiting:PerIp:WindowSeconds", "60"));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        Task<HttpResponseMessage> From(string ip) => api.SendAsync(HttpMethod.Get, Validate(tenant), headers: new Dictionary<string, string> { ["X-Origin-IP"] = ip });

        await Api.ExpectErrorAsync(await From("203.0.113.7"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.7"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.7"), 429, 429);
        await Api.ExpectErrorAsync(await From("198.51.100.9"), 403, 905);
    }

    [Theory]
    [InlineData("None", "10.0.0.5", false)]
    [InlineData("KnownProxies", "192.0.2.44", false)]
    [InlineData("KnownProxies", "10.0.0.5", true)]
    [InlineData("KnownProxies", "10.1.2.3", true)]
    public async Task Where_origin_ips_are_not_believed_a_caller_cannot_escape_its_limit_by_naming_other_addresses(string trust, string caller, bool believed)
    {
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerIp:PermitLimit", "2")
            .UseSetting("RateLimiting:PerIp:WindowSeconds", "60")
            .UseSetting("ForwardedHeaders:OriginIpFrom", trust)
            .UseSetting("ForwardedHeaders:KnownProxies:0", "10.0.0.5")
            .UseSetting("ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16")
            .ConfigureServices(services => services.AddTransient<IStartupFilter>(_ => new ConnectionFrom(IPAddress.Parse(caller)))));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        Task<HttpResponseMessage> From(string ip) => api.SendAsync(HttpMethod.Get, Validate(tenant), headers: new Dictionary<string, string> { ["X-Origin-IP"] = ip });

        await Api.ExpectErrorAsync(await From("203.0.113.1"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.2"), 403, 905);
        // Believed: each named address has its own count. Not believed: all three are the caller's connection.
        await Api.ExpectErrorAsync(await From("203.0.113.3"), believed ? 403 : 429, believed ? 905 : 429);
    }

    /// <summary>Requests arrive from <paramref name="address"/> (the test server has no sockets).</summary>
    private sealed class ConnectionFrom(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = address;
                return following(context);
            });
            next(app);
        };
    }
}
