using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ClusterLB.Dashboard.Tests.Infrastructure;

/// <summary>Saves a PNG of the page at each step of a test into TestResults/dashboard beside the test assembly.</summary>
public sealed class Screenshots(string test, ITestOutputHelper output)
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard");

    private int _step;

    public async Task TakeAsync(IPage page, string step)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{test}-{++_step:00}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
