using System.Collections.Frozen;
using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using ClusterLB.Core.Routing;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Membership;
using ClusterLB.Cluster.Persistence;
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
        ["rt-accepted"] = typeof(RoutingTableChangeAccepted),
        ["rt-rejected"] = typeof(RoutingTableChangeRejected),
        ["rt-get"] = typeof(GetRoutingTable),
        ["health-verdict"] = typeof(ReplicatedVerdict),
        ["health-passive"] = typeof(PassiveReport),
        ["member-report"] = typeof(MemberReport),
        ["journal-state"] = typeof(JournalState),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<Type, string> ManifestsByType =
        TypesByManifest.ToFrozenDictionary(pair => pair.Value, pair => pair.Key);

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
        ManifestsByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException($"ClusterLBSerializer has no manifest for {o.GetType().FullName}; add it to TypesByManifest.");

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), RoutingTableJson.Options);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        TypesByManifest.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, RoutingTableJson.Options)
              ?? throw new SerializationException($"Manifest '{manifest}' read back as null.")
            : throw new SerializationException($"Unknown ClusterLB manifest '{manifest}'.");
}
