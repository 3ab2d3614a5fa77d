using ClusterLB.Core.Routing;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Compression;

/// <summary>
/// ASP.NET Core's choice of whether to compress (accepted encodings, media types, not already encoded),
/// with what it lacks for a proxy: the route's own on/off, a minimum size, and never a partial (206) answer.
/// </summary>
internal sealed class RouteCompressionProvider(IServiceProvider services, IOptions<ResponseCompressionOptions> options, CompressionOptions settings)
    : ResponseCompressionProvider(services, options)
{
    /// <inheritdoc />
    public override bool ShouldCompressResponse(HttpContext context)
    {
        var response = context.Response;
        if (!IsOn(context) || response.StatusCode == StatusCodes.Status206PartialContent || response.ContentLength < settings.MinimumSize)
        {
            return false;
        }

        if (response.ContentType is { } type && CompressionOptions.IsAlreadyCompressed(type))
        {
            return false;
        }

        return base.ShouldCompressResponse(context);
    }

    private bool IsOn(HttpContext context)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>();
        return CompressionMetadata.RouteChoice(route?.Config.Metadata) ?? settings.Enabled;
    }
}
