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

    /// <summary>
    /// Seed node addresses, e.g. <c>akka.tcp://clusterlb@10.0.0.1:4053</c> (over TLS the node dials them as
    /// <c>akka.ssl.tcp://</c>, and either may be written). None: the node forms a cluster of its own.
    /// </summary>
    public List<string> Seeds { get; set; } = [];

    /// <summary>Mutual TLS between nodes (<c>ClusterLB:Cluster:Tls</c>).</summary>
    public TlsSettings Tls { get; set; } = new();
}

/// <summary>
/// Mutual TLS on the remoting port (<c>ClusterLB:Cluster:Tls</c>): the node presents <see cref="Certificate"/>
/// and accepts only peers whose certificate chains to <see cref="CaCertificate"/>.
/// </summary>
public sealed class TlsSettings
{
    /// <summary>
    /// Off only when set to <c>false</c> (insecure: anyone who reaches the remoting port can join).
    /// Unset: on when <see cref="Certificate"/> is set; a node with seeds or a non-loopback remoting
    /// address then must have one.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The node's certificate: a PEM file (with the key, or the key in <see cref="Key"/>) or a PFX/PKCS#12 file (.pfx, .p12).</summary>
    public string? Certificate { get; set; }

    /// <summary>The PEM private key of <see cref="Certificate"/>, when the certificate file does not hold it.</summary>
    public string? Key { get; set; }

    /// <summary>Password of the PFX file or the encrypted PEM key; give it through the environment (<c>ClusterLB__Cluster__Tls__Password</c>).</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password (a container secret), instead of <see cref="Password"/>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The cluster's CA certificate(s), PEM: peers must present a certificate that chains to one of them.</summary>
    public string? CaCertificate { get; set; }
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
