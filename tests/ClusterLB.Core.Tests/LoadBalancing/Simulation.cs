namespace ClusterLB.Core.Tests.LoadBalancing;

/// <summary>
/// Requests in flight to a few destinations that all answer alike: after each pick one request in
/// flight, chosen at random, completes. Each destination's outstanding count is what a
/// load-aware policy sees.
/// </summary>
internal sealed class Simulation(int destinations, int concurrency, int seed)
{
    private readonly Random _random = new(seed);
    private readonly List<int> _inFlight = [];

    public int[] Outstanding { get; } = new int[destinations];

    public int[] Picks { get; } = new int[destinations];

    /// <summary>Runs <paramref name="picks"/> picks of <paramref name="pick"/>, which sees the outstanding counts.</summary>
    public Simulation Run(int picks, Func<int[], int> pick)
    {
        for (var i = 0; i < picks; i++)
        {
            var chosen = pick(Outstanding);
            Picks[chosen]++;
            Outstanding[chosen]++;
            _inFlight.Add(chosen);
            if (_inFlight.Count >= concurrency)
            {
                var done = _random.Next(_inFlight.Count);
                Outstanding[_inFlight[done]]--;
                _inFlight[done] = _inFlight[^1];
                _inFlight.RemoveAt(_inFlight.Count - 1);
            }
        }

        return this;
    }

    /// <summary>Asserts that each destination's share of the picks is within one percentage point of its share of the weight.</summary>
    public static void AssertShares(int[] picks, double[] weights)
    {
        var total = picks.Sum();
        var weight = weights.Sum();
        for (var i = 0; i < picks.Length; i++)
        {
            var share = (double)picks[i] / total;
            Assert.True(Math.Abs(share - (weights[i] / weight)) <= 0.01, $"destination {i}: share {share:P2}, weight share {weights[i] / weight:P2}");
        }
    }
}
