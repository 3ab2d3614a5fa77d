using ClusterLB.Core.LoadBalancing;
using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Tests.LoadBalancing;

public sealed class LoadBalancingMetadataTests
{
    private static Dictionary<string, string> Metadata(params (string Key, string Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Values_are_read_with_their_defaults_when_absent()
    {
        Assert.Equal(1, LoadBalancingMetadata.WeightOf(null));
        Assert.Equal(2.5, LoadBalancingMetadata.WeightOf(Metadata(("ClusterLB.Weight", "2.5"))));
        Assert.Null(LoadBalancingMetadata.SlowStartOf(null));
        Assert.Equal(new SlowStart(TimeSpan.FromSeconds(30), 10), LoadBalancingMetadata.SlowStartOf(Metadata(("ClusterLB.SlowStart", "00:00:30"))));
        Assert.Equal(
            new SlowStart(TimeSpan.FromMinutes(2), 25),
            LoadBalancingMetadata.SlowStartOf(Metadata(("ClusterLB.SlowStart", "00:02:00"), ("ClusterLB.SlowStart.InitialPercent", "25"))));
        Assert.Equal(TimeSpan.FromSeconds(10), LoadBalancingMetadata.DecayTimeOf(null));
        Assert.Equal(TimeSpan.FromSeconds(3), LoadBalancingMetadata.DecayTimeOf(Metadata(("ClusterLB.PeakEwma.DecayTime", "00:00:03"))));
        Assert.Equal(new RequestKeySource(RequestKeyKind.Cookie, "sid"), LoadBalancingMetadata.HashKeyOf(Metadata(("ClusterLB.HashKey", "Cookie:sid"))));
    }

    [Fact]
    public void An_operator_enabling_a_destination_is_read_only_when_it_is_active()
    {
        var since = "2026-01-01T12:00:00Z";

        Assert.Equal(
            new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
            LoadBalancingMetadata.EnabledAt(Metadata(("ClusterLB.AdminState", "Active"), ("ClusterLB.AdminStateSince", since))));
        Assert.Null(LoadBalancingMetadata.EnabledAt(Metadata(("ClusterLB.AdminState", "Draining"), ("ClusterLB.AdminStateSince", since))));
        Assert.Null(LoadBalancingMetadata.EnabledAt(Metadata(("ClusterLB.AdminState", "Active"))));
    }
}
