using ClusterLB.Node.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ClusterLB.Node.Tests.Configuration;

public sealed class KestrelLimitsSectionTests
{
    [Fact]
    public void Without_configuration_the_proxy_gets_ClusterLB_defaults_and_Kestrel_defaults_elsewhere()
    {
        var limits = new KestrelServerLimits();

        KestrelLimitsSection.Configure(Config(), limits);

        Assert.Equal(KestrelLimitsSection.DefaultMaxConcurrentConnections, limits.MaxConcurrentConnections);
        Assert.Equal(KestrelLimitsSection.DefaultMaxConcurrentUpgradedConnections, limits.MaxConcurrentUpgradedConnections);
        Assert.Equal(KestrelLimitsSection.DefaultKeepAliveTimeout, limits.KeepAliveTimeout);
        Assert.Equal(KestrelLimitsSection.DefaultRequestHeadersTimeout, limits.RequestHeadersTimeout);
        Assert.Equal(new KestrelServerLimits().MaxRequestHeaderCount, limits.MaxRequestHeaderCount);
        Assert.Equal(new KestrelServerLimits().MaxRequestBodySize, limits.MaxRequestBodySize);
    }

    [Fact]
    public void Configured_limits_win_over_the_defaults()
    {
        var limits = new KestrelServerLimits();

        KestrelLimitsSection.Configure(Config(
            ("MaxConcurrentConnections", "500"),
            ("maxrequestheadercount", "20"),
            ("KeepAliveTimeout", "00:00:05"),
            ("MaxRequestBodySize", ""),
            ("Http2:MaxStreamsPerConnection", "7"),
            ("MinRequestBodyDataRate:BytesPerSecond", "1000"),
            ("MinResponseDataRate", "")), limits);

        Assert.Equal(500, limits.MaxConcurrentConnections);
        Assert.Equal(20, limits.MaxRequestHeaderCount);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.KeepAliveTimeout);
        Assert.Null(limits.MaxRequestBodySize);
        Assert.Equal(7, limits.Http2.MaxStreamsPerConnection);
        Assert.Equal(1000, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.MinRequestBodyDataRate.GracePeriod);
        Assert.Null(limits.MinResponseDataRate);
    }

    [Theory]
    [InlineData("MaxRequestHeaderCount", "0")]
    [InlineData("MaxRequestHeaderCount", "many")]
    [InlineData("MaxConcurrentConnections", "-1")]
    [InlineData("KeepAliveTimeout", "00:00:00")]
    [InlineData("RequestHeadersTimeout", "ten seconds")]
    [InlineData("MaxRequestBodySize", "-5")]
    [InlineData("Http2:MaxStreamsPerConnection", "0")]
    [InlineData("Http2:MaxStreamsPerConection", "10")]
    [InlineData("MaxRequestHeadersCount", "10")]
    [InlineData("MinRequestBodyDataRate:GracePeriod", "00:00:00.500")]
    [InlineData("MinRequestBodyDataRate:BytesPerSecond", "0")]
    [InlineData("MinRequestBodyDataRate:Bytes", "10")]
    [InlineData("MinRequestBodyDataRate", "240")]
    public void Value_Kestrel_refuses_is_reported_with_its_key(string key, string value)
    {
        var errors = KestrelLimitsSection.Check(Config((key, value)));

        var error = Assert.Single(errors);
        Assert.Equal($"Kestrel:Limits:{key}", error.Field);
        Assert.Throws<InvalidOperationException>(() => KestrelLimitsSection.Configure(Config((key, value)), new KestrelServerLimits()));
    }

    private static IConfiguration Config(params (string Key, string Value)[] limits) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(limits.Select(l => new KeyValuePair<string, string?>($"Kestrel:Limits:{l.Key}", l.Value)))
            .Build();
}
