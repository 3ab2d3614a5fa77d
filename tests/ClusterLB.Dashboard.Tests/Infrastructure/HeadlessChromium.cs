using Microsoft.Playwright;

namespace ClusterLB.Dashboard.Tests.Infrastructure;

/// <summary>
/// Debian's chromium, driven by Playwright's bundled driver: one headless browser for the test run,
/// each test in its own browser context (its own session storage). Playwright never downloads a browser here.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    /// <summary>Where the browser is looked for; CLUSTERLB_CHROMIUM names another.</summary>
    public static readonly string[] Candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        var executable = FindChromium();
        // The suite runs beside the other test projects on a few shared cores: page expectations get
        // 15 s unless a step says otherwise (the 5 s of a verdict change does).
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Chromium's sandbox needs user namespaces, which containers and root accounts often lack;
            // the browser only ever opens the test's own pages on loopback.
            Args = ["--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (no session storage) with a page at <paramref name="url"/>.</summary>
    public async Task<(IBrowserContext Context, IPage Page)> OpenAsync(string url)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(url);
        return (context, page);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable("CLUSTERLB_CHROMIUM");
        var candidates = string.IsNullOrEmpty(configured) ? Candidates : [configured];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"The dashboard tests drive Debian's chromium, which is not installed (looked for {string.Join(", ", candidates)}): " +
                "apt-get install chromium (./test.sh installs it), or set CLUSTERLB_CHROMIUM to a Chromium executable.");
    }
}

/// <summary>Dashboard tests share one browser and run one at a time: each starts real nodes of its own.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DashboardCollection : ICollectionFixture<HeadlessChromium>
{
    public const string Name = "dashboard";
}
