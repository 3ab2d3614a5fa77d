using BenchmarkDotNet.Attributes;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Core.Affinity;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Affinity;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.SessionAffinity;

namespace ClusterLB.Benchmarks;

/// <summary>What a keyed request costs in ClusterLB's own code: key hash, override lookup, ranking.</summary>
public class AffinityBenchmarks
{
    private readonly AffinitySettings _settings = new();
    private AffinityOverrides _overrides = null!;
    private KeyedAffinityPolicy _policy = null!;
    private ClusterState _cluster = null!;
    private IReadOnlyList<DestinationState> _available = null!;
    private SessionAffinityConfig _config = null!;
    private HttpContext _home = null!;
    private HttpContext _moved = null!;
    private HttpContext _noKey = null!;
    private ulong[] _hashes = null!;
    private bool[] _all = null!;

    [GlobalSetup]
    public void Setup()
    {
        var destinations = Enumerable.Range(1, 10).ToDictionary(i => $"d{i}", i => new DestinationConfig { Address = $"http://10.0.0.{i}/" });
        var config = new ClusterConfig { ClusterId = "keyed", Destinations = destinations };
        _cluster = new ClusterState("keyed");
        // YARP sets the model when it applies configuration; a benchmark has no proxy to do that.
        typeof(ClusterState).GetProperty(nameof(ClusterState.Model))!.SetValue(_cluster, new ClusterModel(config, new HttpMessageInvoker(new SocketsHttpHandler())));
        foreach (var id in destinations.Keys)
        {
            _cluster.Destinations[id] = new DestinationState(id);
        }

        _available = _cluster.Destinations.Values.ToList();
        _config = new SessionAffinityConfig { Enabled = true, Policy = "KeyedHeader", AffinityKeyName = "X-Session-Key" };
        // 100,000 overrides as a node holds them: replicated shards, none of them this node's unwritten change.
        _overrides = new AffinityOverrides(_settings);
        var expiresAtMs = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        foreach (var shard in Enumerable.Range(0, 100_000)
            .Select(i => new OverrideRecord("keyed", StableHash.Of($"moved-{i}"), "d3", expiresAtMs))
            .GroupBy(record => AffinityOverrides.ShardOf(record.Key, _settings.Shards)))
        {
            _overrides.Take(shard.Key, OverrideShard.FromRecords(shard, _settings.PerShardCap));
        }

        _policy = new KeyedAffinityPolicy("KeyedHeader", RequestKeyKind.Header, _overrides, _settings, TimeProvider.System);

        _home = Request("alice");
        _moved = Request("moved-42");
        _noKey = new DefaultHttpContext();
        _hashes = destinations.Keys.Order().Select(id => StableHash.Of(id)).ToArray();
        _all = Enumerable.Repeat(true, 10).ToArray();
    }

    private static HttpContext Request(string key)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Session-Key"] = key;
        return context;
    }

    [Benchmark(Description = "keyed request, key at home (miss in 100k overrides)")]
    public AffinityResult KeyAtHome() => _policy.FindAffinitizedDestinations(_home, _cluster, _config, _available);

    [Benchmark(Description = "keyed request, key moved (hit in 100k overrides)")]
    public AffinityResult KeyMoved() => _policy.FindAffinitizedDestinations(_moved, _cluster, _config, _available);

    [Benchmark(Description = "request without a key")]
    public AffinityResult NoKey() => _policy.FindAffinitizedDestinations(_noKey, _cluster, _config, _available);

    [Benchmark(Description = "rendezvous pick over 10 destinations")]
    public int Pick() => KeyedAffinity.Pick(0x1234_5678_9abc_def0UL, _hashes, _all);

    [Benchmark(Description = "stable hash of a 16-char key")]
    public ulong Hash() => StableHash.Of("session-12345678");
}
