using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PinOrleans.Gateway.HostedPage;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// The hosted page as the gateway serves it, without a browser: its security headers, the tenant it is for (API key
/// or host name), the refusal of a <c>return_url</c> the tenant does not allow (no redirect, no form), the return
/// route that appends the token, the SOTT of its registration form, and the validation of the branding settings.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class HostedPageTests(ClusterFixture fixture)
{
    private const string Allowed = "https://app.example.com/callback";

    private readonly HttpClient _http = fixture.Gateway.CreateClient(new() { AllowAutoRedirect = false });

    private Task<TestTenant> TenantAsync(TenantSettings? settings = null) =>
        fixture.NewTenantAsync((settings ?? new TenantSettings()) with { AllowedDomains = ["app.example.com"] });

    [Fact]
    public async Task The_page_has_a_strict_policy_and_no_inline_script_style_or_secret()
    {
        var tenant = await TenantAsync(new TenantSettings { HostedPage = new HostedPagePolicy { Title = "Northwind <Bank>" } });

        var response = await _http.GetAsync($"/auth.aspx?action=login&apikey={tenant.ApiKey}&return_url={Uri.EscapeDataString(Allowed)}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        AssertPageHeaders(response);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(EventHandlerAttribute(), html);
        Assert.DoesNotContain(tenant.ApiSecret, html, StringComparison.Ordinal);
        Assert.Contains("Northwind &lt;Bank&gt;", html, StringComparison.Ordinal);
        Assert.Contains($"data-return-url=\"{Allowed}\"", html, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"one-time-code\" inputmode=\"numeric\"", html, StringComparison.Ordinal);
        // Every input has a label naming it.
        foreach (Match input in InputId().Matches(html))
        {
            Assert.Contains($"<label for=\"{input.Groups[1].Value}\">", html, StringComparison.Ordinal);
        }

        foreach (var asset in new[] { "/hosted/v1/assets/hosted.js", "/hosted/v1/assets/hosted.css", $"/hosted/v1/theme.css?apikey={tenant.ApiKey}" })
        {
            var served = await _http.GetAsync(asset);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            AssertPageHeaders(served);
        }

        var script = await _http.GetAsync("/hosted/v1/assets/hosted.js");
        Assert.Equal("text/javascript; charset=utf-8", script.Content.Headers.ContentType?.ToString());
        using var again = new HttpRequestMessage(HttpMethod.Get, "/hosted/v1/assets/hosted.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.NotModified, (await _http.SendAsync(again)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync("/hosted/v1/assets/auth.html")).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example.net/callback")]
    [InlineData("http://app.example.com/callback")]
    [InlineData("https://app.example.com.evil.net/callback")]
    [InlineData("https://user@app.example.com/callback")]
    [InlineData("//evil.example.net/callback")]
    [InlineData("/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://app.example.com:8443/callback")]
    public async Task A_return_url_off_the_allowed_domains_shows_an_error_and_never_redirects(string returnUrl)
    {
        var tenant = await TenantAsync();

        var response = await _http.GetAsync($"/auth.aspx?action=login&apikey={tenant.ApiKey}&return_url={Uri.EscapeDataString(returnUrl)}");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        AssertPageHeaders(response);
        Assert.Contains("We cannot send you back", html, StringComparison.Ordinal);
        // No script, no form, and the refused address is not echoed as a link.
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"" + returnUrl, html, StringComparison.Ordinal);

        var back = await _http.PostAsync($"/hosted/v1/return?apikey={tenant.ApiKey}", Json(new { return_url = returnUrl }));
        await Api.ExpectErrorAsync(back, 403, 908);
    }

    [Fact]
    public async Task The_return_route_appends_the_token_as_loginradius_does_and_checks_url_and_token_again()
    {
        var tenant = await TenantAsync();
        var (_, _, login) = await fixture.Api.NewLoggedInAccountAsync(tenant);
        var token = login.GetProperty("access_token").GetString()!;

        async Task<string> ReturnAsync(string url, string? given) =>
            (await Api.ExpectAsync(await _http.PostAsync($"/hosted/v1/return?apikey={tenant.ApiKey}", Json(new { return_url = url, token = given })), HttpStatusCode.OK))
            .GetProperty("Url").GetString()!;

        Assert.Equal($"{Allowed}?token={token}", await ReturnAsync(Allowed, token));
        Assert.Equal($"{Allowed}?next=%2Fhome&token={token}#top", await ReturnAsync($"{Allowed}?next=%2Fhome#top", token));
        Assert.Equal(Allowed, await ReturnAsync(Allowed, null));

        await Api.ExpectErrorAsync(await _http.PostAsync($"/hosted/v1/return?apikey={tenant.ApiKey}", Json(new { return_url = Allowed, token = Guid.NewGuid().ToString() })), 403, 905);
        var other = await TenantAsync();
        await Api.ExpectErrorAsync(await _http.PostAsync($"/hosted/v1/return?apikey={other.ApiKey}", Json(new { return_url = Allowed, token })), 403, 905);
    }

    [Fact]
    public async Task The_tenant_is_found_by_api_key_or_by_host_name_and_anything_else_is_an_error_page()
    {
        var tenant = await TenantAsync(new TenantSettings { HostedPage = new HostedPagePolicy { Title = "By host" } });
        var closed = await TenantAsync(new TenantSettings { HostedPage = new HostedPagePolicy { Enabled = false } });
        await using var gateway = new GatewayFactory(fixture, builder => builder.UseSetting("HostedPage:Hosts:login.northwind.test", tenant.ApiKey));
        var http = gateway.CreateClient(new() { AllowAutoRedirect = false });

        async Task<(HttpStatusCode Status, string Html)> PageAsync(string url, string? host = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (host is not null)
            {
                request.Headers.Host = host;
            }

            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var byHost = await PageAsync("/auth.aspx?action=register", "login.northwind.test");
        Assert.Equal(HttpStatusCode.OK, byHost.Status);
        Assert.Contains($"data-apikey=\"{tenant.ApiKey}\"", byHost.Html, StringComparison.Ordinal);
        Assert.Contains("data-action=\"register\"", byHost.Html, StringComparison.Ordinal);
        Assert.Contains("<title>By host</title>", byHost.Html, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await PageAsync($"/AUTH.ASPX?Action=ForgotPin&ApiKey={tenant.ApiKey}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PageAsync("/auth.aspx?action=login", "other.northwind.test")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PageAsync($"/auth.aspx?apikey={Guid.NewGuid()}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PageAsync("/auth.aspx?apikey=not-a-key")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await PageAsync($"/auth.aspx?apikey={closed.ApiKey}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PageAsync($"/auth.aspx?action=delete&apikey={tenant.ApiKey}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PageAsync($"/auth.aspx?apikey={tenant.ApiKey}&apikey={closed.ApiKey}")).Status);
    }

    [Fact]
    public async Task The_registration_form_gets_a_sott_that_registers_only_while_the_page_offers_registration()
    {
        var open = await TenantAsync(new TenantSettings { Recovery = new RecoveryPolicy { VerificationUrl = "https://app.example.com/verify" } });
        var sott = (await Api.ExpectAsync(await _http.GetAsync($"/hosted/v1/sott?apikey={open.ApiKey}"), HttpStatusCode.OK)).GetProperty("Sott").GetString()!;
        var email = $"{Guid.NewGuid():N}@example.com";
        var registered = await fixture.Api.PostAsync($"/identity/v2/auth/register?apikey={open.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password },
            new Dictionary<string, string> { ["X-LoginRadius-Sott"] = sott });
        Assert.True((await Api.ExpectAsync(registered, HttpStatusCode.OK)).GetProperty("IsPosted").GetBoolean());

        var closed = await TenantAsync(new TenantSettings { HostedPage = new HostedPagePolicy { OfferRegistration = false } });
        await Api.ExpectErrorAsync(await _http.GetAsync($"/hosted/v1/sott?apikey={closed.ApiKey}"), 403, 909);
        var off = await TenantAsync(new TenantSettings { Registration = new RegistrationPolicy { Enabled = false } });
        await Api.ExpectErrorAsync(await _http.GetAsync($"/hosted/v1/sott?apikey={off.ApiKey}"), 403, 909);
        Assert.Contains("data-registration=\"off\"", await _http.GetStringAsync($"/auth.aspx?apikey={off.ApiKey}"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"HostedPage":{"PrimaryColor":"red"}}""", "HostedPage:PrimaryColor")]
    [InlineData("""{"HostedPage":{"BackgroundColor":"#12345"}}""", "HostedPage:BackgroundColor")]
    [InlineData("""{"HostedPage":{"TextColor":"#fff;background:url(https://x.example)"}}""", "HostedPage:TextColor")]
    [InlineData("""{"HostedPage":{"LogoUrl":"https://cdn.example.com/logo.png"}}""", "HostedPage:LogoUrl")]
    [InlineData("""{"HostedPage":{"LogoUrl":"//cdn.example.com/logo.png"}}""", "HostedPage:LogoUrl")]
    [InlineData("""{"HostedPage":{"LogoUrl":"data:text/html;base64,PGI+"}}""", "HostedPage:LogoUrl")]
    [InlineData("""{"HostedPage":{"LogoUrl":"data:image/png;base64,@@@"}}""", "HostedPage:LogoUrl")]
    [InlineData("""{"HostedPage":{"LogoUrl":"/logo.png\" onerror=\"x"}}""", "HostedPage:LogoUrl")]
    [InlineData("""{"HostedPage":{"Texts":{"Headline":"Hi"}}}""", "HostedPage:Texts")]
    public async Task Branding_that_would_reach_another_origin_or_break_the_page_is_refused_naming_the_setting(string patch, string setting)
    {
        var tenant = await TenantAsync();

        var error = await Api.ExpectErrorAsync(await ChangeAsync(tenant.ApiKey, patch), 403, 1134);

        Assert.StartsWith(setting, error.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(new HostedPagePolicy().PrimaryColor, (await fixture.SnapshotAsync(tenant)).Settings.HostedPage.PrimaryColor);
    }

    [Fact]
    public async Task Branding_set_through_the_settings_route_shows_on_the_page_with_the_logo_served_from_the_gateway()
    {
        var tenant = await TenantAsync();
        var svg = """<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><script>alert(1)</script></svg>"""u8.ToArray();
        var patch = JsonSerializer.Serialize(new
        {
            HostedPage = new { Title = "Contoso", PrimaryColor = "#ffcc00", LogoUrl = "data:image/svg+xml;base64," + Convert.ToBase64String(svg), Texts = new { LoginHeading = "Welcome to Contoso", Footer = "{{Logo}} {{ApiKey}}" } },
        });
        await Api.ExpectAsync(await ChangeAsync(tenant.ApiKey, patch), HttpStatusCode.OK);
        // The gateway's tenant cache keeps the old settings for a few seconds.
        fixture.Clock.Advance(TimeSpan.FromSeconds(10));

        var html = await _http.GetStringAsync($"/auth.aspx?apikey={tenant.ApiKey}");
        Assert.Contains("<h1 id=\"login-heading\" tabindex=\"-1\">Welcome to Contoso</h1>", html, StringComparison.Ordinal);
        // A tenant's text is shown as it is, never read as one of the page's placeholders.
        Assert.Contains("<p>{{Logo}} {{ApiKey}}</p>", html, StringComparison.Ordinal);
        var logo = LogoSource().Match(html).Groups[1].Value.Replace("&amp;", "&", StringComparison.Ordinal);
        Assert.StartsWith($"/hosted/v1/logo?apikey={tenant.ApiKey}&v=", logo, StringComparison.Ordinal);
        var image = await _http.GetAsync(logo);
        Assert.Equal("image/svg+xml", image.Content.Headers.ContentType?.MediaType);
        Assert.Equal(svg, await image.Content.ReadAsByteArrayAsync());
        // Opened on its own, the SVG may run nothing.
        Assert.Equal(HostedPageApi.LogoContentSecurityPolicy, string.Join(' ', image.Headers.GetValues("Content-Security-Policy")));

        var theme = await _http.GetStringAsync($"/hosted/v1/theme.css?apikey={tenant.ApiKey}");
        Assert.Contains("--primary: #ffcc00;", theme, StringComparison.Ordinal);
        // Yellow reads better with dark text.
        Assert.Contains("--on-primary: #111827;", theme, StringComparison.Ordinal);
    }

    private static void AssertPageHeaders(HttpResponseMessage response)
    {
        Assert.Equal(HostedPageApi.ContentSecurityPolicy, string.Join(' ', response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", string.Join(' ', response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", string.Join(' ', response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", string.Join(' ', response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", string.Join(' ', response.Headers.GetValues("Cross-Origin-Opener-Policy")));
    }

    private Task<HttpResponseMessage> ChangeAsync(string apiKey, string patch)
    {
        var admin = fixture.AdminGateway.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Put, $"/pinorleans/v1/admin/tenants/{apiKey}/settings") { Content = new StringContent(patch, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminApiTests.AdminUser}:{AdminApiTests.AdminPassword}")));
        return admin.SendAsync(request);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    [GeneratedRegex(@"<script(?![^>]*\ssrc=)", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"\son[a-z]+=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();

    [GeneratedRegex(@"<input id=""([^""]+)""")]
    private static partial Regex InputId();

    [GeneratedRegex(@"<img class=""brand-logo"" src=""([^""]+)""")]
    private static partial Regex LogoSource();
}
