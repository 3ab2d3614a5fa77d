using System.Net;
using System.Net.NetworkInformation;

namespace ClusterLB.Node.Routing;

/// <summary>
/// The ports this node's own proxy and admin listeners use, so that a destination pointing back at
/// them (a forwarding loop, or the admin API exposed on the proxy port) is refused.
/// </summary>
public sealed class NodeListeners
{
    private readonly HashSet<int> _ports = [];
    private readonly Lazy<HashSet<IPAddress>> _localAddresses = new(LocalAddresses);

    /// <summary>Adds the port of <paramref name="url"/> once it is known (0 is not a port yet).</summary>
    public void Add(string url)
    {
        if (Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) && uri.Port > 0)
        {
            lock (_ports)
            {
                _ports.Add(uri.Port);
            }
        }
    }

    /// <summary>Whether <paramref name="address"/> names one of this node's listeners.</summary>
    public bool IsOwn(Uri address)
    {
        lock (_ports)
        {
            if (!_ports.Contains(address.Port))
            {
                return false;
            }
        }

        if (address.IsLoopback || string.Equals(address.IdnHost, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(address.IdnHost, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) || _localAddresses.Value.Contains(ip));
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
