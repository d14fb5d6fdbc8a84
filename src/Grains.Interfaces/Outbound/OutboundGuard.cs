using System.Net;
using System.Net.Sockets;

namespace PinOrleans.Outbound;

/// <summary>
/// Where the service's own outbound calls (webhooks, captcha verification, SMS) may go: operator configuration
/// (section <c>Outbound</c> of the silo and the gateway), never a tenant setting. By default only public addresses
/// over https.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Outbound";

    /// <summary>Development only: every address may be reached, loopback and private networks included.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Internal ranges the operator's own services live in (CIDR, e.g. <c>10.20.0.0/16</c>, <c>127.0.0.1/32</c>): they
    /// may be reached although not public, and over plain http.
    /// </summary>
    public List<string> TrustedNetworks { get; set; } = [];

    /// <summary>Plain http to any address that may be reached (development only); otherwise only to <see cref="TrustedNetworks"/>.</summary>
    public bool AllowHttp { get; set; }
}

/// <summary>
/// The one guard every outbound <see cref="HttpClient"/> connects through: its handler resolves the host itself,
/// keeps only the addresses that may be reached (<see cref="IsPublic"/>, or the operator's trusted networks), connects
/// to exactly those (no second lookup, so no DNS rebinding window), refuses plain http outside trusted networks, and
/// follows no redirect.
/// </summary>
public sealed class OutboundGuard
{
    /// <summary>Resolves a host name to its addresses (tests substitute one).</summary>
    public delegate Task<IPAddress[]> Resolver(string host, CancellationToken cancellation);

    /// <summary>A guard that lets everything through: for checking a URL's form only.</summary>
    public static readonly OutboundGuard AnyTarget = new(new OutboundOptions { AllowPrivateNetworks = true, AllowHttp = true });

    private readonly OutboundOptions _options;
    private readonly IPNetwork[] _trusted;
    private readonly Resolver _resolve;

    public OutboundGuard(OutboundOptions options, Resolver? resolve = null)
    {
        _options = options;
        _trusted = options.TrustedNetworks.Where(n => !string.IsNullOrWhiteSpace(n))
            .Select(n => IPNetwork.TryParse(n.Trim(), out var network) ? network : throw new ArgumentException($"Outbound:TrustedNetworks: '{n}' is not a CIDR range."))
            .ToArray();
        _resolve = resolve ?? ((host, cancellation) => Dns.GetHostAddressesAsync(host, cancellation));
    }

    /// <summary>Public addresses, the trusted networks, or anything when private networks are allowed.</summary>
    public bool MayReach(IPAddress address) => _options.AllowPrivateNetworks || IsPublic(address) || IsTrusted(address);

    private bool IsTrusted(IPAddress address)
    {
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _trusted.Any(n => n.Contains(address) || n.Contains(v4));
    }

    /// <summary>
    /// Why a URL a tenant names (a webhook target) may not be used, or null: absolute https (plain http only to a
    /// trusted network's literal address, or with <see cref="OutboundOptions.AllowHttp"/>), no credentials or
    /// fragment, and no literal address or internal name that may not be reached. Names are checked again on the
    /// address they resolve to when connecting.
    /// </summary>
    public string? Refusal(string? url)
    {
        if (url is null || url.Length > 2000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return "The URL must be an absolute https URL.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "The URL may not carry credentials or a fragment.";
        }

        var host = uri.IdnHost.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        var literal = IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (uri.Scheme == "http" && !_options.AllowHttp && (literal is null || !IsTrusted(literal)))
        {
            return "The URL must use https (plain http only to the operator's Outbound:TrustedNetworks).";
        }

        var reachable = literal is not null ? MayReach(literal) : _options.AllowPrivateNetworks || !IsInternalName(host);
        return reachable ? null : "The URL points to a loopback, private or internal address (the operator's Outbound settings decide which may be reached).";
    }

    /// <summary>Names that are internal by definition: localhost, <c>.local</c>, <c>.internal</c>, <c>.localhost</c>, single labels.</summary>
    public static bool IsInternalName(string host)
    {
        var name = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        return name is "localhost" || name.EndsWith(".localhost", StringComparison.Ordinal) || name.EndsWith(".local", StringComparison.Ordinal)
            || name.EndsWith(".internal", StringComparison.Ordinal) || name.EndsWith(".home.arpa", StringComparison.Ordinal) || !name.Contains('.');
    }

    /// <summary>The primary handler of an outbound client: the connect-time check, no redirects, no cookies.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        // An environment proxy would resolve the target itself, after the guard checked only the proxy's address.
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };

    /// <summary>Resolves, keeps the addresses that may be reached, and connects to exactly those.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await _resolve(host, cancellation);
        var plainHttp = context.InitialRequestMessage.RequestUri?.Scheme == Uri.UriSchemeHttp && !_options.AllowHttp;
        var allowed = addresses.Where(a => plainHttp ? IsTrusted(a) : MayReach(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(plainHttp
                ? $"{context.DnsEndPoint.Host}: plain http only to the operator's trusted networks"
                : $"{context.DnsEndPoint.Host} resolves to no public address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="address"/> is a public unicast address. Not public: IPv4 0/8, 10/8, 100.64/10 (CGNAT),
    /// 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15, 198.51.100/24,
    /// 203.0.113/24, 224/4, 240/4; IPv6 outside 2000::/3 (loopback, unspecified, IPv4-compatible, NAT64 64:ff9b::/96
    /// and 64:ff9b:1::/48, discard 100::/64, ULA fc00::/7, link-local, site-local, multicast...), 2001::/23 (Teredo,
    /// benchmarking, ORCHID), 2001:db8::/32 and 3fff::/20 (documentation), and 6to4 2002::/16 around an address that
    /// is not public. IPv4-mapped addresses are judged by the IPv4 address they carry.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return !(b[0] is 0 or 10 or 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 192 && b[1] == 88 && b[2] == 99)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || (b[0] & 0xE0) != 0x20)
        {
            return false; // outside 2000::/3: nothing there is public unicast
        }

        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] <= 0x01 || (b[2] == 0x0D && b[3] == 0xB8)))
        {
            return false; // 2001::/23, 2001:db8::/32
        }

        if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0)
        {
            return false; // 3fff::/20
        }

        return b[0] != 0x20 || b[1] != 0x02 || IsPublic(new IPAddress(b.AsSpan(2, 4))); // 6to4 carries an IPv4 address
    }
}
