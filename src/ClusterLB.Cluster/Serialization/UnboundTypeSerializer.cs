using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ClusterLB.Cluster.Serialization;

/// <summary>
/// Takes the place of Akka.NET's reflection-based JSON serializer (<c>json</c>, bound to <see cref="object"/>),
/// which builds whatever type a message names. Here a type without a serializer binding cannot be sent, and a
/// message that names this serializer's id is refused unread: only ClusterLB's serializers and Akka.NET's own
/// protocol serializers carry messages.
/// </summary>
public sealed class UnboundTypeSerializer : SerializerWithStringManifest
{
    /// <summary>The id of the serializer replaced; a peer naming it reaches this one.</summary>
    public const int JsonSerializerId = 1;

    /// <summary>HOCON that puts this serializer in place of the JSON serializer.</summary>
    public const string Hocon = """
        akka.actor.serializers.json = "ClusterLB.Cluster.Serialization.UnboundTypeSerializer, ClusterLB.Cluster"
        """;

    /// <summary>Creates the serializer; Akka calls this with the actor system.</summary>
    public UnboundTypeSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <summary>Creates the serializer with the settings of the serializer it replaces, which it does not need.</summary>
    public UnboundTypeSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : base(system)
    {
        _ = settings;
    }

    /// <inheritdoc />
    public override int Identifier => JsonSerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) => throw Unbound(o);

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => throw Unbound(obj);

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) =>
        throw new SerializationException(
            $"Refused a message for the reflection-based JSON serializer (manifest '{manifest}'): ClusterLB reads only types bound to its own or Akka.NET's serializers.");

    private static SerializationException Unbound(object o) =>
        new($"{o.GetType().FullName} has no serializer binding; ClusterLB sends only types bound to its own serializers (ClusterLBSerializer) or Akka.NET's.");
}
