using Microsoft.AspNetCore.Http.Timeouts;
using Yarp.ReverseProxy.Forwarder;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// Gives the proxy's own error answers (502, 503, 504) a short body saying what happened, instead of
/// YARP's empty one. Backend answers, errors included, pass through untouched.
/// </summary>
public static class ProxyErrorResponses
{
    /// <summary>Header naming the proxy error, so a client can tell a proxy 502 from a backend 502.</summary>
    public const string ErrorHeader = "X-ClusterLB-Error";

    /// <summary>Adds the error bodies to the YARP pipeline; call first, so it sees the outcome of the rest.</summary>
    public static IReverseProxyApplicationBuilder UseProxyErrorResponses(this IReverseProxyApplicationBuilder pipeline)
    {
        pipeline.Use(async (context, next) =>
        {
            await next(context);
            if (context.GetForwarderErrorFeature() is not { } failure || context.Response.HasStarted)
            {
                return;
            }

            if (failure.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
                && context.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true)
            {
                // The route's timeout fired, not the client: YARP sees a cancelled request and answers
                // 400, but for the client this is the backend being too slow.
                context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
                await WriteAsync(context, "RouteTimeout", "504 Gateway Timeout: the backend did not answer within the route's timeout\n");
                return;
            }

            var message = Describe(failure.Error, context.Response.StatusCode);
            if (message is null)
            {
                return;
            }

            await WriteAsync(context, failure.Error.ToString(), message);
        });
        return pipeline;
    }

    private static Task WriteAsync(HttpContext context, string error, string message)
    {
        context.Response.Headers[ErrorHeader] = error;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message, CancellationToken.None);
    }

    private static string? Describe(ForwarderError error, int status) => error switch
    {
        ForwarderError.NoAvailableDestinations => "503 Service Unavailable: no healthy destination for this route\n",
        ForwarderError.RequestTimedOut => "504 Gateway Timeout: the backend did not answer within the route's timeout\n",
        ForwarderError.Request when status == StatusCodes.Status504GatewayTimeout => "504 Gateway Timeout: the backend did not answer in time\n",
        ForwarderError.Request => "502 Bad Gateway: could not reach the backend\n",
        ForwarderError.ResponseHeaders => "502 Bad Gateway: the backend closed the connection without an answer\n",
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled => null,
        _ when status >= 500 => $"{status}: the proxy could not complete the request ({error})\n",
        _ => null,
    };
}
