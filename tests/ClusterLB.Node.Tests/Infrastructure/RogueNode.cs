using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.Remote.Transport.DotNetty;
using Akka.Serialization;
using ClusterLB.Cluster.Health;
using ClusterLB.Core.Health;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Serialization;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>
/// A process that is not a ClusterLB node but speaks its protocol: an Akka.NET cluster system with the
/// cluster's name, the balancer role, ClusterLB's serializer and Distributed Data, on loopback. With
/// <c>certificate: null</c> it has no TLS at all; with a certificate it runs TLS, presents that certificate
/// and trusts any server, so only the real nodes' checks can keep it out.
/// </summary>
public sealed class RogueNode : IAsyncDisposable
{
    private RogueNode(ActorSystem system, bool tls)
    {
        System = system;
        Scheme = tls ? "akka.ssl.tcp" : "akka.tcp";
    }

    public ActorSystem System { get; }

    /// <summary>The transport scheme this process dials with.</summary>
    public string Scheme { get; }

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    public static RogueNode Start(NodeCertificateFiles? certificate)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = {{(certificate is null ? "off" : "on")}} }
            akka.cluster.roles = ["{{ClusterLBAkka.BalancerRole}}"]
            akka.cluster.distributed-data.role = "{{ClusterLBAkka.BalancerRole}}"
            akka.cluster.distributed-data.gossip-interval = 200ms
            akka.cluster.seed-node-timeout = 1s
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            """).WithFallback(DistributedData.DefaultConfig());
        ActorSystemSetup setup = BootstrapSetup.Create().WithConfig(config)
            .And(SerializationSetup.Create(system =>
            [
                SerializerDetails.Create("clusterlb", new ClusterLBSerializer(system), [.. ClusterLBSerializer.BoundTypes]),
            ]));
        if (certificate is not null)
        {
            var presented = X509CertificateLoader.LoadPkcs12FromFile(certificate.Pfx, password: null);
            setup = setup.And(new DotNettySslSetup(presented, suppressValidation: true, requireMutualAuthentication: true,
                validateCertificateHostname: false, customValidator: (_, _, _, _, _) => true));
        }

        return new RogueNode(ActorSystem.Create("clusterlb", setup), certificate is not null);
    }

    /// <summary>The remoting address of <paramref name="node"/>, in this process's scheme.</summary>
    public Address AddressOf(TestNode node)
    {
        var address = Akka.Cluster.Cluster.Get(node.Node.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        return new Address(Scheme, address.System, address.Host, address.Port);
    }

    /// <summary>Asks to join through <paramref name="seed"/>, and keeps asking, as a joining node does.</summary>
    public void TryJoin(Address seed) => Cluster.JoinSeedNodes([seed]);

    /// <summary>Sends <paramref name="command"/> to the routing-table writer through <paramref name="node"/>'s singleton proxy.</summary>
    public void SendToWriter(Address node, object command) =>
        System.ActorSelection(new RootActorPath(node) / "user" / "routing-table-writer-proxy").Tell(command);

    /// <summary>Whether <paramref name="node"/> answers an Identify at its routing-table replica within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsAnsweredBy(Address node, TimeSpan timeout)
    {
        try
        {
            var identity = await System.ActorSelection(new RootActorPath(node) / "user" / "routing-table-replica").Ask<ActorIdentity>(new Identify(1), timeout);
            return identity.Subject is not null;
        }
        catch (AskTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Writes <paramref name="verdicts"/> into its own copy of the cluster's health map, to gossip to any member it reaches.</summary>
    public void WriteVerdicts(IReadOnlyDictionary<string, ReplicatedVerdict> verdicts)
    {
        var replicator = DistributedData.Get(System).Replicator;
        var self = Cluster;
        replicator.Tell(Dsl.Update(
            HealthReplication.Key,
            LWWDictionary<string, ReplicatedVerdict>.Empty,
            WriteLocal.Instance,
            map => verdicts.Aggregate(map, (m, v) => m.SetItem(self, v.Key, v.Value))));
    }

    public async ValueTask DisposeAsync() => await System.Terminate();
}
