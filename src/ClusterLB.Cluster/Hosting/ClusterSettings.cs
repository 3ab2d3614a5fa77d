namespace ClusterLB.Cluster.Hosting;

/// <summary>How a node joins its cluster (<c>ClusterLB:Cluster</c>).</summary>
public sealed class ClusterSettings
{
    /// <summary>Name of the cluster; nodes only join a cluster of the same name.</summary>
    public string Name { get; set; } = "clusterlb";

    /// <summary>Address the remoting transport binds to.</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>Remoting port; 0 picks a free one (fine for a single node, not for a seed).</summary>
    public int Port { get; set; }

    /// <summary>Host name other nodes use to reach this one (containers); defaults to <see cref="Hostname"/>.</summary>
    public string? PublicHostname { get; set; }

    /// <summary>Seed node addresses, e.g. <c>akka.tcp://clusterlb@10.0.0.1:4053</c>. None: the node forms a cluster of its own.</summary>
    public List<string> Seeds { get; set; } = [];
}

/// <summary>Where the routing-table journal lives (<c>ClusterLB:Persistence</c>).</summary>
public sealed class PersistenceSettings
{
    /// <summary>Sqlite (embedded default) or PostgreSql.</summary>
    public JournalProvider Provider { get; set; } = JournalProvider.Sqlite;

    /// <summary>Connection string; for Sqlite, empty means <c>clusterlb.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The writer saves a snapshot of the table every this many events, so recovery reads a snapshot and few events.</summary>
    public int SnapshotEvery { get; set; } = Routing.RoutingTableWriter.DefaultSnapshotEvery;
}

/// <summary>The journal databases ClusterLB supports.</summary>
public enum JournalProvider
{
    /// <summary>One SQLite file, shared by the nodes of one host.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server, for nodes on several hosts.</summary>
    PostgreSql,
}
