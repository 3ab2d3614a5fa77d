using ClusterLB.Chaos.Load;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>Reads a load report: failures, and whether keys stayed where the cluster put them.</summary>
public static class LoadAnalysis
{
    /// <summary>Fills the request counts of <paramref name="result"/> from <paramref name="report"/>.</summary>
    public static void Count(LoadReport report, ScenarioResult result, ISet<string> faultedBackends)
    {
        result.Sent = report.Requests.Count;
        result.Failed = report.Requests.Count(r => !r.Ok);
        result.FailedByReason = new SortedDictionary<string, int>(report.Requests.Where(r => !r.Ok).GroupBy(r => r.Outcome).ToDictionary(g => g.Key, g => g.Count()));
        result.Retried = report.Requests.Count(r => r.Retried);
        result.AffinityKeys = report.Requests.Where(r => r.Key is not null).Select(r => r.Key).Distinct().Count();
        result.AffinityViolations = AffinityViolations(report, faultedBackends).Count;
    }

    /// <summary>
    /// Answers for a key by another backend than the one the cluster had given it. A key may move once
    /// away from a backend that the scenario broke; any other move (between healthy backends, or back
    /// to the broken one) is a violation.
    /// </summary>
    public static IReadOnlyList<(string Key, string From, string To, long At)> AffinityViolations(LoadReport report, ISet<string> faultedBackends)
    {
        var violations = new List<(string, string, string, long)>();
        foreach (var key in report.Requests.Where(r => r.Key is not null && r.Ok && r.Backend is not null).GroupBy(r => r.Key!))
        {
            string? current = null;
            var left = new HashSet<string>();
            foreach (var request in key.OrderBy(r => r.At))
            {
                if (current is not null && request.Backend != current)
                {
                    if (!faultedBackends.Contains(current) || left.Contains(request.Backend!))
                    {
                        violations.Add((key.Key, current, request.Backend!, request.At));
                    }

                    left.Add(current);
                }

                current = request.Backend;
            }
        }

        return violations;
    }

    /// <summary>Failed requests sent at or after <paramref name="from"/> (Unix ms).</summary>
    public static int FailuresFrom(LoadReport report, long from) => report.Requests.Count(r => !r.Ok && r.At >= from);

    /// <summary>The last failed request sent at or after <paramref name="from"/>, or null.</summary>
    public static long? LastFailureFrom(LoadReport report, long from) =>
        report.Requests.Where(r => !r.Ok && r.At >= from).Select(r => (long?)r.At).Max();
}
