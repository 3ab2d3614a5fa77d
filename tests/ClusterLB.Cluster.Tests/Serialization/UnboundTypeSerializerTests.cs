using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Util;
using ClusterLB.Cluster.Routing;
using ClusterLB.Cluster.Serialization;

namespace ClusterLB.Cluster.Tests.Serialization;

/// <summary>
/// Akka.NET's reflection-based JSON serializer builds whatever type a message names; in a ClusterLB
/// actor system its place (and id) is taken by one that refuses, so such a message builds nothing.
/// </summary>
public sealed class UnboundTypeSerializerTests : IAsyncLifetime
{
    private readonly ActorSystem _clusterLB = ActorSystem.Create("clusterlb", ConfigurationFactory.ParseString(UnboundTypeSerializer.Hocon + """

        akka.actor.serializers.clusterlb = "ClusterLB.Cluster.Serialization.ClusterLBSerializer, ClusterLB.Cluster"
        akka.actor.serialization-bindings { "ClusterLB.Cluster.Serialization.IClusterLBMessage, ClusterLB.Cluster" = clusterlb }
        """));
    private readonly ActorSystem _plainAkka = ActorSystem.Create("plain");

    [Fact]
    public void A_type_without_a_serializer_binding_cannot_be_sent()
    {
        var serializer = _clusterLB.Serialization.FindSerializerFor(new Gadget("x"));

        Assert.IsType<UnboundTypeSerializer>(serializer);
        var refused = Assert.Throws<SerializationException>(() => serializer.ToBinary(new Gadget("x")));
        Assert.Contains(typeof(Gadget).FullName!, refused.Message);
    }

    [Fact]
    public void A_message_for_the_json_serializer_naming_a_type_is_refused_and_builds_nothing()
    {
        // What a peer with Akka's defaults sends for an unbound type: JSON naming the type to build.
        var sender = _plainAkka.Serialization.FindSerializerFor(new Gadget("x"));
        var bytes = sender.ToBinary(new Gadget("payload"));
        var manifest = typeof(Gadget).TypeQualifiedName();
        var built = Gadget.Constructed;
        Assert.IsType<Gadget>(_plainAkka.Serialization.Deserialize(bytes, sender.Identifier, manifest));
        Assert.Equal(built + 1, Gadget.Constructed);

        var refused = Assert.Throws<SerializationException>(() => _clusterLB.Serialization.Deserialize(bytes, sender.Identifier, manifest));

        Assert.Contains("Refused", refused.Message);
        Assert.Equal(built + 1, Gadget.Constructed);
    }

    [Fact]
    public void ClusterLB_messages_keep_their_own_serializer()
    {
        var command = new RemoveRoute("a");
        var serializer = _clusterLB.Serialization.FindSerializerFor(command);

        Assert.IsType<ClusterLBSerializer>(serializer);
        Assert.Equal(command, _clusterLB.Serialization.Deserialize(serializer.ToBinary(command), serializer.Identifier, ((Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(command)));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _clusterLB.Terminate();
        await _plainAkka.Terminate();
    }
}

/// <summary>A type no serializer is bound to; counts how often something builds one.</summary>
public sealed class Gadget
{
    private static int _constructed;

    public Gadget(string name)
    {
        Name = name;
        Interlocked.Increment(ref _constructed);
    }

    public static int Constructed => Volatile.Read(ref _constructed);

    public string Name { get; }
}
