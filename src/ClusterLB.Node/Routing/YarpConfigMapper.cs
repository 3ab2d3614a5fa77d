using System.Net;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Health;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace ClusterLB.Node.Routing;

/// <summary>Turns ClusterLB's routing table into YARP's route and cluster configuration.</summary>
public static class YarpConfigMapper
{
    /// <summary>YARP's view of <paramref name="table"/>.</summary>
    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Map(RoutingTable table) =>
        (table.Routes.Values.Select(MapRoute).ToList(), table.Clusters.Values.Select(MapCluster).ToList());

    /// <summary>YARP's form of one route.</summary>
    public static RouteConfig MapRoute(RouteDefinition route) => new()
    {
        RouteId = route.RouteId,
        ClusterId = route.ClusterId,
        Order = route.Order,
        Timeout = route.Timeout,
        MaxRequestBodySize = route.MaxRequestBodySize,
        Metadata = route.Metadata,
        Transforms = route.Transforms,
        Match = new RouteMatch
        {
            Path = route.Match.Path,
            Hosts = route.Match.Hosts,
            Methods = route.Match.Methods,
            Headers = route.Match.Headers?.Select(h => new RouteHeader
            {
                Name = h.Name,
                Values = h.Values,
                Mode = Enum.TryParse<HeaderMatchMode>(h.Mode, true, out var mode) ? mode : HeaderMatchMode.ExactHeader,
                IsCaseSensitive = h.IsCaseSensitive,
            }).ToList(),
            QueryParameters = route.Match.QueryParameters?.Select(q => new RouteQueryParameter
            {
                Name = q.Name,
                Values = q.Values,
                Mode = Enum.TryParse<QueryParameterMatchMode>(q.Mode, true, out var mode) ? mode : QueryParameterMatchMode.Exact,
                IsCaseSensitive = q.IsCaseSensitive,
            }).ToList(),
        },
    };

    /// <summary>YARP's form of one cluster.</summary>
    public static ClusterConfig MapCluster(ClusterDefinition cluster) => new()
    {
        ClusterId = cluster.ClusterId,
        LoadBalancingPolicy = cluster.LoadBalancingPolicy,
        Metadata = cluster.Metadata,
        SessionAffinity = cluster.SessionAffinity is not { } affinity ? null : new SessionAffinityConfig
        {
            Enabled = affinity.Enabled,
            Policy = affinity.Policy,
            FailurePolicy = affinity.FailurePolicy,
            AffinityKeyName = affinity.AffinityKeyName,
            Cookie = affinity.Cookie is not { } cookie ? null : new SessionAffinityCookieConfig
            {
                Path = cookie.Path,
                Domain = cookie.Domain,
                HttpOnly = cookie.HttpOnly,
                SecurePolicy = Enum.TryParse<CookieSecurePolicy>(cookie.SecurePolicy, true, out var secure) ? secure : null,
                SameSite = Enum.TryParse<SameSiteMode>(cookie.SameSite, true, out var sameSite) ? sameSite : null,
                Expiration = cookie.Expiration,
                MaxAge = cookie.MaxAge,
                IsEssential = cookie.IsEssential,
            },
        },
        // YARP neither probes nor judges traffic itself: the cluster's health monitor does both, once
        // per destination for the whole cluster, and every node applies its verdicts.
        HealthCheck = new HealthCheckConfig
        {
            AvailableDestinationsPolicy = ClusterVerdictDestinationsPolicy.For(cluster.HealthCheck?.AvailableDestinationsPolicy),
        },
        HttpRequest = cluster.HttpRequest is not { } request ? null : new ForwarderRequestConfig
        {
            ActivityTimeout = request.ActivityTimeout,
            Version = request.Version is { } version ? Version.Parse(version.Contains('.') ? version : version + ".0") : null,
            VersionPolicy = Enum.TryParse<HttpVersionPolicy>(request.VersionPolicy, true, out var versionPolicy) ? versionPolicy : null,
            AllowResponseBuffering = request.AllowResponseBuffering,
        },
        Destinations = cluster.Destinations.ToDictionary(
            d => d.Key,
            d => new DestinationConfig { Address = d.Value.Address, Health = d.Value.Health, Host = d.Value.Host, Metadata = d.Value.Metadata },
            StringComparer.OrdinalIgnoreCase),
    };
}
