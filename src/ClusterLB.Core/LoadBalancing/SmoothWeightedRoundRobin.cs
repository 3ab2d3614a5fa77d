namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// Smooth weighted round robin, as nginx does it: at each pick every candidate's current weight
/// grows by its weight, the largest wins and loses the sum of the weights. Over any run of picks
/// each destination's share follows its weight, and the picks of a heavy destination are spread
/// out (5, 1, 1 gives a a b a c a a, not a a a a a b c). Thread-safe; one instance per cluster.
/// </summary>
public sealed class SmoothWeightedRoundRobin
{
    private readonly double[] _current;
    private readonly Lock _lock = new();

    /// <summary>State for <paramref name="destinations"/> destinations, identified by index.</summary>
    public SmoothWeightedRoundRobin(int destinations) => _current = new double[destinations];

    /// <summary>
    /// Picks among <paramref name="candidates"/> (destination indices) with their
    /// <paramref name="weights"/>; returns the position in <paramref name="candidates"/>, -1 when empty.
    /// Destinations left out of a pick (unavailable) keep their current weight.
    /// </summary>
    public int Pick(ReadOnlySpan<int> candidates, ReadOnlySpan<double> weights)
    {
        if (candidates.Length <= 1)
        {
            return candidates.Length - 1;
        }

        lock (_lock)
        {
            var total = 0.0;
            var best = 0;
            for (var i = 0; i < candidates.Length; i++)
            {
                var current = _current[candidates[i]] += weights[i];
                total += weights[i];
                if (current > _current[candidates[best]])
                {
                    best = i;
                }
            }

            _current[candidates[best]] -= total;
            return best;
        }
    }
}
