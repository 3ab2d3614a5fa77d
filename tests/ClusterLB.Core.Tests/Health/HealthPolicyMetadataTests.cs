using ClusterLB.Core.Health;
using ClusterLB.Core.Routing;
using ClusterLB.Core.Tests.Routing;

namespace ClusterLB.Core.Tests.Health;

/// <summary>Health metadata: YARP's keys with YARP's meaning, and ClusterLB's outlier and panic keys.</summary>
public sealed class HealthPolicyMetadataTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static Dictionary<string, string> Metadata(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Consecutive_failures_threshold_sets_how_many_failed_probes_take_a_destination_out()
    {
        var thresholds = HealthPolicyMetadata.Apply(HealthThresholds.Default, Metadata((HealthPolicyMetadata.ConsecutiveFailuresThreshold, "3")));
        var health = HealthJudgement.From(HealthVerdict.Healthy);

        health = health.Probe(false, thresholds).Probe(false, thresholds);
        Assert.Equal(HealthVerdict.Healthy, health.Verdict);
        Assert.Equal(HealthVerdict.Unhealthy, health.Probe(false, thresholds).Verdict);
    }

    [Fact]
    public void Transport_failure_rate_limit_sets_the_share_of_failed_requests_that_ejects_a_destination()
    {
        var policy = HealthPolicyMetadata.Apply(OutlierPolicy.Default, Metadata((HealthPolicyMetadata.TransportFailureRateLimit, "0.2")));
        var health = HealthJudgement.From(HealthVerdict.Healthy);

        Assert.Null(health.Observe(new PassiveCount(5, 30), Now, policy, true).Ejected); // 17 %
        Assert.NotNull(health.Observe(new PassiveCount(6, 30), Now, policy, true).Ejected); // 20 %
        Assert.Null(health.Observe(new PassiveCount(6, 30), Now, OutlierPolicy.Default, true).Ejected); // under the default 50 %
    }

    [Fact]
    public void Outlier_keys_set_the_policy_and_the_percentage_wins_over_yarps_rate()
    {
        var policy = HealthPolicyMetadata.Apply(OutlierPolicy.Default, Metadata(
            (HealthPolicyMetadata.TransportFailureRateLimit, "0.2"),
            (HealthPolicyMetadata.ConsecutiveFailures, "3"),
            (HealthPolicyMetadata.FailureRatePercent, "70"),
            (HealthPolicyMetadata.MinimumRequests, "4"),
            (HealthPolicyMetadata.BaseEjectionTime, "00:00:05"),
            (HealthPolicyMetadata.MaxEjectionTime, "00:01:00"),
            (HealthPolicyMetadata.MaxEjectionPercent, "20")));

        Assert.Equal(new OutlierPolicy(3, 70, 4, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 20), policy);
    }

    [Fact]
    public void Panic_threshold_is_read_and_absent_by_default()
    {
        Assert.Equal(40, HealthPolicyMetadata.PanicThreshold(Metadata((HealthPolicyMetadata.PanicThresholdPercent, "40"))));
        Assert.Null(HealthPolicyMetadata.PanicThreshold(null));
        Assert.Null(HealthPolicyMetadata.PanicThreshold(Metadata(("other", "1"))));
    }

    [Fact]
    public void Without_metadata_the_node_settings_stand()
    {
        Assert.Same(HealthThresholds.Default, HealthPolicyMetadata.Apply(HealthThresholds.Default, null));
        Assert.Equal(HealthThresholds.Default, HealthPolicyMetadata.Apply(HealthThresholds.Default, Metadata(("other", "1"))));
        Assert.Equal(OutlierPolicy.Default, HealthPolicyMetadata.Apply(OutlierPolicy.Default, Metadata(("other", "1"))));
    }

    [Fact]
    public void A_clusters_reactivation_period_is_its_base_ejection_time_unless_the_metadata_sets_one()
    {
        var cluster = Tables.Cluster("c", ("a", "http://10.0.0.1/")) with
        {
            HealthCheck = new HealthCheckDefinition { Passive = new PassiveHealthCheckDefinition { Enabled = true, ReactivationPeriod = TimeSpan.FromMinutes(1) } },
        };

        Assert.Equal(TimeSpan.FromMinutes(1), ClusterHealthPolicy.Of(cluster, HealthThresholds.Default, OutlierPolicy.Default).Outlier.BaseEjectionTime);
        var withKey = cluster with { Metadata = Metadata((HealthPolicyMetadata.BaseEjectionTime, "00:00:02")) };
        Assert.Equal(TimeSpan.FromSeconds(2), ClusterHealthPolicy.Of(withKey, HealthThresholds.Default, OutlierPolicy.Default).Outlier.BaseEjectionTime);
    }

    [Theory]
    [InlineData(HealthPolicyMetadata.ConsecutiveFailures, "0")]
    [InlineData(HealthPolicyMetadata.ConsecutiveFailures, "five")]
    [InlineData(HealthPolicyMetadata.ConsecutiveFailures, "2.5")]
    [InlineData(HealthPolicyMetadata.FailureRatePercent, "0")]
    [InlineData(HealthPolicyMetadata.FailureRatePercent, "101")]
    [InlineData(HealthPolicyMetadata.MinimumRequests, "-1")]
    [InlineData(HealthPolicyMetadata.BaseEjectionTime, "30s")]
    [InlineData(HealthPolicyMetadata.BaseEjectionTime, "00:00:00")]
    [InlineData(HealthPolicyMetadata.MaxEjectionTime, "2.00:00:00")]
    [InlineData(HealthPolicyMetadata.MaxEjectionPercent, "150")]
    [InlineData(HealthPolicyMetadata.MaxEjectionPercent, "half")]
    [InlineData(HealthPolicyMetadata.PanicThresholdPercent, "-5")]
    [InlineData(HealthPolicyMetadata.PanicThresholdPercent, "many")]
    [InlineData(HealthPolicyMetadata.ConsecutiveFailuresThreshold, "0")]
    [InlineData(HealthPolicyMetadata.TransportFailureRateLimit, "1.5")]
    public void A_bad_value_is_refused_by_the_table_validator_naming_the_field(string key, string value)
    {
        var table = Tables.Valid();
        var cluster = table.Clusters["backends"] with { Metadata = Metadata((key, value)) };

        var error = Assert.Single(RoutingTableValidator.Validate(table with { Clusters = table.Clusters.SetItem("backends", cluster) }));

        Assert.Equal($"Clusters:backends:Metadata:{key}", error.Field);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Fact]
    public void A_maximum_ejection_time_shorter_than_the_base_is_refused()
    {
        var table = Tables.Valid();
        var cluster = table.Clusters["backends"] with
        {
            Metadata = Metadata((HealthPolicyMetadata.BaseEjectionTime, "00:01:00"), (HealthPolicyMetadata.MaxEjectionTime, "00:00:30")),
        };

        var error = Assert.Single(RoutingTableValidator.Validate(table with { Clusters = table.Clusters.SetItem("backends", cluster) }));

        Assert.Equal($"Clusters:backends:Metadata:{HealthPolicyMetadata.MaxEjectionTime}", error.Field);
    }

    [Fact]
    public void Good_values_and_the_outlier_detection_policy_name_pass()
    {
        var table = Tables.Valid();
        var cluster = table.Clusters["backends"] with
        {
            HealthCheck = new HealthCheckDefinition { Passive = new PassiveHealthCheckDefinition { Enabled = true, Policy = "OutlierDetection" } },
            Metadata = Metadata(
                (HealthPolicyMetadata.ConsecutiveFailures, "3"),
                (HealthPolicyMetadata.FailureRatePercent, "100"),
                (HealthPolicyMetadata.MinimumRequests, "1"),
                (HealthPolicyMetadata.BaseEjectionTime, "00:00:01"),
                (HealthPolicyMetadata.MaxEjectionTime, "1.00:00:00"),
                (HealthPolicyMetadata.MaxEjectionPercent, "0"),
                (HealthPolicyMetadata.PanicThresholdPercent, "100")),
        };

        Assert.Empty(RoutingTableValidator.Validate(table with { Clusters = table.Clusters.SetItem("backends", cluster) }));
    }
}
