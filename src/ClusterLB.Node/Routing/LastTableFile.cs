using System.Text.Json;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Routing;

/// <summary>
/// The last routing table this node applied, kept in its data directory, so that a node that starts
/// while the journal or the cluster is out of reach can serve with it.
/// </summary>
public sealed class LastTableFile(string path)
{
    /// <summary>Where the file is.</summary>
    public string Path { get; } = path;

    /// <summary>The file for node <paramref name="nodeName"/> in <paramref name="dataDirectory"/>.</summary>
    public static LastTableFile For(string dataDirectory, string nodeName) =>
        new(System.IO.Path.Combine(dataDirectory, $"last-table.{nodeName}.json"));

    /// <summary>Writes <paramref name="table"/> atomically (a crash leaves the old file or the new one).</summary>
    public void Save(RoutingTable table)
    {
        PrivateFiles.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = Path + ".tmp";
        PrivateFiles.WriteAllText(temporary, RoutingTableJson.Canonical(table));
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>The saved table, or null when there is none or it cannot be read.</summary>
    public RoutingTable? TryLoad()
    {
        try
        {
            return File.Exists(Path) ? JsonSerializer.Deserialize<RoutingTable>(File.ReadAllText(Path), RoutingTableJson.Options) : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }
}
