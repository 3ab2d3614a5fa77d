using OpenTelemetry.Metrics;

namespace ClusterLB.Node.Observability;

/// <summary>
/// Metrics through OpenTelemetry, scraped by Prometheus at <c>/metrics</c> on the admin listener
/// (behind its bearer token like every admin endpoint): ASP.NET Core's, Kestrel's, HttpClient's and
/// the runtime's instruments, and ClusterLB's own meters (<c>ClusterLB.*</c>). And the log format.
/// </summary>
internal static class NodeTelemetry
{
    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";

    public static void AddNodeTelemetry(this WebApplicationBuilder builder, MetricsOptions metrics, LogFormatOptions logging)
    {
        builder.Services.AddSingleton<ProxyMetrics>();
        builder.Services.AddSingleton<TrafficRecorder>();
        if (metrics.Enabled)
        {
            builder.Services.AddOpenTelemetry().WithMetrics(meters => meters
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("ClusterLB.*")
                // Per-request instruments that the proxy's own histogram already covers (with the
                // cluster and destination): each costs every proxied request its share of the 5 %
                // budget (docs/benchmarks.md, Metrics). Connection-level ones stay.
                .AddView("http.client.request.duration", MetricStreamConfiguration.Drop)
                .AddView("http.client.request.time_in_queue", MetricStreamConfiguration.Drop)
                .AddView("http.client.active_requests", MetricStreamConfiguration.Drop)
                .AddView("http.server.active_requests", MetricStreamConfiguration.Drop)
                .AddView("http.server.request.duration", MetricStreamConfiguration.Drop)
                .AddPrometheusExporter());
        }

        if (logging.IsJson)
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true; // the request id (XRequestId) on every line about a request
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }

    /// <summary>Serves the proxy's metrics on the admin listener, when they are on.</summary>
    public static void MapMetrics(WebApplication admin, IServiceProvider node)
    {
        if (node.GetService<MeterProvider>() is { } provider)
        {
            admin.MapPrometheusScrapingEndpoint(MetricsPath, provider, configureBranchedPipeline: null, optionsName: null);
        }
    }
}
