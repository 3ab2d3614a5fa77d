using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ClusterLB.Dashboard.Tests.Infrastructure;

/// <summary>The dashboard as a user drives it, and the admin API it reads, for one node.</summary>
public static class DashboardPage
{
    public static string Url(TestNode node) => new Uri(new Uri(node.Node.AdminUrl), "/dashboard/").ToString();

    /// <summary>Types <paramref name="token"/> into the login form and submits it.</summary>
    public static async Task LogInAsync(IPage page, string token)
    {
        await page.GetByLabel("Admin token").FillAsync(token);
        await page.GetByTestId("login-submit").ClickAsync();
    }

    /// <summary>Logs in and waits for the first answer of <paramref name="node"/>.</summary>
    public static async Task LogInAndWaitAsync(IPage page, string token, string node)
    {
        await LogInAsync(page, token);
        await Expect(page.GetByTestId("answering-node")).ToHaveTextAsync(node, new() { Timeout = 15_000 });
    }

    /// <summary>What <paramref name="node"/>'s <c>/admin/observe</c> says of one destination, or null while it lists none.</summary>
    public static async Task<JsonElement?> ObservedDestinationAsync(TestNode node, string cluster, string destination)
    {
        using var observed = JsonDocument.Parse(await node.Admin.GetStringAsync("/admin/observe"));
        foreach (var d in observed.RootElement.GetProperty("destinations").EnumerateArray())
        {
            if (d.GetProperty("cluster").GetString() == cluster && d.GetProperty("destination").GetString() == destination)
            {
                return d.Clone();
            }
        }

        return null;
    }

    /// <summary>The routing table's current version as <c>/admin/history</c> reports it.</summary>
    public static async Task<long> TableVersionAsync(TestNode node)
    {
        using var history = JsonDocument.Parse(await node.Admin.GetStringAsync("/admin/history?limit=1"));
        return history.RootElement.GetProperty("version").GetInt64();
    }
}
