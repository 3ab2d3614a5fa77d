namespace ClusterLB.Node.Tests.MultiNode;

/// <summary>Multi-node tests run one at a time: three actor systems each are enough for two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
