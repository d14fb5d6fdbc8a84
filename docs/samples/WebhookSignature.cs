// Verifying a PinOrleans webhook in ASP.NET Core (read the raw body before parsing it):
//
//   app.MapPost("/hooks/login", async (HttpRequest request) =>
//   {
//       using var reader = new StreamReader(request.Body);
//       var body = await reader.ReadToEndAsync();
//       if (!WebhookSignature.IsValid(body, request.Headers["signature"], apiSecret))
//       {
//           return Results.Unauthorized();
//       }
//
//       // De-duplicate by the payload's HookId (delivery is at least once), then handle the event.
//       return Results.Ok();
//   });
using System.Security.Cryptography;
using System.Text;

namespace PinOrleans.Samples;

/// <summary>
/// PinOrleans (like LoginRadius) signs each webhook: the header <c>signature</c> is the upper-case hex of
/// HMAC-SHA256 keyed with the UTF-8 API secret over the raw request body.
/// </summary>
public static class WebhookSignature
{
    public static string Compute(string rawBody, string apiSecret) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(rawBody)));

    /// <summary>True when <paramref name="signature"/> (hex, any case) is the body's signature; compared in constant time.</summary>
    public static bool IsValid(string rawBody, string? signature, string apiSecret)
    {
        if (string.IsNullOrWhiteSpace(signature) || signature.Trim().Length != 64)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(signature.Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiSecret), Encoding.UTF8.GetBytes(rawBody));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
