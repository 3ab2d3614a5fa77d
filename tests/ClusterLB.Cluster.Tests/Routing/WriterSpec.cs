using Akka.Configuration;

namespace ClusterLB.Cluster.Tests.Routing;

/// <summary>
/// Actor-system configuration for writer tests: a one-node cluster on a loopback port, the real
/// Akka.Persistence.Sql journal on a SQLite file, and ClusterLB's serializer, as a node has them.
/// </summary>
internal static class WriterSpec
{
    /// <summary>A one-node cluster on a loopback port with ClusterLB's serializer; the journal is the caller's.</summary>
    public static Config Node { get; } = ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.actor.serializers.clusterlb = "ClusterLB.Cluster.Serialization.ClusterLBSerializer, ClusterLB.Cluster"
        akka.actor.serialization-bindings {
          "ClusterLB.Core.Routing.RoutingTable, ClusterLB.Core" = clusterlb
          "ClusterLB.Core.Routing.IRoutingTableEvent, ClusterLB.Core" = clusterlb
          "ClusterLB.Cluster.Serialization.IClusterLBMessage, ClusterLB.Cluster" = clusterlb
        }
        """);

    public static Config Config(string databaseFile) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
        akka.persistence.journal.sql {
          connection-string = "Data Source={{databaseFile}}"
          provider-name = "SQLite.MS"
          auto-initialize = on
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.sql"
        akka.persistence.snapshot-store.sql {
          connection-string = "Data Source={{databaseFile}}"
          provider-name = "SQLite.MS"
          auto-initialize = on
        }
        """).WithFallback(Node).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    public static string TempDatabase() =>
        Path.Combine(Path.GetTempPath(), $"clusterlb-writer-{Guid.NewGuid():N}.db");
}
