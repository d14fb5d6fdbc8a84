using Microsoft.Playwright;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Browser;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>chromium</c> (test.sh installs it) driven by Playwright for
/// .NET through its bundled driver; Playwright's own browser download is never used. The flags keep a browser on a
/// machine without a network quiet: no background, component, sync or QUIC traffic. Each test takes a fresh context
/// (its own storage, in UTC and en-GB so that times read the same on every machine).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go: TestResults/hosted-page/ of the repository (test.sh keeps TestResults as the run's artifacts).</summary>
    public string ScreenshotFolder { get; } = Path.Combine(TestEnvironment.RepositoryRoot(), "TestResults", "hosted-page");

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: ./test.sh installs Debian's chromium package (ensure_chromium in scripts/common.sh).");
        Directory.CreateDirectory(ScreenshotFolder);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
    }

    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        Locale = "en-GB",
        TimezoneId = "UTC",
        ViewportSize = new ViewportSize { Width = 900, Height = 860 },
    });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
