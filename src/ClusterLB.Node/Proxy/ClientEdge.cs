using ClusterLB.Node.Compression;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Filtering;
using ClusterLB.Node.Routing;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// What the proxy does at its edge, facing clients: the real client behind trusted proxies, a request
/// id on every request, request filters, response compression, and backend headers hidden.
/// </summary>
public static class ClientEdge
{
    /// <summary>Registers the services of <see cref="UseClientEdge"/> from <paramref name="options"/>.</summary>
    public static IServiceCollection AddClientEdge(this IServiceCollection services, NodeOptions options)
    {
        services.AddSingleton(options.Compression);
        services.AddSingleton(options.Forwarding);
        services.AddSingleton(options.RequestId);
        services.AddSingleton(options.ResponseHeaders);
        services.Configure<ForwardedHeadersOptions>(options.Forwarding.Configure);

        services.AddSingleton<RequestFilterCatalog>();
        services.AddSingleton<IAppliedTableObserver>(s => s.GetRequiredService<RequestFilterCatalog>());

        var level = options.Compression.CompressionLevel;
        services.Configure<BrotliCompressionProviderOptions>(brotli => brotli.Level = level);
        services.Configure<GzipCompressionProviderOptions>(gzip => gzip.Level = level);
        services.AddResponseCompression(compression =>
        {
            compression.EnableForHttps = options.Compression.EnableForHttps;
            compression.Providers.Add<BrotliCompressionProvider>();
            compression.Providers.Add<GzipCompressionProvider>();
            compression.MimeTypes = options.Compression.EffectiveMimeTypes.ToList();
            compression.ExcludedMimeTypes = CompressionOptions.AlreadyCompressedTypes;
        });
        services.Replace(ServiceDescriptor.Singleton<IResponseCompressionProvider, RouteCompressionProvider>());

        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITransformProvider, BackendIdentityTransforms>());
        if (options.ResponseHeaders.EffectiveRemove.Contains("Server", StringComparer.OrdinalIgnoreCase))
        {
            services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);
        }

        return services;
    }

    /// <summary>
    /// Adds the edge middleware and routing, in this order: trusted forwarded headers (before anything
    /// reads the client's address, scheme or host, routing included), the request id, routing, the
    /// request filters, then compression around everything after it.
    /// </summary>
    public static WebApplication UseClientEdge(this WebApplication app)
    {
        if (app.Services.GetRequiredService<ForwardingOptions>().TrustsProxies)
        {
            app.UseForwardedHeaders();
        }

        app.UseMiddleware<RequestIds>();
        app.UseRouting();
        app.UseMiddleware<RequestFiltering>();
        app.UseResponseCompression();
        return app;
    }
}
