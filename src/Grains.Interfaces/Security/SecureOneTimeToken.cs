using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PinOrleans.Tenants;

namespace PinOrleans.Security;

/// <summary>
/// LoginRadius' SOTT (Secure One-Time Token), made and checked exactly as the official SDKs make it
/// (Node <c>sdk/util/sott.js</c>, .NET <c>LoginRadiusSecureOneTimeToken</c>): the text
/// <c>start#apikey#end</c> (UTC, <c>yyyy/M/d H:mm:ss</c>) encrypted with AES-256-CBC under PBKDF2-SHA1(API secret,
/// eight zero bytes, 10000 rounds, 32 bytes) and the fixed IV <c>tu89geji340t89u2</c>, in base64, then <c>*</c> and
/// the MD5 (hex) of that base64 text. The primitives are LoginRadius' wire format, not a choice: the MD5 only catches
/// transport damage, what makes a SOTT unforgeable is that only the secret's holder can encrypt one that decrypts.
/// LoginRadius does not make a SOTT single-use (a mobile app ships one long-lived SOTT), so neither does this.
/// </summary>
[SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "LoginRadius' SOTT format: MD5 is its integrity check, not a security boundary.")]
[SuppressMessage("Security", "CA5379:Ensure Key Derivation Function algorithm is sufficiently strong", Justification = "LoginRadius' SOTT format fixes PBKDF2-SHA1.")]
[SuppressMessage("Security", "CA5401:Do not use CreateEncryptor with non-default IV", Justification = "LoginRadius' SOTT format fixes the IV.")]
public static class SecureOneTimeToken
{
    /// <summary>The header the SDKs send it in.</summary>
    public const string Header = "X-LoginRadius-Sott";

    /// <summary>Longer input is refused before any work (a real SOTT is about 150 characters).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// How far the caller's clock may be from ours at either end of the window: a SOTT is accepted from
    /// <c>start - ClockSkew</c> to <c>end + ClockSkew</c>. The SDKs read our time from <c>/identity/v2/serverinfo</c>.
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>The validity LoginRadius gives a SOTT when no time difference is asked for (10 minutes).</summary>
    public const int DefaultMinutes = 10;

    private const int Iterations = 10_000;
    private static readonly byte[] Salt = new byte[8];
    private static readonly byte[] InitVector = "tu89geji340t89u2"u8.ToArray();

    /// <summary>The format the Node SDK writes and <see cref="Make"/> writes (month, day and hour unpadded).</summary>
    public const string TimeFormat = "yyyy/M/d H:mm:ss";

    /// <summary>What is accepted: the Node SDK's, the .NET SDK's (<c>H:m:s</c>), and the dashes of LoginRadius' examples.</summary>
    private static readonly string[] TimeFormats = ["yyyy/M/d H:m:s", "yyyy-M-d H:m:s", "yyyy/M/d h:m:s tt", "yyyy-M-d h:m:s tt"];

    /// <summary>The AES key a secret gives: slow on purpose (10000 rounds), so callers keep it (the tenant grain does).</summary>
    public static byte[] DeriveKey(string apiSecret) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(apiSecret), Salt, Iterations, HashAlgorithmName.SHA1, 32);

    /// <summary>A SOTT for <paramref name="apiKey"/>, valid from <paramref name="start"/> to <paramref name="end"/>.</summary>
    public static string Make(byte[] key, string apiKey, DateTimeOffset start, DateTimeOffset end)
    {
        var plain = $"{Format(start)}#{apiKey}#{Format(end)}";
        using var aes = Aes.Create();
        aes.Key = key;
        var cipher = aes.EncryptCbc(Encoding.UTF8.GetBytes(plain), InitVector, PaddingMode.PKCS7);
        var text = Convert.ToBase64String(cipher);
        return text + "*" + Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(text)));
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Why <paramref name="token"/> is not a live SOTT of tenant <paramref name="apiKey"/> under <paramref name="key"/>
    /// at <paramref name="now"/>, or <see cref="SottRefusal.None"/>: in order, its shape and size, its MD5, that it
    /// decrypts under this tenant's key to <c>start#apikey#end</c>, that the API key is this tenant's, and the window.
    /// </summary>
    public static SottRefusal Check(byte[] key, string apiKey, string? token, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return SottRefusal.Missing;
        }

        token = token.Trim();
        var star = token.LastIndexOf('*');
        if (token.Length > MaxLength || star <= 0 || token.Length - star - 1 != 32)
        {
            return SottRefusal.Malformed;
        }

        var text = token[..star];
        byte[] cipher;
        byte[] digest;
        try
        {
            cipher = Convert.FromBase64String(text);
            digest = Convert.FromHexString(token.AsSpan(star + 1));
        }
        catch (FormatException)
        {
            return SottRefusal.Malformed;
        }

        if (cipher.Length == 0 || cipher.Length % 16 != 0 || !text.All(char.IsAscii))
        {
            return SottRefusal.Malformed;
        }

        if (!CryptographicOperations.FixedTimeEquals(digest, MD5.HashData(Encoding.ASCII.GetBytes(text))))
        {
            return SottRefusal.Tampered;
        }

        if (Open(key, cipher) is not { } plain)
        {
            return SottRefusal.Undecryptable;
        }

        var parts = plain.Split('#');
        if (parts.Length != 3 || !TryParse(parts[0], out var start) || !TryParse(parts[2], out var end) || !Guid.TryParse(parts[1], out var given))
        {
            return SottRefusal.Undecryptable;
        }

        if (!Guid.TryParse(apiKey, out var own) || given != own)
        {
            return SottRefusal.OtherTenant;
        }

        if (now < start - ClockSkew)
        {
            return SottRefusal.NotYetValid;
        }

        return now > end + ClockSkew || end < start ? SottRefusal.Expired : SottRefusal.None;
    }

    private static string? Open(byte[] key, byte[] cipher)
    {
        try
        {
            using var aes = Aes.Create();
            aes.Key = key;
            var plain = aes.DecryptCbc(cipher, InitVector, PaddingMode.PKCS7);
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plain);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    private static bool TryParse(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(text.Trim(), TimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
}
