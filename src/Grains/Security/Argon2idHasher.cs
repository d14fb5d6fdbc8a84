using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace PinOrleans.Security;

/// <summary>Hashing parameters and the pepper (configuration section <c>Hashing</c>).</summary>
public sealed class HashingOptions
{
    public const string Section = "Hashing";

    /// <summary>The HMAC-SHA256 pepper key, base64, at least 32 bytes. Lives in configuration, never in storage.</summary>
    public string? Pepper { get; set; }

    /// <summary>A short name of the pepper, written into every hash so the key can be rotated.</summary>
    public string PepperId { get; set; } = "p1";

    /// <summary>Argon2id memory in KiB (OWASP: 19 MiB).</summary>
    public int MemoryKiB { get; set; } = 19 * 1024;

    /// <summary>Argon2id passes (OWASP: 2).</summary>
    public int Iterations { get; set; } = 2;

    /// <summary>Argon2id lanes (OWASP: 1).</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>Hashing threads per silo (0: one per core). Hashes beyond them queue; grain turns never hash.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Most hashes waiting for a thread, all lanes together (0: 32 per hashing thread). A hash of a higher lane that
    /// finds the queue full takes the place of the newest one of a lower lane; otherwise it is refused (503).
    /// </summary>
    public int QueueLimit { get; set; }

    /// <summary>
    /// Most hashes waiting in the anonymous lane, password logins by identifier (0: 8 per hashing thread). Beyond it a
    /// password login is refused at once (503), so a flood of made-up identifiers cannot delay PIN logins.
    /// </summary>
    public int AnonymousQueueLimit { get; set; }

    /// <summary>
    /// A hash that has not reached a thread after this long is dropped unrun and answered 503 (default 2000). Keep it
    /// below the gateway's <c>Cluster:ResponseTimeoutSeconds</c> (5 s): after that nobody waits for the answer.
    /// </summary>
    public int QueueTimeoutMilliseconds { get; set; } = 2000;

    public const string AdmissionRules =
        "Hashing:QueueLimit and Hashing:AnonymousQueueLimit may not be negative (0: the default), Hashing:QueueTimeoutMilliseconds must be positive.";

    /// <summary>Whether the admission settings keep to <see cref="AdmissionRules"/>.</summary>
    public bool AdmissionValid => QueueLimit >= 0 && AnonymousQueueLimit >= 0 && QueueTimeoutMilliseconds > 0;

    /// <summary>
    /// The Linux nice value of the hashing threads (default -5: ahead of request handling, so a flood of cheap
    /// refusals cannot starve PIN checks). Applied when the process may (root or CAP_SYS_NICE); otherwise ignored.
    /// </summary>
    public int Nice { get; set; } = -5;
}

/// <summary>Turns PINs and passwords into stored hashes and checks them.</summary>
public interface ISecretHasher
{
    string Hash(string secret);

    HashCheck Verify(string secret, string storedHash);

    /// <summary>Spends exactly what <see cref="Verify"/> spends, against a hash nobody's secret matches.</summary>
    void VerifyNothing(string secret);
}

/// <summary>
/// Argon2id (libsodium through NSec) over HMAC-SHA256(pepper, secret). The stored form names the algorithm,
/// pepper and parameters: <c>argon2id-hmacsha256$p1$m=19456,t=2,p=1$salt$hash</c>, so parameters can be raised
/// and old hashes are upgraded on the next successful login.
/// </summary>
public sealed class Argon2idSecretHasher : ISecretHasher
{
    private const string Algorithm = "argon2id-hmacsha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private readonly byte[] _pepper;
    private readonly string _pepperId;
    private readonly Argon2Parameters _current;
    private readonly Lazy<string> _nothing;

    public Argon2idSecretHasher(IOptions<HashingOptions> options)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.Pepper))
        {
            throw new InvalidOperationException("Hashing:Pepper is not configured (base64, at least 32 bytes).");
        }

        _pepper = Convert.FromBase64String(o.Pepper.Trim());
        if (_pepper.Length < 32)
        {
            throw new InvalidOperationException("Hashing:Pepper must hold at least 32 bytes.");
        }

        if (string.IsNullOrWhiteSpace(o.PepperId) || o.PepperId.Contains('$'))
        {
            throw new InvalidOperationException("Hashing:PepperId must be a non-empty name without '$'.");
        }

        _pepperId = o.PepperId;
        _current = new Argon2Parameters { MemorySize = o.MemoryKiB, NumberOfPasses = o.Iterations, DegreeOfParallelism = o.Parallelism };
        _nothing = new Lazy<string>(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
    }

    public void VerifyNothing(string secret) => _ = Verify(secret, _nothing.Value);

    public string Hash(string secret)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(secret, salt, _current);
        return string.Join('$', Algorithm, _pepperId, Format(_current), Convert.ToBase64String(salt), Convert.ToBase64String(hash));
    }

    public HashCheck Verify(string secret, string storedHash)
    {
        var parts = storedHash.Split('$');
        if (parts.Length != 5 || parts[0] != Algorithm || parts[1] != _pepperId || !TryParse(parts[2], out var parameters))
        {
            return new HashCheck(false, null);
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[3]);
            expected = Convert.FromBase64String(parts[4]);
        }
        catch (FormatException)
        {
            return new HashCheck(false, null);
        }

        var actual = Derive(secret, salt, parameters, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return new HashCheck(false, null);
        }

        var outdated = parts[2] != Format(_current);
        return new HashCheck(true, outdated ? new Sensitive(Hash(secret)) : (Sensitive?)null);
    }

    private byte[] Derive(string secret, byte[] salt, Argon2Parameters parameters, int length = HashBytes)
    {
        var peppered = HMACSHA256.HashData(_pepper, Encoding.UTF8.GetBytes(secret));
        try
        {
            return PasswordBasedKeyDerivationAlgorithm.Argon2id(parameters).DeriveBytes(peppered, salt, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(peppered);
        }
    }

    private static string Format(Argon2Parameters p) =>
        string.Create(CultureInfo.InvariantCulture, $"m={p.MemorySize},t={p.NumberOfPasses},p={p.DegreeOfParallelism}");

    private static bool TryParse(string text, out Argon2Parameters parameters)
    {
        parameters = default;
        long m = 0, t = 0, p = 0;
        foreach (var pair in text.Split(','))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2 || !long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            switch (kv[0])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: return false;
            }
        }

        if (m <= 0 || t <= 0 || p <= 0)
        {
            return false;
        }

        parameters = new Argon2Parameters { MemorySize = m, NumberOfPasses = t, DegreeOfParallelism = (int)p };
        return true;
    }
}
