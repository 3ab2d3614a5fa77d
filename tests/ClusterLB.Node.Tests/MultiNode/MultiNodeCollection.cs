namespace ClusterLB.Node.Tests.MultiNode;

/// <summary>
/// Multi-node tests run one at a time (three actor systems each are enough for two cores), beside
/// the single-node classes rather than after all of them, so that the suite's time is not their sum.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MultiNodeCollection
{
    public const string Name = "multi-node";
}
