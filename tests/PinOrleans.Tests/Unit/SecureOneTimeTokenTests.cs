using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// The SOTT check against tokens made by the official Node SDK's own code (<c>sdk/util/sott.js</c> of the installed
/// <c>loginradius-sdk</c>, run by node), and every way a token can be wrong.
/// </summary>
public sealed class SecureOneTimeTokenTests
{
    private const string ApiKey = "7f6bd2b4-1c5e-4a55-9b0e-3f0e9f1d2c11";
    private const string Secret = "9a1e6f0c-52d1-4e3b-8f7a-0d4c2b6e8a90";
    private static readonly byte[] Key = SecureOneTimeToken.DeriveKey(Secret);
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 7, 3, TimeSpan.Zero);

    [Fact]
    public async Task A_sott_the_node_sdk_makes_for_now_is_live()
    {
        var before = DateTimeOffset.UtcNow;
        var sott = await NodeSottAsync();
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey, sott, before));
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey.ToUpperInvariant(), sott, before.AddMinutes(9)));
        // The SDK's default window is 10 minutes; past it and the skew allowance, expired. Reusable until then.
        Assert.Equal(SottRefusal.Expired, SecureOneTimeToken.Check(Key, ApiKey, sott, before.AddMinutes(11) + SecureOneTimeToken.ClockSkew));
    }

    [Fact]
    public async Task A_sott_the_node_sdk_makes_for_a_window_is_live_in_it_with_the_skew_allowance()
    {
        var sott = await NodeSottAsync("2026/1/5 9:07:03", "2026/1/5 9:17:03");
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey, sott, Start));
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey, sott, Start.AddMinutes(10) + SecureOneTimeToken.ClockSkew));
        Assert.Equal(SottRefusal.Expired, SecureOneTimeToken.Check(Key, ApiKey, sott, Start.AddMinutes(10) + SecureOneTimeToken.ClockSkew + TimeSpan.FromSeconds(1)));
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey, sott, Start - SecureOneTimeToken.ClockSkew));
        Assert.Equal(SottRefusal.NotYetValid, SecureOneTimeToken.Check(Key, ApiKey, sott, Start - SecureOneTimeToken.ClockSkew - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task What_make_writes_is_what_the_node_sdk_writes()
    {
        var node = await NodeSottAsync(SecureOneTimeToken.Format(Start), SecureOneTimeToken.Format(Start.AddMinutes(10)));
        Assert.Equal(node, SecureOneTimeToken.Make(Key, ApiKey, Start, Start.AddMinutes(10)));
    }

    [Fact]
    public void The_dotnet_sdks_unpadded_minutes_and_seconds_are_read_too()
    {
        var sott = Encrypt($"2026/1/5 9:7:3#{ApiKey}#2026/1/5 9:17:3");
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(Key, ApiKey, sott, Start.AddMinutes(5)));
    }

    [Fact]
    public async Task A_changed_md5_is_tampering()
    {
        var sott = await NodeSottAsync("2026/1/5 9:07:03", "2026/1/5 9:17:03");
        var flipped = sott[..^1] + (sott[^1] == '0' ? '1' : '0');
        Assert.Equal(SottRefusal.Tampered, SecureOneTimeToken.Check(Key, ApiKey, flipped, Start));
        // The encrypted part changed and the MD5 kept: tampering too.
        var star = sott.LastIndexOf('*');
        var body = sott[..star];
        var changed = (body[0] == 'A' ? 'B' : 'A') + body[1..];
        Assert.Equal(SottRefusal.Tampered, SecureOneTimeToken.Check(Key, ApiKey, changed + sott[star..], Start));
    }

    [Fact]
    public async Task A_sott_made_with_another_secret_does_not_decrypt()
    {
        var sott = await NodeSottAsync("2026/1/5 9:07:03", "2026/1/5 9:17:03", secret: "another-secret");
        Assert.Equal(SottRefusal.Undecryptable, SecureOneTimeToken.Check(Key, ApiKey, sott, Start));
    }

    [Fact]
    public async Task A_sott_for_another_api_key_is_refused()
    {
        var sott = await NodeSottAsync("2026/1/5 9:07:03", "2026/1/5 9:17:03", apiKey: Guid.NewGuid().ToString());
        Assert.Equal(SottRefusal.OtherTenant, SecureOneTimeToken.Check(Key, ApiKey, sott, Start));
    }

    [Fact]
    public void A_window_that_ends_before_it_starts_is_expired()
    {
        Assert.Equal(SottRefusal.Expired, SecureOneTimeToken.Check(Key, ApiKey, SecureOneTimeToken.Make(Key, ApiKey, Start, Start.AddMinutes(-10)), Start));
    }

    [Theory]
    [InlineData(null, SottRefusal.Missing)]
    [InlineData("   ", SottRefusal.Missing)]
    [InlineData("garbage", SottRefusal.Malformed)]
    [InlineData("*0123456789abcdef0123456789abcdef", SottRefusal.Malformed)]
    [InlineData("not base64!*0123456789abcdef0123456789abcdef", SottRefusal.Malformed)]
    [InlineData("AAAA*0123456789abcdef0123456789abcdef", SottRefusal.Malformed)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==*0123456789abcdef0123456789abcdeg", SottRefusal.Malformed)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==*0123456789abcdef", SottRefusal.Malformed)]
    public void Garbage_is_malformed(string? sott, SottRefusal expected) =>
        Assert.Equal(expected, SecureOneTimeToken.Check(Key, ApiKey, sott, Start));

    [Fact]
    public void Oversized_input_is_refused_before_any_work()
    {
        var big = Convert.ToBase64String(new byte[SecureOneTimeToken.MaxLength]);
        var sott = big + "*" + Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(big)));
        Assert.Equal(SottRefusal.Malformed, SecureOneTimeToken.Check(Key, ApiKey, sott, Start));
    }

    [Fact]
    public void A_right_md5_over_text_that_is_not_a_sott_does_not_decrypt()
    {
        Assert.Equal(SottRefusal.Undecryptable, SecureOneTimeToken.Check(Key, ApiKey, Encrypt("just some text"), Start));
        Assert.Equal(SottRefusal.Undecryptable, SecureOneTimeToken.Check(Key, ApiKey, Encrypt($"yesterday#{ApiKey}#tomorrow"), Start));
    }

    /// <summary>A SOTT made by the installed Node SDK's own code: for now (its default 10 minutes) or for the window given.</summary>
    private static async Task<string> NodeSottAsync(string? start = null, string? end = null, string apiKey = ApiKey, string secret = Secret)
    {
        var sdk = Path.Combine(TestEnvironment.RepositoryRoot(), ".tools", "loginradius-sdk", "node_modules", "loginradius-sdk", "sdk", "util");
        Assert.True(File.Exists(Path.Combine(sdk, "sott.js")), $"loginradius-sdk is not installed in {sdk}: run ./test.sh, which installs it.");
        const string script = """
            const util = process.env.SDK_UTIL;
            const config = { apiKey: process.env.LR_KEY, apiSecret: process.env.LR_SECRET, HELPER_PATH: util + '/helper.js' };
            require(util + '/sott.js')(config, {}, process.env.LR_START || undefined, process.env.LR_END || undefined, '')
              .then(t => { process.stdout.write(t); }, e => { console.error(e); process.exit(1); });
            """;
        var info = new ProcessStartInfo("node", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["SDK_UTIL"] = sdk;
        info.Environment["LR_KEY"] = apiKey;
        info.Environment["LR_SECRET"] = secret;
        info.Environment["LR_START"] = start ?? "";
        info.Environment["LR_END"] = end ?? "";
        using var node = Process.Start(info)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, error);
        return (await output).Trim();
    }

    /// <summary>Any text in SOTT form (AES under the test key, base64, MD5).</summary>
    private static string Encrypt(string plain)
    {
        using var aes = Aes.Create();
        aes.Key = Key;
        var text = Convert.ToBase64String(aes.EncryptCbc(Encoding.UTF8.GetBytes(plain), "tu89geji340t89u2"u8, PaddingMode.PKCS7));
        return text + "*" + Convert.ToHexStringLower(MD5.HashData(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Formats_are_invariant() => Assert.Equal("2026/1/5 9:07:03", SecureOneTimeToken.Format(Start.ToOffset(TimeSpan.FromHours(5))), StringComparer.Ordinal);
}
