using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>What a node's proxy makes of its destinations' health: the cluster's verdicts as applied to YARP.</summary>
public static class ProxyHealth
{
    /// <summary>The health the node's YARP applies to <paramref name="destination"/> of <paramref name="cluster"/>.</summary>
    public static DestinationHealth Of(TestNode node, string cluster, string destination)
    {
        var lookup = node.Node.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(lookup.TryGetCluster(cluster, out var state));
        return state.Destinations[destination].Health.Active;
    }

    /// <summary>Sends requests to <paramref name="path"/> until <paramref name="destination"/> of <paramref name="cluster"/> is out.</summary>
    public static Task FailUntilOut(TestNode node, string path, string cluster, string destination) =>
        Eventually.True(
            async () =>
            {
                using var response = await node.Proxy.GetAsync(path);
                return Of(node, cluster, destination) == DestinationHealth.Unhealthy;
            },
            TimeSpan.FromSeconds(20),
            $"{cluster}/{destination} out after failures at {path}");
}
