using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Browser;

/// <summary>
/// The hosted login page in a real browser (headless Chromium): a user registers, verifies the e-mail address from
/// the link in the e-mail, sets the PIN the tenant requires, returns to the application with the token, comes back
/// and logs in with the PIN on the remembered PIN session (a wrong one shown first), locks the account and sees until
/// when, forgets and resets the PIN. Keyboard only where a user would type; every request the page makes stays on
/// the gateway's origin; no Content-Security-Policy violation. A screenshot of each step goes to
/// TestResults/hosted-page/ (the docs show the key ones).
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed partial class HostedPageBrowserTests(ClusterFixture fixture, BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Password = "correct-horse-42";

    private static TenantSettings Branded(TenantSettings settings) => settings with
    {
        HostedPage = new HostedPagePolicy
        {
            Title = "Northwind Bank",
            LogoUrl = "data:image/svg+xml;base64," + Convert.ToBase64String("""<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="#0f766e"/><path d="M11 29V11l18 18V11" stroke="#fff" stroke-width="4" fill="none" stroke-linejoin="round"/></svg>"""u8.ToArray()),
            PrimaryColor = "#0f766e",
            BackgroundColor = "#ecf5f3",
            Texts = new() { ["Footer"] = "Northwind Bank · Secure sign-in" },
        },
    };

    [Fact]
    public async Task A_new_user_registers_verifies_sets_a_pin_returns_with_the_token_and_logs_in_with_the_pin_next_time()
    {
        await using var rig = await HostedPageRig.StartAsync(fixture, Branded(new TenantSettings
        {
            Registration = new RegistrationPolicy { EmailVerification = VerificationFlow.Mandatory },
            Pin = new PinPolicy { IsRequired = true },
        }));
        await using var context = await browser.NewContextAsync();
        var page = await WatchedPageAsync(context, rig);
        var email = $"jane-{Guid.NewGuid():N}"[..16] + "@example.com";

        // Register (keyboard only: the page focuses its heading; Tab goes to the e-mail field, then the password).
        await page.GotoAsync(rig.PageUrl("register"));
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Create your account" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(View(page).GetByLabel("E-mail address")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(email);
        await page.Keyboard.PressAsync("Tab");
        await Expect(View(page).GetByLabel("Password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(Password);
        await ShotAsync(page, "01-register");
        await page.Keyboard.PressAsync("Enter");
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Check your inbox" })).ToBeVisibleAsync();
        await Expect(page.Locator("#sent-text")).ToContainTextAsync(email);
        await ShotAsync(page, "02-check-your-inbox");

        // The verification e-mail's link opens the hosted page again, which verifies the address.
        var link = LinkIn(await fixture.Mail.LatestToAsync(email));
        Assert.StartsWith(rig.GatewayUrl + "/auth.aspx?", link, StringComparison.Ordinal);
        await page.GotoAsync(link);
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your e-mail address is verified");
        Assert.DoesNotContain("vtoken", page.Url, StringComparison.Ordinal);
        await View(page).GetByLabel("E-mail address").FillAsync(email);
        await View(page).GetByLabel("Password").FillAsync(Password);
        await ShotAsync(page, "03-verified-log-in");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();

        // The tenant requires a PIN: the password login answers only a PINAuthToken, and the page asks for the PIN.
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Choose a PIN" })).ToBeFocusedAsync();
        await Expect(View(page).GetByRole(AriaRole.Button, new() { Name = "Not now" })).ToBeHiddenAsync();
        var newPin = View(page).GetByLabel("New PIN");
        Assert.Equal("one-time-code", await newPin.GetAttributeAsync("autocomplete"));
        Assert.Equal("numeric", await newPin.GetAttributeAsync("inputmode"));
        await newPin.FillAsync("2580");
        await View(page).GetByLabel("Type the PIN again").FillAsync("2508");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Save PIN" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The two PINs are not the same");
        await View(page).GetByLabel("Type the PIN again").FillAsync("2580");
        await ShotAsync(page, "04-set-pin");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Save PIN" }).ClickAsync();

        // Back at the application with ?token=, which the application's backend finds live for this account.
        await Expect(page.Locator("#who")).ToHaveTextAsync($"Signed in as {email}");
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/callback\?token=[0-9a-f-]{36}$", page.Url);
        Assert.Equal(email, Assert.Single(rig.Received).Email);
        await ShotAsync(page, "05-back-at-the-application");

        // Next visit: the page remembers the PIN session; a wrong PIN is shown, the right one (on the keypad) returns.
        await page.GotoAsync(rig.PageUrl("login"));
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Enter your PIN" })).ToBeFocusedAsync();
        await Expect(page.Locator("#pin-who")).ToContainTextAsync("@example.com");
        await ShotAsync(page, "06-pin-pad");
        await page.Keyboard.PressAsync("Tab");
        await Expect(View(page).GetByLabel("PIN", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("1111");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("That PIN is not right. Please try again.");
        await Expect(View(page).GetByLabel("PIN", new() { Exact = true })).ToHaveValueAsync("");
        await ShotAsync(page, "07-wrong-pin");
        var keypad = View(page).GetByRole(AriaRole.Group, new() { Name = "PIN keypad" });
        foreach (var digit in "2580")
        {
            await keypad.GetByRole(AriaRole.Button, new() { Name = digit.ToString(), Exact = true }).ClickAsync();
        }

        await View(page).GetByRole(AriaRole.Button, new() { Name = "Log in with PIN" }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"Signed in as {email}");
        Assert.Equal(2, rig.Received.Count);
        Assert.All(rig.Received, r => Assert.Equal(email, r.Email));
        Assert.NotEqual(rig.Received.First().Token, rig.Received.Last().Token);
        AssertWatched(page);
    }

    [Fact]
    public async Task Wrong_pins_lock_the_account_and_the_page_says_until_when()
    {
        await using var rig = await HostedPageRig.StartAsync(fixture, Branded(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 3 } }));
        var email = $"lock-{Guid.NewGuid():N}@example.com";
        await fixture.NewAccountAsync(rig.Tenant, pin: "4826", email: email);
        await using var context = await browser.NewContextAsync();
        var page = await WatchedPageAsync(context, rig);

        await LogInWithPasswordAsync(page, rig, email);
        await page.GotoAsync(rig.PageUrl("login"));
        var pin = View(page).GetByLabel("PIN", new() { Exact = true });
        async Task TryPinAsync(string value)
        {
            await pin.FillAsync(value);
            await page.RunAndWaitForResponseAsync(
                () => View(page).GetByRole(AriaRole.Button, new() { Name = "Log in with PIN" }).ClickAsync(),
                response => response.Url.Contains("/identity/v2/auth/login/pin", StringComparison.Ordinal));
        }

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await TryPinAsync("0000");
        }

        // Locked for the tenant's 15 minutes: the right PIN is refused too, and the page says until when (local time).
        await TryPinAsync("4826");
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("Too many wrong attempts. For your safety the account is locked until");
        var until = TimeRegex().Match(await alert.InnerTextAsync());
        Assert.True(until.Success, await alert.InnerTextAsync());
        var shown = new DateTimeOffset(DateTime.UtcNow.Date + TimeSpan.ParseExact(until.Value, @"hh\:mm", CultureInfo.InvariantCulture), TimeSpan.Zero);
        var expected = fixture.Clock.GetUtcNow().AddMinutes(15);
        var apart = (((shown - expected).TotalMinutes % 1440) + 1440) % 1440;
        Assert.True(apart <= 2 || apart >= 1438, $"shown {until.Value}, expected about {expected:HH:mm}");
        await ShotAsync(page, "08-locked");
        Assert.Single(rig.Received);
        AssertWatched(page);
    }

    [Fact]
    public async Task A_forgotten_pin_is_reset_from_the_e_mailed_link_and_the_new_one_logs_in()
    {
        await using var rig = await HostedPageRig.StartAsync(fixture, Branded(new TenantSettings()));
        var email = $"reset-{Guid.NewGuid():N}@example.com";
        await fixture.NewAccountAsync(rig.Tenant, pin: "1357", email: email);
        await using var context = await browser.NewContextAsync();
        var page = await WatchedPageAsync(context, rig);
        await LogInWithPasswordAsync(page, rig, email);

        await page.GotoAsync(rig.PageUrl("login"));
        await View(page).GetByRole(AriaRole.Link, new() { Name = "Forgot your PIN?" }).ClickAsync();
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Forgot your PIN?" })).ToBeFocusedAsync();
        await View(page).GetByLabel("E-mail address").FillAsync(email);
        await ShotAsync(page, "09-forgot-pin");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Send the link" }).ClickAsync();
        await Expect(page.Locator("#sent-text")).ToContainTextAsync("a link to choose a new PIN");

        var link = LinkIn(await fixture.Mail.LatestToAsync(email));
        Assert.Contains("vtype=resetpin", link, StringComparison.Ordinal);
        await page.GotoAsync(link);
        await Expect(View(page).GetByRole(AriaRole.Heading, new() { Name = "Choose a new PIN" })).ToBeFocusedAsync();
        await View(page).GetByLabel("New PIN").FillAsync("8642");
        await View(page).GetByLabel("Type the PIN again").FillAsync("8642");
        await ShotAsync(page, "10-reset-pin");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Save PIN" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your PIN is changed");
        await ShotAsync(page, "11-pin-changed");

        // The reset ended the PIN sessions; a password login starts a new one, on which the new PIN logs in.
        await View(page).GetByLabel("E-mail address").FillAsync(email);
        await View(page).GetByLabel("Password").FillAsync(Password);
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"Signed in as {email}");
        await page.GotoAsync(rig.PageUrl("login"));
        await View(page).GetByLabel("PIN", new() { Exact = true }).FillAsync("8642");
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Log in with PIN" }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"Signed in as {email}");
        Assert.Equal(3, rig.Received.Count(r => r.Email == email));
        AssertWatched(page);
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>The view the page shows (the others are in the document, hidden).</summary>
    private static ILocator View(IPage page) => page.Locator(".view:not([hidden])");

    private async Task LogInWithPasswordAsync(IPage page, HostedPageRig rig, string email)
    {
        await page.GotoAsync(rig.PageUrl("login"));
        await View(page).GetByLabel("E-mail address").FillAsync(email);
        await View(page).GetByLabel("Password").FillAsync(Password);
        await View(page).GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(page.Locator("#who")).ToHaveTextAsync($"Signed in as {email}");
    }

    private readonly List<string> _foreignRequests = [];
    private readonly List<string> _policyViolations = [];

    /// <summary>A page whose requests outside the gateway and the application, and whose CSP violations, are recorded.</summary>
    private async Task<IPage> WatchedPageAsync(IBrowserContext context, HostedPageRig rig)
    {
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(rig.GatewayUrl + "/", StringComparison.Ordinal) && !request.Url.StartsWith(rig.AppUrl + "/", StringComparison.Ordinal))
            {
                _foreignRequests.Add(request.Url);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                _policyViolations.Add(message.Text);
            }
        };
        return page;
    }

    private void AssertWatched(IPage page)
    {
        Assert.Empty(_foreignRequests);
        Assert.Empty(_policyViolations);
        Assert.False(page.IsClosed);
    }

    private Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(browser.ScreenshotFolder, name + ".png"), FullPage = true });

    private static string LinkIn(MimeKit.MimeMessage message) =>
        Link().Match(message.TextBody ?? "") is { Success: true } found ? found.Value : throw new Xunit.Sdk.XunitException($"No link in: {message.TextBody}");

    [GeneratedRegex(@"https?://[^\s""<>]+vtoken=[0-9a-f]+")]
    private static partial Regex Link();

    [GeneratedRegex(@"\b\d{2}:\d{2}\b")]
    private static partial Regex TimeRegex();
}
