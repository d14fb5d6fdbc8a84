// Verifying a PinOrleans webhook in ASP.NET Core (read the raw body before parsing it):
//
//   app.MapPost("/hooks/login", async (HttpRequest request) =>
//   {
//       using var reader = new StreamReader(request.Body);
//       var body = await reader.ReadToEndAsync();
//       if (!WebhookSignature.IsValid(body, request.Headers["X-PinOrleans-Timestamp"], request.Headers["X-PinOrleans-Signature"],
//           signingKey, DateTimeOffset.UtcNow))
//       {
//           return Results.Unauthorized();
//       }
//
//       // De-duplicate by the payload's HookId (delivery is at least once, and a copy replayed inside the window
//       // carries the same HookId), then handle the event.
//       return Results.Ok();
//   });
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PinOrleans.Samples;

/// <summary>
/// PinOrleans signs each webhook delivery with the subscription's own signing key (shown once, in the answer that
/// created the subscription): <c>X-PinOrleans-Timestamp</c> is the Unix time in seconds of the attempt, and
/// <c>X-PinOrleans-Signature</c> the lower-case hex HMAC-SHA256 keyed with the UTF-8 signing key over
/// <c>timestamp + "." + rawBody</c>. Refuse deliveries whose timestamp is outside a replay window (five minutes here).
/// Subscriptions with <c>SignWithApiSecret</c> also carry LoginRadius' <c>signature</c> header (see <see cref="IsValidApiSecretSignature"/>).
/// </summary>
public static class WebhookSignature
{
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    public static string Compute(string signingKey, string timestamp, string rawBody) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(timestamp + "." + rawBody)));

    /// <summary>
    /// True when <paramref name="signature"/> signs <paramref name="timestamp"/> and the body with the key, compared in
    /// constant time, and the timestamp is within <paramref name="window"/> (default <see cref="ReplayWindow"/>) of <paramref name="now"/>.
    /// </summary>
    public static bool IsValid(string rawBody, string? timestamp, string? signature, string signingKey, DateTimeOffset now, TimeSpan? window = null)
    {
        if (!long.TryParse(timestamp?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > (window ?? ReplayWindow).TotalSeconds)
        {
            return false;
        }

        return HexEquals(signature, HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), Encoding.UTF8.GetBytes(timestamp!.Trim() + "." + rawBody)));
    }

    /// <summary>LoginRadius' <c>signature</c> header: upper-case hex HMAC-SHA256 keyed with the API secret over the body alone (no replay protection).</summary>
    public static string ComputeApiSecretSignature(string rawBody, string apiSecret) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(rawBody)));

    public static bool IsValidApiSecretSignature(string rawBody, string? signature, string apiSecret) =>
        HexEquals(signature, HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(rawBody)));

    private static bool HexEquals(string? signature, byte[] expected)
    {
        if (string.IsNullOrWhiteSpace(signature) || signature.Trim().Length != 64)
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Convert.FromHexString(signature.Trim()), expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
