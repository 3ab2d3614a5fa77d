using ClusterLB.Node.Admin;
using ClusterLB.Node.Caching;

namespace ClusterLB.Node.Tests.Admin;

/// <summary>Why a node is not ready, one condition at a time (the decision itself, no node).</summary>
public sealed class ReadinessTests
{
    private static readonly NodeStatus Ready = new(
        "node-1", "clusterlb", "akka.tcp://clusterlb@127.0.0.1:4051", "Up", ["balancer"], IsLeader: true, Members: 3, ReachableMembers: 3, InMajority: true, HostsRoutingTableWriter: true,
        new RoutingTableStatus(3, 2, 2, "Cluster"), HealthVerdictVersion: 0, new AffinityStatus(10, 1_000_000, 0, Loaded: true), new JournalStatus("sqlite", "available", null, DateTimeOffset.UnixEpoch),
        new ResponseCacheStatus(0, 0, 0, 0, 0, 0, 0), Stopping: false);

    [Fact]
    public void Node_with_everything_in_place_is_ready() => Assert.Null(Ready.NotReadyBecause);

    [Fact]
    public void Node_stays_ready_while_the_journal_is_unavailable_because_it_serves_the_table_it_has()
    {
        var status = Ready with { Journal = new JournalStatus("PostgreSQL", "unavailable", "Failed to connect to 127.0.0.1:5432", DateTimeOffset.UnixEpoch) };

        Assert.True(status.Ready);
    }

    [Fact]
    public void Node_that_has_not_read_the_clusters_affinity_overrides_is_not_ready()
    {
        var status = Ready with { Affinity = Ready.Affinity with { Loaded = false } };

        Assert.False(status.Ready);
        Assert.Equal("the cluster's affinity overrides have not been read yet", status.NotReadyBecause);
    }

    [Fact]
    public void Stopping_comes_before_every_other_reason()
    {
        var status = Ready with { Stopping = true, MemberStatus = "Joining", Affinity = Ready.Affinity with { Loaded = false } };

        Assert.Equal("stopping: draining in-flight requests", status.NotReadyBecause);
    }

    [Fact]
    public void Node_cut_off_from_the_majority_is_not_ready_before_the_resolver_downs_it()
    {
        var status = Ready with { ReachableMembers = 1, InMajority = false };

        Assert.False(status.Ready);
        Assert.Equal("cut off from the majority of the cluster: reaches 1 of 3 members", status.NotReadyBecause);
    }
}
