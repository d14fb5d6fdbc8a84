using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PinOrleans.Tenants;

namespace PinOrleans.Security;

/// <summary>
/// LoginRadius' API request signing, checked: the client sends <c>X-Request-Expires</c> (a UTC time) and
/// <c>digest: SHA-256=base64(HMAC-SHA256(key: API secret, expires + ":" + lower(encode(decode(url))) [+ ":" + body]))</c>
/// instead of the secret. Verified in constant time, bound to the expiry (not past, and at most
/// <see cref="MaxLifetime"/> ahead), to the URL as sent and to the exact body. A digest that binds no URL (the Node SDK
/// 11.7.0 hashes the text <c>undefined</c>) does not match any request and is refused.
/// </summary>
public static class RequestSignature
{
    public const string ExpiresHeader = "X-Request-Expires";
    public const string DigestHeader = "digest";
    private const string Scheme = "SHA-256=";

    /// <summary>How far the caller's clock may be behind ours when the request arrives.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The furthest ahead an expiry may be (the SDKs sign for 15 and 60 minutes), so that one captured request
    /// cannot be replayed for days; an expiry further ahead is malformed (1211).
    /// </summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromMinutes(60) + ClockSkew;

    /// <summary>The .NET SDK's and LoginRadius' documented <c>yyyy-M-d h:m:s tt</c>, and the Node SDK's <c>yyyy-MM-dd HH:mm:ss</c>.</summary>
    private static readonly string[] ExpiryFormats = ["yyyy-M-d h:m:s tt", "yyyy-M-d H:m:s", "yyyy/M/d h:m:s tt", "yyyy/M/d H:m:s"];

    /// <summary>
    /// Why <paramref name="request"/> is not signed with <paramref name="secret"/> at <paramref name="now"/>; null when
    /// it is. Without a secret (one set before it was kept sealed) nothing verifies: 1208 once the headers are sound.
    /// </summary>
    public static Problem? Check(string? secret, SignedRequest request, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(request.Expires) || string.IsNullOrWhiteSpace(request.Digest))
        {
            return new Problem(ErrorCode.RequestSignaturePartMissing);
        }

        var digest = request.Digest.Trim();
        if (!digest.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || !TryBase64(digest[Scheme.Length..], out var given) || given.Length != 32
            || !TryParseExpiry(request.Expires, out var expires) || expires - now > MaxLifetime)
        {
            return new Problem(ErrorCode.RequestSignatureMalformed);
        }

        if (now > expires + ClockSkew)
        {
            return new Problem(ErrorCode.RequestExpired);
        }

        if (string.IsNullOrEmpty(secret))
        {
            return new Problem(ErrorCode.RequestSignatureInvalid);
        }

        var key = Encoding.UTF8.GetBytes(secret);
        var matches = false;
        foreach (var url in request.Urls)
        {
            foreach (var canonical in (ReadOnlySpan<string>)[JavaScriptForm(url), DotNetForm(url)])
            {
                // Every form is computed and compared, whichever matched: the time taken says nothing.
                matches |= CryptographicOperations.FixedTimeEquals(given, HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Message(request.Expires.Trim(), canonical, request.Body))));
            }
        }

        return matches ? null : new Problem(ErrorCode.RequestSignatureInvalid);
    }

    /// <summary>The text a client signs: <c>expires:url</c>, and <c>:body</c> when there is a body.</summary>
    public static string Message(string expires, string canonicalUrl, string body) =>
        body.Length > 0 ? $"{expires}:{canonicalUrl}:{body}" : $"{expires}:{canonicalUrl}";

    /// <summary>The digest header value for a request, as a client computes it (tests and documentation).</summary>
    public static string Sign(string secret, string expires, string url, string body) =>
        Scheme + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(Message(expires, JavaScriptForm(url), body))));

    /// <summary>The Node SDK's form: <c>encodeURIComponent(decodeURIComponent(url)).toLowerCase()</c>.</summary>
    public static string JavaScriptForm(string url)
    {
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(url);
        }
        catch (UriFormatException)
        {
            decoded = url;
        }

        var encoded = new StringBuilder(decoded.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(decoded))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '!' or '~' or '*' or '\'' or '(' or ')')
            {
                encoded.Append(c);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString().ToLowerInvariant();
    }

    /// <summary>The .NET SDK's form: <c>HttpUtility.UrlEncode(HttpUtility.UrlDecode(url)).ToLower()</c>.</summary>
    public static string DotNetForm(string url) =>
        (System.Web.HttpUtility.UrlEncode(System.Web.HttpUtility.UrlDecode(url)) ?? "").ToLowerInvariant();

    private static bool TryParseExpiry(string text, out DateTimeOffset expires) =>
        DateTimeOffset.TryParseExact(text.Trim(), ExpiryFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out expires);

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[48];
        if (Convert.TryFromBase64String(text.Trim(), bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
