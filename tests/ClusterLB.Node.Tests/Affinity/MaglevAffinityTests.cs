using ClusterLB.Core.Hashing;
using ClusterLB.Node.Affinity;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;

namespace ClusterLB.Node.Tests.Affinity;

public sealed class MaglevAffinityTests
{
    [Fact]
    public async Task A_cluster_with_Maglev_key_hashing_sends_each_key_where_the_Maglev_table_says_and_moves_it_off_a_failed_home()
    {
        string[] names = ["b1", "b2", "b3"];
        await using var backends = await Backends.StartAsync(names);
        var settings = new RouteSettings()
            .Route("keyed", "/keyed", "keyed")
            .Cluster("keyed", ("b1", backends[0].Url), ("b2", backends[1].Url), ("b3", backends[2].Url))
            .With("ReverseProxy:Clusters:keyed:Metadata:ClusterLB.KeyHashing", "Maglev")
            .KeyedHeaderAffinity("keyed")
            .FastActiveHealth("keyed");
        await using var node = await TestNode.StartAsync(settings);
        var keyed = node.Node.Services.GetRequiredService<IProxyStateLookup>().GetClusters().Single(c => c.ClusterId == "keyed");
        Assert.True(KeyedAffinityPolicy.IsPrepared(keyed.Model), "the Maglev table is built when the configuration is applied, before any request");

        // The policy ranks the configured destinations by id, ordinal.
        var table = MaglevTable.Build(names.Select(name => StableHash.Of(name)).ToArray());
        var keys = Enumerable.Range(0, 60).Select(i => $"user-{i}").ToList();
        string Home(string key) => names[table.Lookup(StableHash.Of(key))];

        foreach (var key in keys)
        {
            Assert.Equal(Home(key), await KeyedRequests.BackendFor(node.Proxy, key));
        }

        backends[1].FailingHealth = true;
        await Eventually.True(async () => await KeyedRequests.BackendFor(node.Proxy, keys.First(k => Home(k) == "b2")) != "b2", TimeSpan.FromSeconds(20), "b2 out");
        foreach (var key in keys)
        {
            var backend = await KeyedRequests.BackendFor(node.Proxy, key);
            if (Home(key) == "b2")
            {
                Assert.NotEqual("b2", backend);
            }
            else
            {
                Assert.Equal(Home(key), backend);
            }
        }
    }
}
