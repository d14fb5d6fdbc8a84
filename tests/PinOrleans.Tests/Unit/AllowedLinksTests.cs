using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>Which pages a caller-chosen link may open: the URL's form, then its origin against the default page and the allowlist.</summary>
public sealed class AllowedLinksTests
{
    private const string Home = "https://tenant.example.com/pin";

    private static readonly string[] Allowed =
        ["app.example.com", "https://secure.example.com:8443", "*.brand.example", "localhost:3000", "http://127.0.0.1:8080", "bücher.example", "shop.example.org."];

    public static TheoryData<string?, bool> Links => new()
    {
        // The default page (when nothing is named) and its origin.
        { null, true },
        { "", true },
        { "https://tenant.example.com/other?x=1#f", true },
        { "https://TENANT.example.com/pin", true },
        { "https://tenant.example.com:443/pin", true },
        { "https://tenant.example.com:444/pin", false },
        { "http://tenant.example.com/pin", false },
        // Bare host: https on 443 only.
        { "https://app.example.com/reset", true },
        { "https://App.Example.COM/reset", true },
        { "https://app.example.com./reset", true },
        { "https://app.example.com:8443/reset", false },
        { "http://app.example.com/reset", false },
        { "https://sub.app.example.com/reset", false },
        { "https://app.example.com.evil.net/reset", false },
        { "https://evilapp.example.com/reset", false },
        { "https://example.com/reset", false },
        // Origin with port.
        { "https://secure.example.com:8443/x", true },
        { "https://secure.example.com/x", false },
        // Wildcard: subdomains at any depth, not the domain itself.
        { "https://eu.brand.example/x", true },
        { "https://a.b.brand.example/x", true },
        { "https://brand.example/x", false },
        { "https://evilbrand.example/x", false },
        { "https://brand.example.evil/x", false },
        // Loopback: http allowed, the entry's port only.
        { "http://localhost:3000/reset", true },
        { "https://localhost:3000/reset", true },
        { "http://localhost:3001/reset", false },
        { "http://127.0.0.1:8080/reset", true },
        { "https://127.0.0.1:8080/reset", false },
        { "http://127.0.0.2:8080/reset", false },
        { "http://[::1]:3000/reset", false },
        // International names compare in punycode.
        { "https://BÜCHER.example/reset", true },
        { "https://xn--bcher-kva.example/reset", true },
        { "https://shop.example.org/reset", true },
        // Never a link, whatever the allowlist says.
        { "https://evil@app.example.com/reset", false },
        { "https://app.example.com@evil.net/reset", false },
        { "https://user:pw@app.example.com/reset", false },
        { "https:\\\\app.example.com/reset", false },
        { "https://app.example.com\\@evil.net/", false },
        { "https:app.example.com/reset", false },
        { "https:/app.example.com/reset", false },
        { "//app.example.com/reset", false },
        { "/reset", false },
        { "app.example.com/reset", false },
        { "javascript:alert(1)", false },
        { "JavaScript://app.example.com/%0aalert(1)", false },
        { "data:text/html,<script>alert(1)</script>", false },
        { "ftp://app.example.com/reset", false },
        { "https://app.example.com/re set", false },
        { "https://app.example.com/reset\n", false },
        { "https://%61pp.example.com/reset", false },
        { "https:// app.example.com/reset", false },
        { "https:///reset", false },
        { "https://app.example.com/" + new string('a', 2100), false },
    };

    [Theory]
    [MemberData(nameof(Links))]
    public void A_link_opens_only_the_default_page_origin_or_an_allowlisted_one(string? requested, bool allowed)
    {
        var (page, refusal) = AllowedLinks.Resolve(requested, Home, Allowed);

        Assert.Equal(allowed, page is not null);
        Assert.Equal(allowed, refusal is null);
    }

    [Theory]
    [InlineData("http://localhost/reset", "localhost", true)]
    [InlineData("https://localhost/reset", "localhost", true)]
    [InlineData("http://[::1]:5000/reset", "[::1]:5000", true)]
    [InlineData("http://127.10.0.1/reset", "http://127.10.0.1", true)]
    [InlineData("http://localhost/reset", "https://localhost", false)]
    [InlineData("https://app.example.com/reset", "https://app.example.com/", true)]
    [InlineData("https://app.example.com/reset", "HTTPS://APP.EXAMPLE.COM:443", true)]
    public void Entries_take_the_documented_forms(string requested, string entry, bool allowed) =>
        Assert.Equal(allowed, AllowedLinks.Resolve(requested, null, [entry]).Page is not null);

    [Fact]
    public void Without_a_default_page_or_allowlist_every_link_is_refused()
    {
        Assert.Null(AllowedLinks.Resolve("https://app.example.com/reset", null, []).Page);
        Assert.Null(AllowedLinks.Resolve(null, null, ["app.example.com"]).Page);
        Assert.Null(AllowedLinks.Resolve("https://app.example.com/reset", "not a url", []).Page);
        Assert.Contains("https://evil.net", AllowedLinks.Resolve("https://evil.net/x", Home, Allowed).Refusal, StringComparison.Ordinal);
    }

    public static TheoryData<string> BadEntries => new()
    {
        "", " ", "*", "*.com", "*.", "**.example.com", "a.*.example.com", "example.*", "http://app.example.com", "http://*.localhost",
        "ftp://app.example.com", "javascript:alert(1)", "https://app.example.com/path", "app.example.com/path", "app.example.com?x=1",
        "app.example.com#x", "user@app.example.com", "https://user:pw@app.example.com", "app.example.com\\evil", "app example.com",
        "*.127.0.0.1", "%61pp.example.com", "app.example.com:99999", "https://", "[::1",
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void Settings_refuse_entries_that_are_not_origins(string entry)
    {
        var problem = AllowedLinks.SettingsProblem([entry]);

        Assert.NotNull(problem);
        Assert.StartsWith("AllowedDomains:", problem, StringComparison.Ordinal);
        Assert.NotNull(new TenantSettings { AllowedDomains = [entry] }.Problem());
    }

    [Theory]
    [InlineData("app.example.com")]
    [InlineData("APP.Example.com")]
    [InlineData("app.example.com:8443")]
    [InlineData("https://app.example.com")]
    [InlineData("https://app.example.com:8443/")]
    [InlineData("*.example.com")]
    [InlineData("https://*.example.co.uk:8443")]
    [InlineData("localhost")]
    [InlineData("http://localhost:3000")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://[::1]:8080")]
    [InlineData("bücher.example")]
    [InlineData("203.0.113.7")]
    public void Settings_accept_hosts_origins_and_wildcard_subdomains(string entry)
    {
        Assert.Null(AllowedLinks.SettingsProblem([entry]));
        Assert.Null(new TenantSettings { AllowedDomains = [entry] }.Problem());
    }

    [Theory]
    [InlineData("https://tenant.example.com/pin", true)]
    [InlineData("http://localhost:3000/reset-pin", true)]
    [InlineData("http://tenant.example.com/pin", false)]
    [InlineData("https://user@tenant.example.com/pin", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("/pin", false)]
    public void The_tenant_default_page_is_checked_like_a_passed_link(string url, bool valid) =>
        Assert.Equal(valid, new TenantSettings { Recovery = new RecoveryPolicy { ResetPinUrl = url } }.Problem() is null);

    [Fact]
    public void The_allowlist_is_bounded() =>
        Assert.NotNull(AllowedLinks.SettingsProblem(Enumerable.Range(0, AllowedLinks.MaxEntries + 1).Select(i => $"a{i}.example.com").ToList()));
}
