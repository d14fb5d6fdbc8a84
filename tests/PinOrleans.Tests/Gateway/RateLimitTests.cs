using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Limits per API key and per client IP: over them, HTTP 429 in LoginRadius' shape with Retry-After, then recovery.</summary>
[Collection(EdgeCollection.Name)]
public sealed class RateLimitTests(ClusterFixture fixture)
{
    private static string Validate(TestTenant tenant) =>
        $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}&access_token={Guid.NewGuid()}";

    /// <summary>
    /// ASP.NET Core's limiter keeps real time (it takes no <see cref="TimeProvider"/>), so this window is short and
    /// real; the test does not guess its timing: the first four requests must fall in one window, which starts with
    /// the key's first request (on a machine too busy for that, another key tries again), and recovery is waited for.
    /// </summary>
    [Fact]
    public async Task Over_the_api_key_limit_answers_429_with_retry_after_and_recovers()
    {
        var window = TimeSpan.FromSeconds(2);
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerApiKey:PermitLimit", "3")
            .UseSetting("RateLimiting:PerApiKey:WindowSeconds", window.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var api = new Api(gateway.CreateClient());
        var other = await fixture.NewTenantAsync();

        TestTenant tenant;
        List<HttpResponseMessage> answers;
        for (var round = 1; ; round++)
        {
            tenant = await fixture.NewTenantAsync();
            var started = Stopwatch.StartNew();
            answers = [];
            for (var i = 0; i < 4; i++)
            {
                answers.Add(await api.Http.GetAsync(Validate(tenant)));
            }

            if (started.Elapsed < window || round == 5)
            {
                break;
            }
        }

        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(answers[i], 403, 905);
        }

        var refused = answers[3];
        var error = await Api.ExpectErrorAsync(refused, 429, 429);
        Assert.Equal("Too many requests in a particular time frame", error.GetProperty("Message").GetString());
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 2);
        await Api.ExpectErrorAsync(await api.Http.GetAsync(Validate(other)), 403, 905);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync("/health/live")).StatusCode);

        // Refused until the window ends, then served again.
        var after = await Eventually.UntilAsync(() => api.Http.GetAsync(Validate(tenant)), r => r.StatusCode != HttpStatusCode.TooManyRequests, window * 5);
        await Api.ExpectErrorAsync(after, 403, 905);
    }

    [Fact]
    public async Task The_client_ip_is_the_origin_ip_the_sdk_forwards_or_the_connection()
    {
        // OriginIpFrom=Any (LoginRadius' behaviour, opt-in): everyone's X-Origin-IP is believed.
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerIp:PermitLimit", "2")
            .UseSetting("RateLimiting:PerIp:WindowSeconds", "60")
            .UseSetting("ForwardedHeaders:OriginIpFrom", "Any"));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        Task<HttpResponseMessage> From(string ip) => api.SendAsync(HttpMethod.Get, Validate(tenant), headers: new Dictionary<string, string> { ["X-Origin-IP"] = ip });

        await Api.ExpectErrorAsync(await From("203.0.113.7"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.7"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.7"), 429, 429);
        await Api.ExpectErrorAsync(await From("198.51.100.9"), 403, 905);
    }

    [Theory]
    [InlineData(null, "192.0.2.44", false, false)]
    [InlineData(null, "192.0.2.44", true, true)]
    [InlineData(null, "10.0.0.5", false, true)]
    [InlineData("KnownProxiesOrApiSecret", "192.0.2.44", false, false)]
    [InlineData("KnownProxiesOrApiSecret", "10.1.2.3", false, true)]
    [InlineData("KnownProxiesOrApiSecret", "192.0.2.44", true, true)]
    [InlineData("None", "10.0.0.5", false, false)]
    [InlineData("None", "192.0.2.44", true, false)]
    [InlineData("KnownProxies", "192.0.2.44", false, false)]
    [InlineData("KnownProxies", "192.0.2.44", true, false)]
    [InlineData("KnownProxies", "10.0.0.5", false, true)]
    [InlineData("KnownProxies", "10.1.2.3", false, true)]
    [InlineData("Any", "192.0.2.44", false, true)]
    public async Task Where_origin_ips_are_not_believed_a_caller_cannot_escape_its_limit_by_naming_other_addresses(string? trust, string caller, bool withSecret, bool believed)
    {
        // trust null: the default (known proxies, or the API secret).
        await using var gateway = new GatewayFactory(fixture, web =>
        {
            web.UseSetting("RateLimiting:PerIp:PermitLimit", "2")
                .UseSetting("RateLimiting:PerIp:WindowSeconds", "60")
                .UseSetting("ForwardedHeaders:KnownProxies:0", "10.0.0.5")
                .UseSetting("ForwardedHeaders:KnownNetworks:0", "10.1.0.0/16")
                .ConfigureServices(services => services.AddTransient<IStartupFilter>(_ => new ConnectionFrom(IPAddress.Parse(caller))));
            if (trust is not null)
            {
                web.UseSetting("ForwardedHeaders:OriginIpFrom", trust);
            }
        });
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        Task<HttpResponseMessage> From(string ip) => api.SendAsync(HttpMethod.Get, Validate(tenant), headers: withSecret
            ? new Dictionary<string, string> { ["X-Origin-IP"] = ip, ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }
            : new Dictionary<string, string> { ["X-Origin-IP"] = ip });

        await Api.ExpectErrorAsync(await From("203.0.113.1"), 403, 905);
        await Api.ExpectErrorAsync(await From("203.0.113.2"), 403, 905);
        // Believed: each named address has its own count. Not believed: all three are the caller's connection.
        await Api.ExpectErrorAsync(await From("203.0.113.3"), believed ? 403 : 429, believed ? 905 : 429);
    }

    [Fact]
    public async Task A_fresh_origin_ip_on_every_request_does_not_escape_the_limit_unless_the_right_api_secret_vouches_for_it()
    {
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:PerIp:PermitLimit", "3")
            .UseSetting("RateLimiting:PerIp:WindowSeconds", "60")
            .ConfigureServices(services => services.AddTransient<IStartupFilter>(_ => new ConnectionFrom(IPAddress.Parse("192.0.2.80")))));
        var api = new Api(gateway.CreateClient());
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var n = 0;
        Task<HttpResponseMessage> Fresh(string? secret, string? querySecret = null)
        {
            var headers = new Dictionary<string, string> { ["X-Origin-IP"] = $"198.51.100.{++n}" };
            if (secret is not null)
            {
                headers["X-LoginRadius-ApiSecret"] = secret;
            }

            var query = querySecret is null ? "" : "&apisecret=" + Uri.EscapeDataString(querySecret);
            return api.SendAsync(HttpMethod.Get, Validate(tenant) + query, headers: headers);
        }

        // A backend with its secret (header or query), forwarding a new user's address each time: each has its own count.
        for (var i = 0; i < 4; i++)
        {
            await Api.ExpectErrorAsync(await Fresh(tenant.ApiSecret), 403, 905);
        }

        await Api.ExpectErrorAsync(await Fresh(null, tenant.ApiSecret), 403, 905);
        // No secret, a wrong one, another tenant's: the address is the connection's, whose count runs out on the third.
        await Api.ExpectErrorAsync(await Fresh(null), 403, 905);
        await Api.ExpectErrorAsync(await Fresh("not-the-secret"), 403, 905);
        await Api.ExpectErrorAsync(await Fresh(other.ApiSecret), 403, 905);
        await Api.ExpectErrorAsync(await Fresh(null), 429, 429);
        await Api.ExpectErrorAsync(await Fresh("not-the-secret"), 429, 429);
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
