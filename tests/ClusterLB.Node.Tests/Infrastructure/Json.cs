using System.Text;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>JSON as a user writes it: an appsettings.json text, or an admin request body.</summary>
public static class Json
{
    /// <summary>The configuration keys an appsettings.json text holds, e.g. <c>ReverseProxy:Routes:api:ClusterId</c>.</summary>
    public static Dictionary<string, string?> Settings(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build()
            .AsEnumerable()
            .Where(pair => pair.Value is not null)
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>An <c>application/json</c> request body.</summary>
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}
