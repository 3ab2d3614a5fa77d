using Npgsql;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>The test PostgreSQL server named by <c>CLUSTERLB_TEST_POSTGRES</c> (./test.sh starts one on loopback).</summary>
public static class PostgreSql
{
    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static string CreateDatabase()
    {
        var server = Environment.GetEnvironmentVariable("CLUSTERLB_TEST_POSTGRES")
            ?? throw new InvalidOperationException("PostgreSQL tests need CLUSTERLB_TEST_POSTGRES (a connection string); ./test.sh starts a server and sets it.");
        var name = $"clusterlb_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(server))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
