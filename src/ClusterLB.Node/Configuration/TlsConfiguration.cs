using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Security;
using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// Checks <c>ClusterLB:Cluster:Tls</c> before start: a node that joins others or listens beyond loopback
/// has a certificate from the cluster's CA (or is explicitly insecure), and its files open.
/// </summary>
public static class TlsConfiguration
{
    /// <summary>Adds to <paramref name="errors"/> what keeps <paramref name="cluster"/>'s TLS from working.</summary>
    public static void Validate(ClusterSettings cluster, List<ValidationError> errors)
    {
        if (cluster.Tls.Enabled == false)
        {
            return;
        }

        if (!ClusterTls.IsEnabled(cluster))
        {
            if (ClusterTls.IsRequired(cluster))
            {
                errors.Add(new ValidationError(
                    $"{ClusterTls.Section}:Certificate",
                    "is required: this node joins a cluster (ClusterLB:Cluster:Seeds) or its remoting port listens beyond loopback "
                    + "(ClusterLB:Cluster:Hostname), and nodes talk only over mutual TLS. Give it a certificate from the cluster's CA "
                    + $"({ClusterTls.Section}:Certificate, :Key, :CaCertificate; see docs/operations.md), or set {ClusterTls.Section}:Enabled=false "
                    + "to run without (insecure: anyone who reaches the remoting port can join and change the routing table)"));
            }

            return;
        }

        try
        {
            ClusterTls.Load(cluster.Tls).Node.Dispose();
        }
        catch (ClusterTlsException e)
        {
            errors.Add(new ValidationError(e.Setting, e.Message));
        }
    }
}
