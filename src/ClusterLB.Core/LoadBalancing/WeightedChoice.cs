namespace ClusterLB.Core.LoadBalancing;

/// <summary>
/// Draws destinations at random in proportion to their weights, and compares loads relative to
/// weight. With equal weights these are YARP's uniform draws and plain comparisons.
/// </summary>
public static class WeightedChoice
{
    /// <summary>
    /// Draws two different positions, each in proportion to its weight (the second among the
    /// others); with one weight both are 0. Needs at least one weight.
    /// </summary>
    public static (int First, int Second) DrawTwo(ReadOnlySpan<double> weights, Random random)
    {
        if (weights.Length == 1)
        {
            return (0, 0);
        }

        var total = 0.0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        var first = Draw(weights, random.NextDouble() * total, -1);
        var second = Draw(weights, random.NextDouble() * (total - weights[first]), first);
        return (first, second);
    }

    /// <summary>Draws two different positions out of <paramref name="count"/>, uniformly (YARP's PowerOfTwoChoices draw).</summary>
    public static (int First, int Second) DrawTwo(int count, Random random)
    {
        if (count == 1)
        {
            return (0, 0);
        }

        var first = random.Next(count);
        var second = random.Next(count - 1);
        return (first, second >= first ? second + 1 : second);
    }

    /// <summary>
    /// Whether <paramref name="loadA"/> at weight <paramref name="weightA"/> is a lighter share than
    /// <paramref name="loadB"/> at <paramref name="weightB"/> (load / weight, compared without dividing).
    /// </summary>
    public static bool IsLighter(double loadA, double weightA, double loadB, double weightB) => loadA * weightB < loadB * weightA;

    /// <summary>
    /// Of two drawn positions, the one with fewer outstanding requests for its weight, the first on a
    /// tie: YARP's PowerOfTwoChoices when the weights are equal.
    /// </summary>
    public static int Lighter(int first, int second, ReadOnlySpan<double> weights, ReadOnlySpan<int> outstanding) =>
        IsLighter(outstanding[second] + 1, weights[second], outstanding[first] + 1, weights[first]) ? second : first;

    /// <summary>
    /// The position with the fewest outstanding requests for its weight ((outstanding + 1) / weight,
    /// so that an idle heavy destination goes before an idle light one), the first on a tie: YARP's
    /// LeastRequests when the weights are equal. -1 when empty.
    /// </summary>
    public static int Least(ReadOnlySpan<double> weights, ReadOnlySpan<int> outstanding)
    {
        if (weights.IsEmpty)
        {
            return -1;
        }

        var best = 0;
        for (var i = 1; i < weights.Length; i++)
        {
            if (IsLighter(outstanding[i] + 1, weights[i], outstanding[best] + 1, weights[best]))
            {
                best = i;
            }
        }

        return best;
    }

    private static int Draw(ReadOnlySpan<double> weights, double point, int skip)
    {
        var last = -1;
        for (var i = 0; i < weights.Length; i++)
        {
            if (i == skip)
            {
                continue;
            }

            last = i;
            point -= weights[i];
            if (point < 0)
            {
                return i;
            }
        }

        // Rounding can leave the point at the very end.
        return last;
    }
}
