using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;
using ClusterLB.Node.LoadBalancing;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.LoadBalancing;

/// <summary>YARP cluster state for policy tests without a node: destinations with metadata, a fake clock, verdicts set by hand.</summary>
internal sealed class Clusters
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public Dictionary<string, ReplicatedVerdict> Verdicts { get; set; } = [];

    public DestinationArrivals Arrivals { get; }

    public DestinationWeights Weights { get; }

    public Clusters()
    {
        Arrivals = new DestinationArrivals(Clock);
        Weights = new DestinationWeights(Clock, () => Verdicts, Arrivals);
    }

    public static ClusterState Cluster(string policy, IReadOnlyDictionary<string, string>? metadata, params (string Id, IReadOnlyDictionary<string, string>? Metadata)[] destinations)
    {
        var config = new ClusterConfig
        {
            ClusterId = "c1",
            LoadBalancingPolicy = policy,
            Metadata = metadata,
            Destinations = destinations.ToDictionary(d => d.Id, d => new DestinationConfig { Address = $"http://{d.Id}/", Metadata = d.Metadata }),
        };
        var cluster = new ClusterState("c1");
        // YARP sets the model when it applies configuration; a test has no proxy to do that.
        typeof(ClusterState).GetProperty(nameof(ClusterState.Model))!.SetValue(cluster, new ClusterModel(config, new HttpMessageInvoker(new HttpClientHandler())));
        foreach (var (id, _) in destinations)
        {
            cluster.Destinations[id] = new DestinationState(id);
        }

        var all = cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal).ToArray();
        typeof(ClusterState).GetProperty(nameof(ClusterState.DestinationsState))!.SetValue(cluster, new ClusterDestinationsState(all, all));
        return cluster;
    }

    public static ClusterState Weighted(string policy, params double[] weights) => Cluster(
        policy,
        new Dictionary<string, string> { ["ClusterLB.HashKey"] = "Header:X-User" },
        weights.Select((w, i) => ($"d{i}", (IReadOnlyDictionary<string, string>?)new Dictionary<string, string> { ["ClusterLB.Weight"] = $"{w}" })).ToArray());

    /// <summary>The node applied a table with these destinations of cluster c1.</summary>
    public void Applied(params string[] destinations) =>
        Arrivals.Applying(RoutingTable.From([], [new ClusterDefinition
        {
            ClusterId = "c1",
            Destinations = destinations.ToDictionary(d => d, _ => new DestinationDefinition { Address = "http://x/" }),
        }]));

    public void Healthy(string destination, DateTimeOffset since) =>
        Verdicts = new Dictionary<string, ReplicatedVerdict>(Verdicts) { [DestinationKey.Of("c1", destination)] = new(HealthVerdict.Healthy, "owner", 1, "probe", since) };
}
