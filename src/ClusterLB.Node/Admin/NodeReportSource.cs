using System.Diagnostics;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Observability;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Admin;

/// <summary>
/// This node's report for the cluster view and <c>/admin/observe</c>, read from its state once a
/// second by the member reporter: counters, the traffic window, process CPU and memory, replication
/// lag, and what it observed as the health owner of its destinations.
/// </summary>
internal sealed class NodeReportSource(
    NodeOptions options, NodeState state, AffinityOverrides overrides, TrafficRecorder traffic, HealthObservations health) : IMemberReportSource
{
    private readonly Lock _cpuLock = new();
    private TimeSpan _lastCpu;
    private long _lastCpuAt;

    public MemberReport Current()
    {
        var (node, destinations) = traffic.Read();
        var (cpuPercent, memoryMb) = ProcessLoad();
        return new MemberReport(
            options.EffectiveNodeName,
            state.AppliedTable?.Version ?? -1,
            state.VerdictVersion,
            state.Requests,
            state.ProxyErrors,
            overrides.Count,
            DateTimeOffset.UtcNow)
        {
            WindowSeconds = traffic.WindowSeconds,
            Traffic = node,
            Destinations = destinations,
            CpuPercent = cpuPercent,
            MemoryMb = memoryMb,
            ReplicationLagSeconds = state.ReplicationLagSeconds,
            Owned = HealthObservations.MostTelling(health.Owned, MemberReport.MaxOwned),
        };
    }

    // CPU time over wall time since the previous report, in percent of one core.
    private (double? CpuPercent, double MemoryMb) ProcessLoad()
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var memoryMb = Math.Round(process.WorkingSet64 / (1024.0 * 1024.0), 1);
        var now = Stopwatch.GetTimestamp();
        lock (_cpuLock)
        {
            double? percent = _lastCpuAt == 0 ? null : Math.Round(100 * (cpu - _lastCpu).TotalSeconds / Stopwatch.GetElapsedTime(_lastCpuAt, now).TotalSeconds, 1);
            _lastCpu = cpu;
            _lastCpuAt = now;
            return (percent, memoryMb);
        }
    }
}
