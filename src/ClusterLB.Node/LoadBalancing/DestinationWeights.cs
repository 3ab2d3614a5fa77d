using System.Runtime.CompilerServices;
using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;
using ClusterLB.Core.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// The one place that says what a destination weighs at a pick: its configured weight
/// (<see cref="LoadBalancingMetadata.Weight"/>) times its slow-start share, which ramps from the
/// latest of its healthy verdict (decided by the cluster, so all nodes agree), its arrival in the
/// table and its enabling by an operator. Also keeps each cluster's <see cref="ClusterBalance"/>, one
/// per configuration, and the monotonic clock of latency measurements.
/// </summary>
internal sealed class DestinationWeights(
    TimeProvider time,
    Func<IReadOnlyDictionary<string, ReplicatedVerdict>> verdicts,
    DestinationArrivals arrivals)
{
    private readonly ConditionalWeakTable<ClusterModel, ClusterBalance> _balances = new();
    private readonly long _origin = time.GetTimestamp();

    /// <summary>Monotonic time since an arbitrary origin, for latency estimates.</summary>
    public TimeSpan Now => time.GetElapsedTime(_origin);

    /// <summary>The balance of a cluster configuration, made on first use.</summary>
    public ClusterBalance Of(ClusterModel model) => _balances.GetValue(model, static m => new ClusterBalance(m));

    /// <summary>
    /// Fills, for each of <paramref name="destinations"/>, its index among the configured ones and its
    /// weight now. Allocates nothing unless the verdicts or the table changed since the last pick.
    /// </summary>
    public void Fill(ClusterState cluster, ClusterBalance balance, IReadOnlyList<DestinationState> destinations, Span<int> indices, Span<double> weights)
    {
        balance.IndicesOf(cluster, destinations, indices);
        for (var i = 0; i < destinations.Count; i++)
        {
            weights[i] = indices[i] >= 0 ? balance.Weights[indices[i]] : 1;
        }

        if (balance.SlowStart is not { } slowStart)
        {
            return;
        }

        var ramp = RampOf(balance, slowStart);
        var now = time.GetUtcNow();
        if (now >= ramp.EndsBy)
        {
            return;
        }

        for (var i = 0; i < destinations.Count; i++)
        {
            if (indices[i] >= 0 && ramp.Starts[indices[i]] is { } start)
            {
                weights[i] *= slowStart.Factor(start, now);
            }
        }
    }

    /// <summary>The weight of each configured destination now, in the order of <see cref="ClusterBalance.Ids"/>.</summary>
    public double[] Current(ClusterBalance balance)
    {
        var weights = (double[])balance.Weights.Clone();
        if (balance.SlowStart is { } slowStart)
        {
            var ramp = RampOf(balance, slowStart);
            var now = time.GetUtcNow();
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] *= ramp.Starts[i] is { } start ? slowStart.Factor(start, now) : 1;
            }
        }

        return weights;
    }

    private SlowStartRamp RampOf(ClusterBalance balance, SlowStart slowStart)
    {
        var currentVerdicts = verdicts();
        var version = arrivals.Version;
        if (balance.Ramp is { } ramp && ReferenceEquals(ramp.Verdicts, currentVerdicts) && ramp.ArrivalsVersion == version)
        {
            return ramp;
        }

        var starts = new DateTimeOffset?[balance.Count];
        var endsBy = DateTimeOffset.MinValue;
        for (var i = 0; i < balance.Count; i++)
        {
            var id = balance.Ids[i];
            var healthySince = currentVerdicts.TryGetValue(DestinationKey.Of(balance.ClusterId, id), out var verdict) && verdict.Verdict == HealthVerdict.Healthy
                ? verdict.Since
                : (DateTimeOffset?)null;
            starts[i] = SlowStart.RampStart(healthySince, arrivals.AddedAt(balance.ClusterId, id), balance.EnabledAt[i]);
            if (starts[i] + slowStart.Duration > endsBy)
            {
                endsBy = starts[i]!.Value + slowStart.Duration;
            }
        }

        return balance.Ramp = new SlowStartRamp(currentVerdicts, version, starts, endsBy);
    }
}
