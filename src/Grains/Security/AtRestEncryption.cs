using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace PinOrleans.Security;

/// <summary>
/// Keeps a secret the service must be able to use again (a tenant's API secret, which signs its webhooks) encrypted
/// at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the pepper, which lives in configuration, never in
/// storage. A copy of the state table alone does not give the secret away.
/// </summary>
public sealed class AtRestEncryption
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public AtRestEncryption(IOptions<HashingOptions> options)
    {
        var pepper = Convert.FromBase64String(options.Value.Pepper?.Trim() ?? throw new InvalidOperationException("Hashing:Pepper is not configured."));
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, pepper, 32, info: Encoding.UTF8.GetBytes("pinorleans/protected-secret/v1"));
    }

    public string Protect(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>The secret, or null when it was sealed under another pepper or altered.</summary>
    public string? Unprotect(string protectedSecret)
    {
        try
        {
            var sealedBytes = Convert.FromBase64String(protectedSecret);
            var length = sealedBytes.Length - NonceBytes - TagBytes;
            var plain = new byte[length];
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or OverflowException or ArgumentException)
        {
            return null;
        }
    }
}
