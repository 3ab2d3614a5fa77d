using System.Net;
using System.Security.Authentication;
using ClusterLB.Core.Policies;
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
        (table.Routes.Values.Select(r => MapRoute(r, table.Policies)).ToList(), table.Clusters.Values.Select(MapCluster).ToList());

    /// <summary>
    /// YARP's form of one route. A route field that names one of the table's <paramref name="policies"/>
    /// is served by ClusterLB's own middleware, cluster-wide, so it is left out of YARP's route (ASP.NET's
    /// middleware knows only the policies registered with the services).
    /// </summary>
    public static RouteConfig MapRoute(RouteDefinition route, PolicyDefinitions policies) => new()
    {
        RouteId = route.RouteId,
        ClusterId = route.ClusterId,
        Order = route.Order,
        Timeout = route.Timeout,
        AuthorizationPolicy = route.AuthorizationPolicy,
        CorsPolicy = route.CorsPolicy,
        RateLimiterPolicy = route.RateLimiterPolicy is { } limit && policies.RateLimiting.ContainsKey(limit) ? null : route.RateLimiterPolicy,
        OutputCachePolicy = route.OutputCachePolicy is { } cache && policies.OutputCache?.ContainsKey(cache) == true ? null : route.OutputCachePolicy,
        TimeoutPolicy = route.TimeoutPolicy,
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
                Mode = YarpEnums.Parse(h.Mode, HeaderMatchMode.ExactHeader),
                IsCaseSensitive = h.IsCaseSensitive,
            }).ToList(),
            QueryParameters = route.Match.QueryParameters?.Select(q => new RouteQueryParameter
            {
                Name = q.Name,
                Values = q.Values,
                Mode = YarpEnums.Parse(q.Mode, QueryParameterMatchMode.Exact),
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
                SecurePolicy = YarpEnums.ParseOrNull<CookieSecurePolicy>(cookie.SecurePolicy),
                SameSite = YarpEnums.ParseOrNull<SameSiteMode>(cookie.SameSite),
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
        HttpClient = cluster.HttpClient is not { } client ? null : new HttpClientConfig
        {
            SslProtocols = YarpEnums.Flags<SslProtocols>(client.SslProtocols),
            DangerousAcceptAnyServerCertificate = client.DangerousAcceptAnyServerCertificate,
            MaxConnectionsPerServer = client.MaxConnectionsPerServer,
            EnableMultipleHttp2Connections = client.EnableMultipleHttp2Connections,
            RequestHeaderEncoding = client.RequestHeaderEncoding,
            ResponseHeaderEncoding = client.ResponseHeaderEncoding,
            WebProxy = client.WebProxy is not { } proxy ? null : new WebProxyConfig
            {
                Address = proxy.Address,
                BypassOnLocal = proxy.BypassOnLocal,
                UseDefaultCredentials = proxy.UseDefaultCredentials,
            },
        },
        HttpRequest = cluster.HttpRequest is not { } request ? null : new ForwarderRequestConfig
        {
            ActivityTimeout = request.ActivityTimeout,
            Version = request.Version is { } version ? Version.Parse(version.Contains('.') ? version : version + ".0") : null,
            VersionPolicy = YarpEnums.ParseOrNull<HttpVersionPolicy>(request.VersionPolicy),
            AllowResponseBuffering = request.AllowResponseBuffering,
        },
        Destinations = cluster.Destinations.ToDictionary(
            d => d.Key,
            d => new DestinationConfig { Address = d.Value.Address, Health = d.Value.Health, Host = d.Value.Host, Metadata = d.Value.Metadata },
            StringComparer.OrdinalIgnoreCase),
    };
}
