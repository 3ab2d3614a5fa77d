using ClusterLB.Cluster.Affinity;
using ClusterLB.Cluster.Health;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Core.Policies;
using ClusterLB.Node.Admin.Access;
using ClusterLB.Node.Https;
using ClusterLB.Node.Listeners;
using ClusterLB.Node.Proxy;
using ClusterLB.Node.Authentication;

namespace ClusterLB.Node.Configuration;

/// <summary>ClusterLB's own settings: the <c>ClusterLB</c> configuration section.</summary>
public sealed class NodeOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "ClusterLB";

    /// <summary>Name of this node in status and logs; defaults to the machine name.</summary>
    public string? NodeName { get; set; }

    /// <summary>Directory for the embedded journal and local state, relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Deprecated alias of <c>Kestrel:Endpoints</c>: the proxy listens where <c>Urls</c> or <c>Kestrel:Endpoints</c> say.</summary>
    public List<DeprecatedListenerOptions> Listeners { get; set; } = [];

    /// <summary>The admin listener: health, status and the admin API; https takes <c>ClusterLB:Admin:Certificate</c>.</summary>
    public string AdminUrl { get; set; } = "http://localhost:9090";

    /// <summary>Admin API tokens, allowed host names and request limits.</summary>
    public AdminOptions Admin { get; set; } = new();

    /// <summary>Replace a persisted routing table that differs from the <c>ReverseProxy</c> section at start.</summary>
    public bool ImportReverseProxyOnStart { get; set; }

    /// <summary>
    /// How long a node keeps serving after SIGTERM with readiness already 503, so that DNS or anycast
    /// health checks withdraw it before it refuses connections. 0 stops accepting at once.
    /// </summary>
    public TimeSpan ShutdownDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long SIGTERM waits for in-flight requests before the node stops anyway.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Cluster membership.</summary>
    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>The routing-table journal.</summary>
    public PersistenceSettings Persistence { get; set; } = new();

    /// <summary>Health probing and verdicts.</summary>
    public HealthSettings Health { get; set; } = new();

    /// <summary>Key-based affinity overrides.</summary>
    public AffinitySettings Affinity { get; set; } = new();

    /// <summary>
    /// Named policies routes reference (rate limits, caching ...): the seed of the routing table's
    /// policies, as <c>ReverseProxy</c> is of its routes and clusters.
    /// </summary>
    public PolicyDefinitions Policies { get; set; } = new(); // not the shared None: the binder fills this instance

    /// <summary>Response compression.</summary>
    public Node.Compression.CompressionOptions Compression { get; set; } = new();

    /// <summary>Trusted proxies in front of the node, and the <c>Via</c> header.</summary>
    public Node.Proxy.ForwardingOptions Forwarding { get; set; } = new();

    /// <summary>The request id every request carries.</summary>
    public Node.Proxy.RequestIdOptions RequestId { get; set; } = new();

    /// <summary>Backend response headers hidden from clients.</summary>
    public Node.Proxy.ResponseHeaderOptions ResponseHeaders { get; set; } = new();

    /// <summary>How the proxy identifies callers for routes' authorization policies (JWT bearer).</summary>
    public AuthenticationSettings Authentication { get; set; } = new();

    /// <summary>Demo mode: echo backends started inside the node.</summary>
    public DemoOptions Demo { get; set; } = new();

    /// <summary>HTTP to HTTPS redirect and HSTS on proxied requests.</summary>
    public HttpsOptions Https { get; set; } = new();

    /// <summary>HTTPS to backends: private certificate authorities.</summary>
    public BackendTlsOptions BackendTls { get; set; } = new();

    /// <summary>The Prometheus endpoint and ClusterLB's instruments.</summary>
    public Node.Observability.MetricsOptions Metrics { get; set; } = new();

    /// <summary>The log format.</summary>
    public Node.Observability.LogFormatOptions Logging { get; set; } = new();

    /// <summary>The node's name as shown in status.</summary>
    public string EffectiveNodeName => string.IsNullOrWhiteSpace(NodeName) ? Environment.MachineName : NodeName;
}

/// <summary>Demo mode (<c>ClusterLB:Demo</c>): on in the default configuration, off in production.</summary>
public sealed class DemoOptions
{
    /// <summary>Whether to start the demo echo backends.</summary>
    public bool Enabled { get; set; }

    /// <summary>The demo backends, each answering with its name.</summary>
    public List<DemoBackendOptions> Backends { get; set; } = [];
}

/// <summary>One demo echo backend.</summary>
public sealed class DemoBackendOptions
{
    /// <summary>The name it answers with.</summary>
    public string Name { get; set; } = "";

    /// <summary>Loopback URL it listens on.</summary>
    public string Url { get; set; } = "";
}
