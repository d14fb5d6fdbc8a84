using System.Net;

namespace PinOrleans.Gateway.Hosting;

/// <summary>Whose <c>X-Origin-IP</c> (the end user's address, as LoginRadius' server SDKs forward it) is believed.</summary>
public enum OriginIpTrust
{
    /// <summary>Anyone's: right when only your backends reach the gateway (LoginRadius' own behaviour).</summary>
    Any,

    /// <summary>Only callers in <c>KnownProxies</c> / <c>KnownNetworks</c> (your backends): end users who reach the gateway directly cannot choose their address.</summary>
    KnownProxies,

    /// <summary>Nobody's: the address is the connection's (or the proxy's <c>X-Forwarded-For</c>).</summary>
    None,
}

/// <summary>
/// <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> are believed only from the proxies named in configuration
/// (<c>ForwardedHeaders:KnownProxies</c>: addresses, <c>ForwardedHeaders:KnownNetworks</c>: CIDR ranges). Nothing
/// configured: the headers are ignored, loopback included. <c>X-Origin-IP</c> is believed as
/// <c>ForwardedHeaders:OriginIpFrom</c> says (<see cref="OriginIpTrust"/>); where it is not, it is removed before
/// anything reads it (rate limits per client, captcha verification).
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
        var originIp = section.GetValue("OriginIpFrom", OriginIpTrust.Any);
        if (originIp != OriginIpTrust.Any)
        {
            // Decided on the socket's own address, before X-Forwarded-For replaces it.
            var trusted = proxies.Select(p => IPAddress.Parse(p.Trim())).ToHashSet();
            var trustedNetworks = networks.Select(n => System.Net.IPNetwork.Parse(n.Trim())).ToList();
            app.Use((context, next) =>
            {
                var caller = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
                var believed = originIp == OriginIpTrust.KnownProxies && caller is not null
                    && (trusted.Contains(caller) || trustedNetworks.Any(n => n.Contains(caller)));
                if (!believed)
                {
                    context.Request.Headers.Remove(OriginIpHeader);
                }

                return next(context);
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
}
