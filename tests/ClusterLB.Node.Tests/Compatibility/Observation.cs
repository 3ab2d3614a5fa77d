using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>
/// Everything observable about one exchange through one proxy, flattened to named fields
/// (<c>status</c>, <c>response.header.x</c>, <c>backend.path</c> ...) so that two proxies compare field by field.
/// </summary>
public sealed partial record Observation(IReadOnlyDictionary<string, string> Fields)
{
    public const string NotReached = "(no request reached a backend)";

    public string? this[string field] => Fields.GetValueOrDefault(field);

    public int Status => int.Parse(Fields["status"]);

    public static async Task<Observation> ObserveAsync(HttpClient proxy, Exchange exchange, ConcurrentQueue<BackendRequest> received)
    {
        received.Clear();
        using var response = await proxy.SendAsync(exchange.ToRequest(), HttpCompletionOption.ResponseContentRead);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["status"] = ((int)response.StatusCode).ToString(),
            ["response.body"] = await response.Content.ReadAsStringAsync(),
        };
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            fields[$"response.header.{name.ToLowerInvariant()}"] = string.Join(", ", values);
        }

        foreach (var (name, values) in response.TrailingHeaders)
        {
            fields[$"response.trailer.{name.ToLowerInvariant()}"] = string.Join(", ", values);
        }

        var reached = received.ToList();
        fields["backend"] = reached.Count == 0 ? NotReached : string.Join(", ", reached.Select(r => r.Destination));
        if (reached.FirstOrDefault() is { } request)
        {
            fields["backend.protocol"] = request.Protocol;
            fields["backend.method"] = request.Method;
            fields["backend.path"] = request.Path;
            fields["backend.query"] = request.Query;
            fields["backend.body"] = request.Body;
            foreach (var (name, value) in request.Headers)
            {
                fields[$"backend.header.{name.ToLowerInvariant()}"] = value;
            }
        }

        return new Observation(Normalise(fields, proxy.BaseAddress!.Authority));
    }

    /// <summary>
    /// The only values that may differ between two proxies serving the same configuration:
    /// the proxy's own address (each listens on its own port; it shows up in Host, X-Forwarded-Host
    /// and Forwarded), the time of the answer (Date) and the trace ids of each request.
    /// </summary>
    private static Dictionary<string, string> Normalise(Dictionary<string, string> fields, string proxyAuthority)
    {
        var normalised = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            normalised[field] = field switch
            {
                "response.header.date" => "{date}",
                "backend.header.traceparent" or "backend.header.tracestate" or "backend.header.request-id" => "{trace id}",
                _ => value.Replace(proxyAuthority, "{proxy}", StringComparison.OrdinalIgnoreCase),
            };
        }

        return normalised;
    }

    /// <summary>Fields where the two observations differ and no documented difference explains it.</summary>
    public static IReadOnlyList<string> Differences(Observation yarp, Observation clusterLB)
    {
        var lines = new List<string>();
        foreach (var field in yarp.Fields.Keys.Union(clusterLB.Fields.Keys).Order(StringComparer.Ordinal))
        {
            var (yarpValue, clusterLBValue) = (yarp[field], clusterLB[field]);
            if (yarpValue == clusterLBValue || DocumentedDifferences.Explain(field, yarp, clusterLB) is not null)
            {
                continue;
            }

            lines.Add($"  {field}\n    YARP:      {Show(yarpValue)}\n    ClusterLB: {Show(clusterLBValue)}");
        }

        return lines;
    }

    private static string Show(string? value) => value is null ? "(absent)" : $"\"{NewLines().Replace(value, "\\n")}\"";

    [GeneratedRegex("\r?\n")]
    private static partial Regex NewLines();
}
