namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>Builds <c>ReverseProxy</c> configuration keys, as a user would write them in appsettings.json.</summary>
public sealed class RouteSettings : Dictionary<string, string?>
{
    /// <summary>A route at <paramref name="prefix"/> that strips the prefix and forwards to <paramref name="cluster"/>.</summary>
    public RouteSettings Route(string id, string prefix, string cluster, string? timeout = null)
    {
        this[$"ReverseProxy:Routes:{id}:ClusterId"] = cluster;
        this[$"ReverseProxy:Routes:{id}:Match:Path"] = $"{prefix}/{{**rest}}";
        this[$"ReverseProxy:Routes:{id}:Transforms:0:PathRemovePrefix"] = prefix;
        if (timeout is not null)
        {
            this[$"ReverseProxy:Routes:{id}:Timeout"] = timeout;
        }

        return this;
    }

    public RouteSettings Cluster(string id, params (string Id, string Address)[] destinations)
    {
        this[$"ReverseProxy:Clusters:{id}:LoadBalancingPolicy"] = "RoundRobin";
        foreach (var (destinationId, address) in destinations)
        {
            this[$"ReverseProxy:Clusters:{id}:Destinations:{destinationId}:Address"] = address;
        }

        return this;
    }

    /// <summary>Key-based affinity on <paramref name="cluster"/>, keyed by the <see cref="KeyedRequests.KeyHeader"/> header.</summary>
    public RouteSettings KeyedHeaderAffinity(string cluster) => this
        .With($"ReverseProxy:Clusters:{cluster}:SessionAffinity:Enabled", "true")
        .With($"ReverseProxy:Clusters:{cluster}:SessionAffinity:Policy", "KeyedHeader")
        .With($"ReverseProxy:Clusters:{cluster}:SessionAffinity:AffinityKeyName", KeyedRequests.KeyHeader);

    /// <summary>Active health checks of <paramref name="cluster"/>'s destinations at /health every 200 ms.</summary>
    public RouteSettings FastActiveHealth(string cluster) => this
        .With($"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Enabled", "true")
        .With($"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Interval", "00:00:00.200")
        .With($"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Path", "/health");

    public RouteSettings With(string key, string? value)
    {
        this[key] = value;
        return this;
    }
}
