using System.Net;

namespace PinOrleans.Tenants;

/// <summary>
/// Which pages a link in an e-mail or SMS may open (LoginRadius' whitelisted domains): a URL a caller passes
/// (<c>resetpinurl</c>, and later <c>verificationurl</c> and welcome links) is used only when it is well formed and
/// its origin (scheme, host, port) is a tenant default page's or on the tenant's <c>AllowedDomains</c>. Every route
/// that puts a caller's URL into a message resolves it here.
/// </summary>
/// <remarks>
/// A URL: absolute <c>https://</c> (plain <c>http://</c> only for a loopback host: <c>localhost</c>, 127.0.0.0/8,
/// <c>[::1]</c>), no user info, no backslash, space or control character, at most <see cref="MaxUrlLength"/>
/// characters. An <c>AllowedDomains</c> entry is an origin without path: <c>app.example.com</c> (https, port 443),
/// <c>app.example.com:8443</c>, <c>https://app.example.com[:port]</c>, or <c>*.example.com</c> (any subdomain at any
/// depth, not example.com itself; <c>*.com</c> is refused). An entry without scheme for a loopback host allows http
/// and https. Hosts compare case-insensitively, international names in their punycode form, a trailing dot ignored.
/// </remarks>
public static class AllowedLinks
{
    public const int MaxUrlLength = 2048;
    public const int MaxEntries = 100;

    /// <summary>The origin a link may open: scheme (null: https, and http too for a loopback host), host, port (null: the scheme's default).</summary>
    private readonly record struct Origin(string? Scheme, string Host, bool Wildcard, int? Port)
    {
        public bool Matches(Uri link)
        {
            var host = HostOf(link);
            var scheme = Scheme ?? (link.Scheme == Uri.UriSchemeHttps || IsLoopback(link) ? link.Scheme : Uri.UriSchemeHttps);
            return scheme == link.Scheme
                && (Port ?? (scheme == Uri.UriSchemeHttps ? 443 : 80)) == link.Port
                && (Wildcard ? host.EndsWith("." + Host, StringComparison.Ordinal) : host == Host);
        }
    }

    /// <summary>
    /// The page a link opens: <paramref name="requested"/> when the caller named one, else <paramref name="defaultPage"/>.
    /// Refused (null page, and why) when it is malformed or its origin is neither the default page's nor allowed.
    /// </summary>
    public static (Uri? Page, string? Refusal) Resolve(string? requested, string? defaultPage, IReadOnlyCollection<string> allowedDomains)
    {
        var given = string.IsNullOrEmpty(requested) ? defaultPage : requested;
        if (UrlProblem(given, out var page) is { } problem)
        {
            return (null, problem);
        }

        var defaults = UrlProblem(defaultPage, out var home) is null ? [new Origin(home!.Scheme, HostOf(home), false, home.Port)] : Array.Empty<Origin>();
        var allowed = defaults.Concat(allowedDomains.Select(e => EntryProblem(e, out var origin) is null ? origin : (Origin?)null).OfType<Origin>());
        return allowed.Any(o => o.Matches(page!))
            ? (page, null)
            : (null, $"origin {page!.GetLeftPart(UriPartial.Authority)} is not on AllowedDomains");
    }

    /// <summary>Why the tenant's own pages and allowlist cannot be used, naming the setting; or null.</summary>
    public static string? SettingsProblem(IReadOnlyCollection<string> allowedDomains, params (string Setting, string? Url)[] defaultPages)
    {
        if (allowedDomains.Count > MaxEntries)
        {
            return $"AllowedDomains: at most {MaxEntries} entries.";
        }

        foreach (var entry in allowedDomains)
        {
            if (EntryProblem(entry, out _) is { } problem)
            {
                return $"AllowedDomains: '{entry}' {problem}.";
            }
        }

        foreach (var (setting, url) in defaultPages)
        {
            if (url is not null && UrlProblem(url, out _) is { } problem)
            {
                return $"{setting}: {problem}.";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="text"/> cannot be a link's page (whatever its origin), or null and the page.</summary>
    public static string? UrlProblem(string? text, out Uri? page)
    {
        page = null;
        if (string.IsNullOrEmpty(text))
        {
            return "is missing";
        }

        if (text.Length > MaxUrlLength)
        {
            return $"is longer than {MaxUrlLength} characters";
        }

        if (text.Any(c => c <= ' ' || c == '\\' || char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "may not contain spaces, control characters or backslashes";
        }

        // The scheme and "//" literally, so that "https:evil.com" or "https:/evil.com" is never read as a host.
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? text[..schemeEnd].ToLowerInvariant() : "";
        if (scheme is not ("https" or "http"))
        {
            return "must be an absolute https URL (http only for localhost, 127.0.0.0/8 or [::1])";
        }

        var start = schemeEnd + 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? text[start..] : text[start..end];
        if (authority.Contains('@') || authority.Contains('%'))
        {
            return "may not carry user info or an escaped host";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6)
            || HostOf(uri).Length == 0 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return "is not a valid absolute URL";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
        {
            return "must use https (plain http only for localhost, 127.0.0.0/8 or [::1])";
        }

        page = uri;
        return null;
    }

    /// <summary>Why <paramref name="entry"/> is not an allowlist entry, or null and the origin it allows.</summary>
    private static string? EntryProblem(string? entry, out Origin origin)
    {
        origin = default;
        var text = entry?.Trim() ?? "";
        const string form = "is not a host, origin or *.domain (no path, user info or other wildcard)";
        string? scheme = null;
        if (text.IndexOf("://", StringComparison.Ordinal) is var at and > 0)
        {
            scheme = text[..at].ToLowerInvariant();
            text = text[(at + 3)..];
            if (scheme is not ("https" or "http"))
            {
                return "must be https (http only for localhost, 127.0.0.0/8 or [::1])";
            }
        }

        text = text.EndsWith('/') ? text[..^1] : text;
        var wildcard = text.StartsWith("*.", StringComparison.Ordinal);
        text = wildcard ? text[2..] : text;
        if (text.Length == 0 || text.Any(c => c <= ' ' || c is '/' or '\\' or '?' or '#' or '@' or '%' or '*' || char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate($"{scheme ?? "https"}://{text}/", UriKind.Absolute, out var uri)
            || uri.HostNameType is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6) || HostOf(uri).Length == 0)
        {
            return form;
        }

        var host = HostOf(uri);
        if (wildcard && (uri.HostNameType != UriHostNameType.Dns || !host.Contains('.')))
        {
            return "may only widen a domain of at least two labels (*.example.com)";
        }

        if (scheme == Uri.UriSchemeHttp && (wildcard || !IsLoopback(uri)))
        {
            return "may use http only for localhost, 127.0.0.0/8 or [::1]";
        }

        origin = new Origin(scheme, host, wildcard, scheme is not null || !uri.IsDefaultPort ? uri.Port : null);
        return null;
    }

    /// <summary>The host as compared: punycode, lower case, without a trailing dot (IPv6 without brackets).</summary>
    private static string HostOf(Uri uri) => (uri.HostNameType == UriHostNameType.IPv6 ? uri.DnsSafeHost : uri.IdnHost).TrimEnd('.').ToLowerInvariant();

    private static bool IsLoopback(Uri uri) => uri.HostNameType == UriHostNameType.Dns
        ? HostOf(uri) == "localhost"
        : IPAddress.TryParse(HostOf(uri), out var address) && IPAddress.IsLoopback(address) && !address.IsIPv4MappedToIPv6;
}
