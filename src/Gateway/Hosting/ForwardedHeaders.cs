using System.Net;
using PinOrleans.Gateway.Wire;

namespace PinOrleans.Gateway.Hosting;

/// <summary>Whose <c>X-Origin-IP</c> (the end user's address, as LoginRadius' server SDKs forward it) is believed.</summary>
public enum OriginIpTrust
{
    /// <summary>
    /// The default: callers in <c>KnownProxies</c> / <c>KnownNetworks</c> (your proxies and backends), and requests that
    /// carry the tenant's API secret (a customer's backend forwarding its user's address, as the server SDKs do).
    /// </summary>
    KnownProxiesOrApiSecret,

    /// <summary>Only callers in <c>KnownProxies</c> / <c>KnownNetworks</c>; the API secret is not enough.</summary>
    KnownProxies,

    /// <summary>Nobody's: the address is the connection's (or the proxy's <c>X-Forwarded-For</c>).</summary>
    None,

    /// <summary>Anyone's (LoginRadius' behaviour): only safe when nothing but your backends can reach the gateway.</summary>
    Any,
}

/// <summary>
/// <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> are believed only from the proxies named in configuration
/// (<c>ForwardedHeaders:KnownProxies</c>: addresses, <c>ForwardedHeaders:KnownNetworks</c>: CIDR ranges). Nothing
/// configured: the headers are ignored, loopback included. <c>X-Origin-IP</c> is believed as
/// <c>ForwardedHeaders:OriginIpFrom</c> says (<see cref="OriginIpTrust"/>, by default only from those proxies or with
/// the API secret); where it is not, it is removed before anything reads it (rate limits per client, captcha
/// verification), so a caller cannot escape its per-IP limit by naming a new address on every request.
/// </summary>
public static class ForwardedHeaders
{
    public const string Section = "ForwardedHeaders";
    public const string OriginIpHeader = "X-Origin-IP";

    public static WebApplication UseConfiguredForwardedHeaders(this WebApplication app)
    {
        var section = app.Configuration.GetSection(Section);
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        var originIp = section.GetValue("OriginIpFrom", OriginIpTrust.KnownProxiesOrApiSecret);
        if (originIp != OriginIpTrust.Any)
        {
            // Decided on the socket's own address, before X-Forwarded-For replaces it.
            var trusted = proxies.Select(p => IPAddress.Parse(p.Trim())).ToHashSet();
            var trustedNetworks = networks.Select(n => System.Net.IPNetwork.Parse(n.Trim())).ToList();
            app.Use(async (context, next) =>
            {
                if (context.Request.Headers.ContainsKey(OriginIpHeader))
                {
                    var caller = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
                    var believed = originIp != OriginIpTrust.None
                        && ((caller is not null && (trusted.Contains(caller) || trustedNetworks.Any(n => n.Contains(caller))))
                            || (originIp == OriginIpTrust.KnownProxiesOrApiSecret && await CarriesApiSecretAsync(context)));
                    if (!believed)
                    {
                        context.Request.Headers.Remove(OriginIpHeader);
                    }
                }

                await next(context);
            });
        }

        if (proxies.Length == 0 && networks.Length == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        }

        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));
        }

        app.UseForwardedHeaders(options);
        return app;
    }

    /// <summary>
    /// Whether the request carries its tenant's API secret (<c>X-LoginRadius-ApiSecret</c> or <c>apisecret</c>, with the
    /// API key where the routes read it), checked as management routes check it, through <see cref="TenantCache"/>.
    /// Anything missing, malformed or failing counts as no.
    /// </summary>
    private static async Task<bool> CarriesApiSecretAsync(HttpContext context)
    {
        var request = context.Request;
        var apiKey = ApiRequest.First(request.Query["apikey"]) ?? ApiRequest.First(request.Headers["X-LoginRadius-ApiKey"]);
        var secret = ApiRequest.First(request.Headers["X-LoginRadius-ApiSecret"]) ?? ApiRequest.First(request.Query["apisecret"]);
        if (secret is null || !Guid.TryParse(apiKey, out var key))
        {
            return false;
        }

        try
        {
            return await context.RequestServices.GetRequiredService<TenantCache>()
                .SecretMatchesAsync(key.ToString("D"), new Sensitive(secret), context.RequestServices.GetRequiredService<IGrainFactory>());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The cluster is unreachable: the request itself will say so; its address is the connection's meanwhile.
            return false;
        }
    }
}
