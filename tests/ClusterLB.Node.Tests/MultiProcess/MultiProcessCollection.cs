namespace ClusterLB.Node.Tests.MultiProcess;

/// <summary>
/// Tests that run real node processes (some on deploy/local/cluster.sh's fixed ports, so never two at
/// once) or a rogue actor system, one at a time: a chain of their own beside the in-process
/// multi-node chain, so that the suite takes the longer of the two rather than their sum.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MultiProcessCollection
{
    public const string Name = "multi-process";
}
