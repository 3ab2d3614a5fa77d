using System.Text.Json.Serialization;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>One threshold and whether the run met it.</summary>
public sealed record Check(string Name, bool Passed, string Detail);

/// <summary>What a scenario measured, printed as the report and written as JSON.</summary>
public sealed class ScenarioResult
{
    public required string Scenario { get; init; }
    public required string Target { get; init; }
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public double DurationSeconds { get; set; }
    public int Sent { get; set; }
    public int Failed { get; set; }
    public SortedDictionary<string, int> FailedByReason { get; set; } = [];
    public int Retried { get; set; }
    public int AffinityKeys { get; set; }
    public int AffinityViolations { get; set; }
    public double? DetectSeconds { get; set; }
    public string? DetectMeans { get; set; }
    public double? RecoverSeconds { get; set; }
    public string? RecoverMeans { get; set; }
    public long? TableVersionBefore { get; set; }
    public long? TableVersionAfter { get; set; }
    public int? ChangesAcknowledged { get; set; }
    public int? ChangesPresentAfter { get; set; }
    public SortedDictionary<string, double> Measures { get; set; } = [];
    public List<Check> Checks { get; set; } = [];
    public string? Error { get; set; }

    [JsonPropertyOrder(-1)]
    public string Verdict => Passed ? "PASS" : "FAIL";

    [JsonIgnore]
    public bool Passed => Error is null && Checks.Count > 0 && Checks.All(c => c.Passed);

    public void Require(string name, bool passed, string detail) => Checks.Add(new Check(name, passed, detail));

    public void Print(TextWriter output)
    {
        output.WriteLine($"== {Scenario} ({Target}): {Verdict}  ({DurationSeconds:0} s)");
        var reasons = FailedByReason.Count == 0 ? "" : " (" + string.Join(", ", FailedByReason.Select(r => $"{r.Key}: {r.Value}")) + ")";
        output.WriteLine($"   requests  {Sent} sent, {Failed} failed{reasons}, {Retried} retried on another node");
        output.WriteLine($"   affinity  {AffinityViolations} violations over {AffinityKeys} keys");
        if (DetectSeconds is { } detect)
        {
            output.WriteLine($"   detect    {detect:0.0} s ({DetectMeans})");
        }

        if (RecoverSeconds is { } recover)
        {
            output.WriteLine($"   recover   {recover:0.0} s ({RecoverMeans})");
        }

        output.WriteLine($"   table     v{TableVersionBefore?.ToString() ?? "?"} -> v{TableVersionAfter?.ToString() ?? "?"}" +
            (ChangesAcknowledged is { } acked ? $"; changes acknowledged {acked}, present after {ChangesPresentAfter}" : ""));
        foreach (var (name, value) in Measures)
        {
            output.WriteLine($"   {name,-9} {value:0.###}");
        }

        foreach (var check in Checks)
        {
            output.WriteLine($"   [{(check.Passed ? "PASS" : "FAIL")}] {check.Name}: {check.Detail}");
        }

        if (Error is not null)
        {
            output.WriteLine($"   [FAIL] the scenario could not run: {Error}");
        }
    }

    /// <summary>The results as a Markdown table, for docs/chaos.md.</summary>
    public static string MarkdownTable(IReadOnlyList<ScenarioResult> results)
    {
        var table = new System.Text.StringBuilder();
        table.AppendLine("| scenario | verdict | requests | failed | retried | affinity violations | detect (s) | recover (s) | table | changes acked / present | other |");
        table.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var reasons = r.FailedByReason.Count == 0 ? "" : " (" + string.Join(", ", r.FailedByReason.Select(x => $"{x.Key}: {x.Value}")) + ")";
            table.AppendLine(
                $"| {r.Scenario} | {r.Verdict} | {r.Sent} | {r.Failed}{reasons} | {r.Retried} | {r.AffinityViolations} / {r.AffinityKeys} keys | " +
                $"{r.DetectSeconds?.ToString("0.0") ?? "-"} | {r.RecoverSeconds?.ToString("0.0") ?? "-"} | v{r.TableVersionBefore} → v{r.TableVersionAfter} | " +
                $"{(r.ChangesAcknowledged is { } acked ? $"{acked} / {r.ChangesPresentAfter}" : "-")} | " +
                string.Join(", ", r.Measures.Select(m => $"{m.Key} {m.Value:0.#}")) + (r.Error is null ? "" : $" error: {r.Error}") + " |");
        }

        return table.ToString();
    }
}
