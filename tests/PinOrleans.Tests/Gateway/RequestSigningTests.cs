using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// LoginRadius' API request signing through the gateway: <c>X-Request-Expires</c> and <c>digest</c> instead of the
/// API secret wherever a route takes the secret; the digest is computed here as LoginRadius' API-security page says
/// (HMAC-SHA256 keyed with the secret over <c>expires:encode(decode(url)):body</c>, base64), independently of the
/// server's code. Also the old-tenant paths (a secret set before it was kept sealed) for SOTT and signing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RequestSigningTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    /// <summary>What the documentation's client does: <c>encodeURIComponent(decodeURIComponent(url)).toLowerCase()</c> (the URLs here need no escaping of <c>!*'()</c>).</summary>
    private static string Digest(string secret, string expires, string url, string body = "")
    {
        var encoded = Uri.EscapeDataString(Uri.UnescapeDataString(url)).ToLowerInvariant();
        var text = body.Length > 0 ? $"{expires}:{encoded}:{body}" : $"{expires}:{encoded}";
        return "SHA-256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The documented format, <c>yyyy-M-d h:m:s tt</c> in UTC (the .NET SDK's).</summary>
    private string Expiry(TimeSpan fromNow) => fixture.Clock.GetUtcNow().Add(fromNow).UtcDateTime.ToString("yyyy-M-d h:m:s tt", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Signed(string expires, string digest) => new() { ["X-Request-Expires"] = expires, ["digest"] = digest };

    private Task<HttpResponseMessage> GetSottAsync(TestTenant tenant, Dictionary<string, string> headers) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}", headers: headers);

    private static string SottUrl(TestTenant tenant) => $"http://localhost/identity/v2/manage/account/sott?apikey={tenant.ApiKey}";

    [Fact]
    public async Task A_correct_digest_is_accepted_instead_of_the_secret()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = Expiry(TimeSpan.FromMinutes(15));
        var answer = await Api.ExpectAsync(await GetSottAsync(tenant, Signed(expires, Digest(tenant.ApiSecret, expires, SottUrl(tenant)))), HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("Sott").GetString()));

        // The path and query alone (a client behind a proxy), and the Node SDK's expiry format, are accepted too.
        var node = fixture.Clock.GetUtcNow().AddMinutes(60).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var pathOnly = $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}";
        await Api.ExpectAsync(await GetSottAsync(tenant, Signed(node, Digest(tenant.ApiSecret, node, pathOnly))), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_correct_digest_over_the_exact_body_is_accepted_and_any_other_body_is_1208()
    {
        var tenant = await fixture.NewTenantAsync();
        var url = $"http://localhost/identity/v2/manage/account?apikey={tenant.ApiKey}";
        var body = JsonSerializer.Serialize(new { Email = new[] { new { Type = "Primary", Value = $"{Guid.NewGuid():N}@example.com" } }, Password = "correct-horse-42" });
        var expires = Expiry(TimeSpan.FromMinutes(15));
        var created = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/manage/account?apikey={tenant.ApiKey}", body,
            headers: Signed(expires, Digest(tenant.ApiSecret, expires, url, body))), HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(created.GetProperty("Uid").GetString()));

        var other = JsonSerializer.Serialize(new { Email = new[] { new { Type = "Primary", Value = $"{Guid.NewGuid():N}@example.com" } }, Password = "correct-horse-42" });
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/manage/account?apikey={tenant.ApiKey}", other,
            headers: Signed(expires, Digest(tenant.ApiSecret, expires, url, body))), 403, 1208);
        // Signed without the body it carries: 1208 too.
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/manage/account?apikey={tenant.ApiKey}", other,
            headers: Signed(expires, Digest(tenant.ApiSecret, expires, url))), 403, 1208);
    }

    [Fact]
    public async Task A_digest_for_another_url_secret_or_expiry_is_1208()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = Expiry(TimeSpan.FromMinutes(15));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(expires, Digest(tenant.ApiSecret, expires, SottUrl(tenant) + "&timedifference=60"))), 403, 1208);
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(expires, Digest("another-secret", expires, SottUrl(tenant)))), 403, 1208);
        var later = Expiry(TimeSpan.FromMinutes(20));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(later, Digest(tenant.ApiSecret, expires, SottUrl(tenant)))), 403, 1208);
        // A signature that is there is checked, even beside the right secret.
        var both = Signed(expires, Digest("another-secret", expires, SottUrl(tenant)));
        both["X-LoginRadius-ApiSecret"] = tenant.ApiSecret;
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, both), 403, 1208);
    }

    [Fact]
    public async Task A_stale_digest_is_1210()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = Expiry(TimeSpan.FromMinutes(1));
        var headers = Signed(expires, Digest(tenant.ApiSecret, expires, SottUrl(tenant)));
        await Api.ExpectAsync(await GetSottAsync(tenant, headers), HttpStatusCode.OK);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1) + RequestSignature.ClockSkew + TimeSpan.FromSeconds(2));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, headers), 403, 1210);
    }

    [Theory]
    [InlineData("SHA-256=not base64!")]
    [InlineData("SHA-256=AAAA")]
    [InlineData("MD5=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public async Task A_malformed_digest_is_1211(string digest)
    {
        var tenant = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(Expiry(TimeSpan.FromMinutes(15)), digest)), 403, 1211);
    }

    [Fact]
    public async Task A_malformed_or_far_off_expiry_is_1211()
    {
        var tenant = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed("tomorrow", Digest(tenant.ApiSecret, "tomorrow", SottUrl(tenant)))), 403, 1211);
        // A signature good for days could be replayed for days: at most an hour (and the skew) ahead.
        var far = Expiry(TimeSpan.FromHours(2));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(far, Digest(tenant.ApiSecret, far, SottUrl(tenant)))), 403, 1211);
    }

    [Fact]
    public async Task A_digest_with_a_part_missing_is_1212()
    {
        var tenant = await fixture.NewTenantAsync();
        var expires = Expiry(TimeSpan.FromMinutes(15));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, new() { ["digest"] = Digest(tenant.ApiSecret, expires, SottUrl(tenant)) }), 403, 1212);
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, new() { ["X-Request-Expires"] = expires }), 403, 1212);
    }

    [Fact]
    public async Task The_node_sdks_own_signature_binds_no_url_and_is_refused()
    {
        var tenant = await fixture.NewTenantAsync();
        var util = Path.Combine(TestEnvironment.RepositoryRoot(), ".tools", "loginradius-sdk", "node_modules", "loginradius-sdk", "sdk", "util");
        Assert.True(File.Exists(Path.Combine(util, "helper.js")), $"loginradius-sdk is not installed in {util}: run ./test.sh, which installs it.");
        // lr.js passes generateSigningHeader an options object with path and headers but no uri: it signs "undefined".
        const string script = """
            const helper = require(process.env.SDK_UTIL + '/helper.js')({});
            const options = { method: 'GET', hostname: 'localhost', path: process.env.LR_PATH, headers: {} };
            process.stdout.write(JSON.stringify(helper.generateSigningHeader(options, process.env.LR_SECRET)));
            """;
        var info = new ProcessStartInfo("node", ["-e", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["SDK_UTIL"] = util;
        info.Environment["LR_PATH"] = $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}";
        info.Environment["LR_SECRET"] = tenant.ApiSecret;
        info.Environment["TZ"] = "UTC";
        using var node = Process.Start(info)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, error);
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(await output)!;

        // Its digest is the HMAC of "expires:undefined": the server refuses it, whatever the request.
        Assert.Equal(Digest(tenant.ApiSecret, headers["X-Request-Expires"], "undefined"), headers["digest"]);
        // The SDK's expiry is in the node process's time (real time here), not the suite's clock: only the digest is at stake.
        var expires = Expiry(TimeSpan.FromMinutes(30));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(expires, Digest(tenant.ApiSecret, expires, "undefined"))), 403, 1208);
    }

    [Fact]
    public async Task A_secret_set_before_it_was_kept_sealed_refuses_sotts_and_signatures_until_it_is_rotated()
    {
        var apiKey = Guid.NewGuid().ToString("D");
        const string secret = "an-old-secret-kept-only-as-a-hash";
        var grain = fixture.Grains.GetGrain<ITenantGrain>(apiKey);
        await fixture.WriteStoredStateAsync("tenant", grain, new TenantState
        {
            Name = "Old",
            SecretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))),
            CreatedDate = fixture.Clock.GetUtcNow(),
        });
        var tenant = new TestTenant(apiKey, secret);

        // The secret itself still works; what needs it in clear does not, and says to rotate it.
        var refused = await Api.ExpectErrorAsync(await GetSottAsync(tenant, new() { ["X-LoginRadius-ApiSecret"] = secret }), 403, 908);
        Assert.Contains("rotate the API secret", refused.GetProperty("Description").GetString(), StringComparison.Ordinal);
        var expires = Expiry(TimeSpan.FromMinutes(15));
        await Api.ExpectErrorAsync(await GetSottAsync(tenant, Signed(expires, Digest(secret, expires, SottUrl(tenant)))), 403, 1208);
        var now = fixture.Clock.GetUtcNow();
        var access = await grain.AuthorizeSottAsync(SecureOneTimeToken.Make(SecureOneTimeToken.DeriveKey(secret), apiKey, now, now.AddMinutes(10)));
        Assert.Equal(SottRefusal.SecretNotHeld, access.Refusal);

        var rotated = Sessions.SecretToken.New();
        await grain.RotateSecretAsync(rotated);
        var fresh = await grain.AuthorizeSottAsync(SecureOneTimeToken.Make(SecureOneTimeToken.DeriveKey(rotated), apiKey, now, now.AddMinutes(10)));
        Assert.Equal(SottRefusal.None, fresh.Refusal);
        await Api.ExpectAsync(await GetSottAsync(tenant with { ApiSecret = rotated }, new() { ["X-LoginRadius-ApiSecret"] = rotated }), HttpStatusCode.OK);
    }
}
