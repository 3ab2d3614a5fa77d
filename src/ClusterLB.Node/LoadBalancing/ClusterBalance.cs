using ClusterLB.Core.Hashing;
using ClusterLB.Core.LoadBalancing;
using ClusterLB.Core.Routing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.LoadBalancing;

/// <summary>
/// What the load-balancing policies keep for one cluster configuration: the configured destinations
/// in a fixed order (ordinal by id) with their hashes and parsed weights, the cluster's hash key,
/// slow start and decay time, and each policy's running state (round-robin counters, latency
/// estimates, the Maglev table), made on first use. A configuration change makes a new
/// <see cref="ClusterModel"/>, and so a new balance: nothing is parsed per request.
/// </summary>
internal sealed class ClusterBalance
{
    private readonly Dictionary<string, int> _indexById;
    private volatile Dictionary<DestinationState, int> _indexByState = new(ReferenceEqualityComparer.Instance);
    private volatile ListIndices? _listIndices;
    private SmoothWeightedRoundRobin? _roundRobin;
    private PeakEwmaLatency[]? _latencies;
    private MaglevTable? _maglev;

    public ClusterBalance(ClusterModel model)
    {
        ClusterId = model.Config.ClusterId;
        var destinations = model.Config.Destinations ?? new Dictionary<string, Yarp.ReverseProxy.Configuration.DestinationConfig>();
        Ids = destinations.Keys.Order(StringComparer.Ordinal).ToArray();
        Hashes = Ids.Select(id => StableHash.Of(id)).ToArray();
        Weights = Ids.Select(id => LoadBalancingMetadata.WeightOf(destinations[id].Metadata)).ToArray();
        EnabledAt = Ids.Select(id => LoadBalancingMetadata.EnabledAt(destinations[id].Metadata)).ToArray();
        _indexById = Ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        var metadata = model.Config.Metadata;
        HashKey = LoadBalancingMetadata.HashKeyOf(metadata);
        SlowStart = LoadBalancingMetadata.SlowStartOf(metadata);
        DecayTime = LoadBalancingMetadata.DecayTimeOf(metadata);
        EqualWeights = SlowStart is null && Weights.All(w => w == 1);
    }

    public string ClusterId { get; }

    /// <summary>Configured destination ids, ordinal.</summary>
    public string[] Ids { get; }

    /// <summary><see cref="StableHash"/> of each id.</summary>
    public ulong[] Hashes { get; }

    /// <summary>Configured weight of each destination (<see cref="LoadBalancingMetadata.Weight"/>).</summary>
    public double[] Weights { get; }

    /// <summary>When an operator made each destination active, from its metadata; null when not said.</summary>
    public DateTimeOffset?[] EnabledAt { get; }

    /// <summary>Where ConsistentHash reads the key; null when the cluster has none.</summary>
    public RequestKeySource? HashKey { get; }

    /// <summary>The cluster's slow start; null when off.</summary>
    public SlowStart? SlowStart { get; }

    /// <summary>PeakEwma's decay time.</summary>
    public TimeSpan DecayTime { get; }

    /// <summary>No weights and no slow start: every destination weighs 1, and the policies pick as YARP's do.</summary>
    public bool EqualWeights { get; }

    /// <summary>The ramp times slow start last computed (see <see cref="DestinationWeights"/>).</summary>
    internal volatile SlowStartRamp? Ramp;

    public int Count => Ids.Length;

    public SmoothWeightedRoundRobin RoundRobin =>
        _roundRobin ?? Interlocked.CompareExchange(ref _roundRobin, new SmoothWeightedRoundRobin(Count), null) ?? _roundRobin;

    public PeakEwmaLatency[] Latencies =>
        _latencies ?? Interlocked.CompareExchange(ref _latencies, Ids.Select(_ => new PeakEwmaLatency(DecayTime)).ToArray(), null) ?? _latencies;

    public MaglevTable Maglev =>
        _maglev ?? Interlocked.CompareExchange(ref _maglev, ConsistentHashing.BuildTable(Hashes), null) ?? _maglev;

    /// <summary>
    /// Index of each of <paramref name="destinations"/> among the configured ones (-1 for one that is
    /// not, e.g. while a configuration change is under way). YARP's own destination lists are
    /// immutable, so their indices are kept.
    /// </summary>
    public void IndicesOf(ClusterState cluster, IReadOnlyList<DestinationState> destinations, Span<int> indices)
    {
        if (_listIndices is { } cached && ReferenceEquals(cached.List, destinations))
        {
            cached.Indices.CopyTo(indices);
            return;
        }

        for (var i = 0; i < destinations.Count; i++)
        {
            indices[i] = IndexOf(destinations[i]);
        }

        if (ReferenceEquals(destinations, cluster.DestinationsState.AvailableDestinations)
            || ReferenceEquals(destinations, cluster.DestinationsState.AllDestinations))
        {
            _listIndices = new ListIndices(destinations, indices.ToArray());
        }
    }

    // By reference first (YARP keeps one state object per destination): cheaper than hashing the id.
    public int IndexOf(DestinationState destination)
    {
        if (_indexByState.TryGetValue(destination, out var index))
        {
            return index;
        }

        index = _indexById.TryGetValue(destination.DestinationId, out var i) ? i : -1;
        if (index >= 0)
        {
            _indexByState = new Dictionary<DestinationState, int>(_indexByState, ReferenceEqualityComparer.Instance) { [destination] = index };
        }

        return index;
    }

    private sealed record ListIndices(IReadOnlyList<DestinationState> List, int[] Indices);
}

/// <summary>When each destination's slow start began, and the sources it was computed from.</summary>
/// <param name="Verdicts">The health verdicts it was computed from (compared by reference).</param>
/// <param name="ArrivalsVersion">The version of the arrival times it was computed from.</param>
/// <param name="Starts">The start of each destination's ramp; null for none.</param>
/// <param name="EndsBy">When every ramp is over.</param>
internal sealed record SlowStartRamp(object Verdicts, long ArrivalsVersion, DateTimeOffset?[] Starts, DateTimeOffset EndsBy);
