using System.Collections.Frozen;
using System.IO.Compression;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using ClusterLB.Cluster.Caching;
using ClusterLB.Core.Routing;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Persistence;
using ClusterLB.Cluster.RateLimiting;
using ClusterLB.Cluster.Routing;

namespace ClusterLB.Cluster.Serialization;

/// <summary>
/// Serializes everything ClusterLB persists or sends between nodes as JSON with a short, stable
/// manifest per type. Only the types listed here can be read back, so a renamed class cannot
/// silently break a journal or a rolling upgrade.
/// </summary>
public sealed class ClusterLBSerializer : SerializerWithStringManifest
{
    /// <summary>Types bound to this serializer, by manifest. Manifests are persisted: never change one.</summary>
    private static readonly FrozenDictionary<string, Type> TypesByManifest = new Dictionary<string, Type>
    {
        ["rt"] = typeof(RoutingTable),
        ["rt-imported"] = typeof(RoutingTableImported),
        ["rt-import"] = typeof(ImportRoutingTable),
        ["rt-route-set"] = typeof(RouteSet),
        ["rt-route-removed"] = typeof(RouteRemoved),
        ["rt-cluster-set"] = typeof(ClusterSet),
        ["rt-cluster-removed"] = typeof(ClusterRemoved),
        ["rt-destination-set"] = typeof(DestinationSet),
        ["rt-destination-removed"] = typeof(DestinationRemoved),
        ["rt-set-route"] = typeof(SetRoute),
        ["rt-remove-route"] = typeof(RemoveRoute),
        ["rt-set-cluster"] = typeof(SetCluster),
        ["rt-remove-cluster"] = typeof(RemoveCluster),
        ["rt-set-destination"] = typeof(SetDestination),
        ["rt-remove-destination"] = typeof(RemoveDestination),
        ["rt-policies-set"] = typeof(PoliciesSet),
        ["rt-set-policies"] = typeof(SetPolicies),
        ["rt-destination-admin-set"] = typeof(DestinationAdminSet),
        ["rt-set-destination-admin"] = typeof(SetDestinationAdmin),
        ["rt-accepted"] = typeof(RoutingTableChangeAccepted),
        ["rt-rejected"] = typeof(RoutingTableChangeRejected),
        ["rt-get"] = typeof(GetRoutingTable),
        ["rt-get-history"] = typeof(GetRoutingTableHistory),
        ["rt-history"] = typeof(RoutingTableHistory),
        ["rt-get-at"] = typeof(GetRoutingTableAt),
        ["rt-at"] = typeof(RoutingTableAtVersion),
        ["health-verdict"] = typeof(ReplicatedVerdict),
        ["health-passive"] = typeof(PassiveReport),
        ["member-report"] = typeof(MemberReport),
        ["journal-state"] = typeof(JournalState),
        ["cache-purge"] = typeof(PurgeCache),
        ["rl-demand"] = typeof(DemandReport),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<Type, string> ManifestsByType =
        TypesByManifest.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

    /// <summary>
    /// The whole routing table is written gzip-compressed under its own manifest, so that a table of
    /// tens of thousands of destinations fits one remoting frame. The plain "rt" manifest still reads
    /// (snapshots written before).
    /// </summary>
    private const string CompressedTableManifest = "rt-gz";

    /// <summary>A compressed table may not inflate beyond this: far above any table that fits a frame.</summary>
    private const int MaxInflatedTableBytes = 256 * 1024 * 1024;

    /// <summary>Creates the serializer; Akka calls this with the actor system.</summary>
    public ClusterLBSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <summary>The base types to bind to this serializer.</summary>
    public static IReadOnlyList<Type> BoundTypes { get; } =
        [typeof(RoutingTable), typeof(IRoutingTableEvent), typeof(IClusterLBMessage)];

    /// <inheritdoc />
    public override int Identifier => 7411;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        o is RoutingTable ? CompressedTableManifest
        : ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException($"ClusterLBSerializer has no manifest for {o.GetType().FullName}; add it to TypesByManifest.");

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        if (obj is not RoutingTable table)
        {
            return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), RoutingTableJson.Options);
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            JsonSerializer.Serialize(gzip, table, RoutingTableJson.Options);
        }

        return compressed.ToArray();
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        manifest == CompressedTableManifest ? Inflate(bytes)
        : TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, RoutingTableJson.Options)
              ?? throw new SerializationException($"Manifest '{manifest}' read back as null.")
            : throw new SerializationException($"Unknown ClusterLB manifest '{manifest}'.");

    private static RoutingTable Inflate(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = gzip.Read(buffer)) > 0)
        {
            if (inflated.Length + read > MaxInflatedTableBytes)
            {
                throw new SerializationException($"A compressed routing table inflates beyond {MaxInflatedTableBytes} bytes; refused.");
            }

            inflated.Write(buffer, 0, read);
        }

        return JsonSerializer.Deserialize<RoutingTable>(inflated.GetBuffer().AsSpan(0, (int)inflated.Length), RoutingTableJson.Options)
            ?? throw new SerializationException("A compressed routing table read back as null.");
    }
}
