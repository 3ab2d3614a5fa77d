using System.Diagnostics;
using System.Diagnostics.Metrics;
using Akka.Actor;
using ClusterLB.Cluster.Affinity;
using ClusterLB.Node.Caching;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Observability;

/// <summary>
/// ClusterLB's own instruments (meter <c>ClusterLB.Proxy</c>): proxied requests and their latency by
/// route, cluster, destination and status class; health transitions; and, read when scraped, the
/// routing-table version, Up members, the affinity override table and the response cache. Retries
/// (<c>ClusterLB.Retries</c>) and rate limits (<c>ClusterLB.RateLimiting</c>) have meters of their own.
/// Recording costs nothing when no listener (the Prometheus exporter) is on.
/// </summary>
public sealed class ProxyMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ClusterLB.Proxy";

    private readonly Histogram<double> _requests;
    private readonly Counter<long> _healthTransitions;
    private readonly Counter<long> _affinityHits;
    private readonly Counter<long> _affinityMisses;

    /// <summary>Creates the instruments; the observable ones read the services when scraped.</summary>
    public ProxyMetrics(IMeterFactory meters, IServiceProvider services)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateHistogram<double>(
            "clusterlb.proxy.request.duration",
            unit: "s",
            description: "Requests proxied to a destination, from the proxy's view: until the answer was complete or failed.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _healthTransitions = meter.CreateCounter<long>(
            "clusterlb.health.transitions", description: "Health changes this node applied to a destination, by the health it took.");
        meter.CreateObservableGauge(
            "clusterlb.routing_table.version", () => services.GetRequiredService<NodeState>().AppliedTable?.Version ?? 0,
            description: "Version of the routing table this node runs.");
        meter.CreateObservableGauge(
            "clusterlb.cluster.members", () => UpMembers(services),
            description: "Up members of the cluster as this node sees them.");
        meter.CreateObservableGauge(
            "clusterlb.affinity.overrides", () => services.GetRequiredService<AffinityOverrides>().Count,
            description: "Keys moved off their home destination, held by this node.");
        _affinityHits = meter.CreateCounter<long>(
            "clusterlb.affinity.hits", description: "Keyed requests sent where their key was pinned, by cluster and via (home: the key's hash; override: a recorded move).");
        _affinityMisses = meter.CreateCounter<long>(
            "clusterlb.affinity.misses",
            description: "Keyed requests that could not go where their key was pinned, by cluster and reason (moved: home out, a new override recorded; no_key; no_destination).");
        meter.CreateObservableGauge(
            "clusterlb.replication.lag", () => ReplicationLag(services), unit: "s",
            description: "Seconds from the writer accepting the routing-table version this node runs until this node applied it.");
        meter.CreateObservableCounter(
            "clusterlb.affinity.evictions", () => services.GetRequiredService<AffinityOverrides>().Evictions,
            description: "Overrides this node evicted to stay within the cap.");
        meter.CreateObservableCounter("clusterlb.cache.requests", () => CacheRequests(services), description: "Requests the response cache looked up, by outcome.");
        meter.CreateObservableGauge(
            "clusterlb.destination.up", () => DestinationsUp(services),
            description: "1 while this node sends a destination traffic as its health allows (healthy or not yet judged), 0 while the destination is out.");
    }

    /// <summary>Records one proxied request.</summary>
    public void RequestProxied(string route, string cluster, string destination, int status, long startedAt, long endedAt)
    {
        if (!_requests.Enabled)
        {
            return;
        }

        var tags = new TagList
        {
            { "route", route },
            { "cluster", cluster },
            { "destination", destination },
            { "status_class", StatusClass(status) },
        };
        _requests.Record(Stopwatch.GetElapsedTime(startedAt, endedAt).TotalSeconds, tags);
    }

    /// <summary>Counts a keyed request of <paramref name="cluster"/> that went where its key was pinned.</summary>
    public void AffinityHit(string cluster, AffinityHitVia via) =>
        _affinityHits.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new("via", via == AffinityHitVia.Home ? "home" : "override"));

    /// <summary>Counts a keyed request of <paramref name="cluster"/> that could not go where its key was pinned.</summary>
    public void AffinityMissed(string cluster, AffinityMissReason reason) =>
        _affinityMisses.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new("reason", reason switch
        {
            AffinityMissReason.Moved => "moved",
            AffinityMissReason.NoKey => "no_key",
            _ => "no_destination",
        }));

    /// <summary>Records that <paramref name="destination"/> of <paramref name="cluster"/> became <paramref name="health"/>.</summary>
    public void HealthChanged(string cluster, string destination, string health) =>
        _healthTransitions.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new("destination", destination), new("health", health));

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };

    private static IEnumerable<Measurement<double>> ReplicationLag(IServiceProvider services) =>
        services.GetRequiredService<NodeState>().ReplicationLagSeconds is { } lag ? [new Measurement<double>(lag)] : [];

    private static int UpMembers(IServiceProvider services) =>
        services.GetService<ActorSystem>() is { } system
            ? Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up)
            : 0;

    private static IEnumerable<Measurement<int>> DestinationsUp(IServiceProvider services) =>
        services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>().GetClusters()
            .SelectMany(cluster => cluster.Destinations.Values.Select(d => new Measurement<int>(
                d.Health.Active == Yarp.ReverseProxy.Model.DestinationHealth.Unhealthy ? 0 : 1,
                new KeyValuePair<string, object?>("cluster", cluster.ClusterId),
                new KeyValuePair<string, object?>("destination", d.DestinationId))))
            .ToList();

    private static IEnumerable<Measurement<long>> CacheRequests(IServiceProvider services)
    {
        var status = services.GetRequiredService<ResponseCaches>().Status();
        return
        [
            new(status.Hits, new KeyValuePair<string, object?>("outcome", "hit")),
            new(status.Misses, new KeyValuePair<string, object?>("outcome", "miss")),
            new(status.Revalidated, new KeyValuePair<string, object?>("outcome", "revalidated")),
        ];
    }
}

/// <summary>How a keyed request found its pinned destination.</summary>
public enum AffinityHitVia
{
    /// <summary>The key's home by hashing.</summary>
    Home,

    /// <summary>The destination a recorded override moved the key to.</summary>
    Override,
}

/// <summary>Why a keyed request did not go where its key was pinned.</summary>
public enum AffinityMissReason
{
    /// <summary>Its home (or override) is out: it moved, and the move is recorded as an override.</summary>
    Moved,

    /// <summary>The request carried no key.</summary>
    NoKey,

    /// <summary>No destination could take it.</summary>
    NoDestination,
}
