using ClusterLB.Cluster.Hosting;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace ClusterLB.Cluster.Persistence;

/// <summary>Connection details of the routing-table journal, resolved from settings.</summary>
/// <param name="ConnectionString">Connection string handed to Akka.Persistence.Sql.</param>
/// <param name="ProviderName">linq2db provider name.</param>
/// <param name="Description">Where the journal is, for logs and status (no password).</param>
public sealed record Journal(string ConnectionString, string ProviderName, string Description)
{
    /// <summary>The writer saves a snapshot of the table every this many events.</summary>
    public int SnapshotEvery { get; init; } = Routing.RoutingTableWriter.DefaultSnapshotEvery;

    /// <summary>File name of the embedded SQLite journal inside the data directory.</summary>
    public const string SqliteFileName = "clusterlb.db";

    /// <summary>Resolves the journal for <paramref name="settings"/>, with SQLite files under <paramref name="dataDirectory"/>.</summary>
    public static Journal Resolve(PersistenceSettings settings, string dataDirectory) => Locate(settings, dataDirectory) with
    {
        SnapshotEvery = settings.SnapshotEvery,
    };

    private static Journal Locate(PersistenceSettings settings, string dataDirectory) => settings.Provider switch
    {
        JournalProvider.Sqlite => Sqlite(settings.ConnectionString, dataDirectory),
        JournalProvider.PostgreSql => new Journal(
            settings.ConnectionString is { Length: > 0 } pg
                ? pg
                : throw new ArgumentException("ClusterLB:Persistence:ConnectionString is required when Provider is PostgreSql"),
            LinqToDB.ProviderName.PostgreSQL15,
            "PostgreSQL"),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Provider, "ClusterLB:Persistence:Provider must be Sqlite or PostgreSql"),
    };

    private static Journal Sqlite(string? connectionString, string dataDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString is { Length: > 0 } cs ? cs : "")
        {
            Pooling = true,
            // Several node processes of one host share the file: wait for a lock instead of failing at once.
            DefaultTimeout = 30,
        };
        if (string.IsNullOrEmpty(builder.DataSource))
        {
            builder.DataSource = Path.Combine(dataDirectory, SqliteFileName);
        }

        return new Journal(builder.ToString(), LinqToDB.ProviderName.SQLiteMS, $"SQLite {Path.GetFullPath(builder.DataSource)}");
    }

    /// <summary>
    /// Makes the store ready before Akka opens it: for SQLite, creates the directory and switches the
    /// file to WAL mode so that readers and one writer from several processes do not block each other.
    /// </summary>
    public void Prepare()
    {
        if (ProviderName != LinqToDB.ProviderName.SQLiteMS)
        {
            return;
        }

        var builder = new SqliteConnectionStringBuilder(ConnectionString);
        var file = Path.GetFullPath(builder.DataSource);
        if (Path.GetDirectoryName(file) is { } directory)
        {
            PrivateFiles.CreateDirectory(directory);
        }

        using (var connection = new SqliteConnection(ConnectionString))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }

        // The journal holds the routing table: readable by the node's user only, like its other files.
        foreach (var part in new[] { file, file + "-wal", file + "-shm" })
        {
            PrivateFiles.RestrictToOwner(part);
        }
    }
}
