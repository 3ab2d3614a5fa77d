namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>One configuration shared by a test class: its backends and both proxies start once.</summary>
public abstract class ProxyPairFixture(string configurationJson, YarpFeatures features = YarpFeatures.None) : IAsyncLifetime
{
    public ProxyPair Pair { get; private set; } = null!;

    public async Task InitializeAsync() => Pair = await ProxyPair.StartAsync(configurationJson, features);

    public async Task DisposeAsync()
    {
        if (Pair is not null)
        {
            await Pair.DisposeAsync();
        }
    }
}
