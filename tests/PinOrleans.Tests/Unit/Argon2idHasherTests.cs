using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PinOrleans.Security;

namespace PinOrleans.Tests.Unit;

public sealed class Argon2idHasherTests
{
    private static readonly string Pepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static Argon2idSecretHasher Hasher(string? pepper = null, string pepperId = "p1", int memoryKiB = 19 * 1024, int iterations = 2) =>
        new(Options.Create(new HashingOptions { Pepper = pepper ?? Pepper, PepperId = pepperId, MemoryKiB = memoryKiB, Iterations = iterations }));

    [Fact]
    public void The_stored_form_names_algorithm_pepper_and_owasp_parameters_and_never_the_secret()
    {
        var hash = Hasher().Hash("7890");

        var parts = hash.Split('$');
        Assert.Equal("argon2id-hmacsha256", parts[0]);
        Assert.Equal("p1", parts[1]);
        Assert.Equal("m=19456,t=2,p=1", parts[2]);
        Assert.Equal(16, Convert.FromBase64String(parts[3]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[4]).Length);
        Assert.DoesNotContain("7890", hash, StringComparison.Ordinal);
        Assert.NotEqual(hash, Hasher().Hash("7890"));
    }

    [Fact]
    public void Verify_accepts_the_secret_and_nothing_else()
    {
        var hasher = Hasher();
        var hash = hasher.Hash("7890");

        Assert.Equal(new HashCheck(true, null), hasher.Verify("7890", hash));
        Assert.False(hasher.Verify("7891", hash).Valid);
        Assert.False(hasher.Verify("7890 ", hash).Valid);
        Assert.False(hasher.Verify("7890", "garbage").Valid);
        Assert.False(hasher.Verify("7890", hash.Replace("m=19456", "m=abc", StringComparison.Ordinal)).Valid);
    }

    [Fact]
    public void Another_pepper_cannot_verify()
    {
        var hash = Hasher().Hash("7890");

        Assert.False(Hasher(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Verify("7890", hash).Valid);
        Assert.False(Hasher(pepperId: "p2").Verify("7890", hash).Valid);
    }

    [Fact]
    public void Raised_parameters_rehash_on_a_successful_verify()
    {
        var old = Hasher(memoryKiB: 8 * 1024, iterations: 1).Hash("7890");

        var check = Hasher().Verify("7890", old);

        Assert.True(check.Valid);
        Assert.NotNull(check.Rehashed);
        Assert.Contains("$m=19456,t=2,p=1$", check.Rehashed!.Value.Value, StringComparison.Ordinal);
        Assert.Equal(new HashCheck(true, null), Hasher().Verify("7890", check.Rehashed.Value.Value));
    }

    [Fact]
    public void A_missing_or_short_pepper_is_refused_at_startup()
    {
        Assert.Throws<InvalidOperationException>(() => new Argon2idSecretHasher(Options.Create(new HashingOptions())));
        Assert.Throws<InvalidOperationException>(() => Hasher(Convert.ToBase64String(new byte[16])));
    }
}
