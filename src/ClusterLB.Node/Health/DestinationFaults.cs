using Yarp.ReverseProxy.Forwarder;

namespace ClusterLB.Node.Health;

/// <summary>
/// Decides whether a proxied request failed through its destination's fault, the only failures
/// passive health may count: clients are untrusted, and one that aborts its requests or never sends
/// the body it announced must not be able to take a healthy destination out of every node.
/// </summary>
/// <remarks>
/// YARP's <see cref="ForwarderError"/> values, classified:
/// <list type="bullet">
/// <item>Count: <c>Request</c> (connection refused or reset, name not resolved, no valid answer),
/// <c>RequestTimedOut</c> (no response headers within the activity timeout; a client that stalls its
/// upload is stopped earlier by Kestrel's minimum request body data rate and reported as
/// <c>RequestBodyClient</c>), <c>ResponseHeaders</c> (an answer that cannot be proxied),
/// <c>ResponseBodyDestination</c> (the destination broke off or stalled its response body), and
/// <c>RequestBodyDestination</c> only when the exchange failed with it (a 5xx): after a complete
/// answer it is the destination refusing the rest of an upload (an early 413), which any client can
/// provoke. Without a forwarder error, a 5xx status from the destination counts.</item>
/// <item>Never count: <c>RequestCanceled</c>, <c>RequestBodyCanceled</c>, <c>ResponseBodyCanceled</c>,
/// <c>UpgradeRequestCanceled</c>, <c>UpgradeResponseCanceled</c> (the client went away: YARP reports
/// these only when the request's own token fired, never for its activity timeout),
/// <c>RequestBodyClient</c>, <c>ResponseBodyClient</c>, <c>UpgradeRequestClient</c>,
/// <c>UpgradeResponseClient</c> (reading from or writing to the client failed),
/// <c>RequestCreation</c> (the proxy could not build the outgoing request from the client's),
/// <c>UpgradeRequestDestination</c>, <c>UpgradeResponseDestination</c>, <c>UpgradeActivityTimeout</c>
/// (the destination did answer the upgrade; how a WebSocket ends is up to both peers, and a client
/// that breaks the protocol makes a correct server drop it), and <c>NoAvailableDestinations</c>
/// (no destination was tried). The status code is not consulted when there is a forwarder error:
/// YARP sets 502 for a cancellation that did not come from the client's connection.</item>
/// <item>One exception among the cancellations: a route's timeout (ASP.NET's request timeouts)
/// cancels the request as a client would. <c>RequestCanceled</c> by the route's timeout on a request
/// without a body is the destination not answering in time and counts; with a body it does not,
/// since a client that trickles its upload can hold the request open until the timeout fires, and
/// neither does a route timeout during the response body (a client that reads slowly does the same).</item>
/// </list>
/// </remarks>
internal static class DestinationFaults
{
    /// <summary>
    /// Whether a request that ended with <paramref name="error"/> (null: none) and <paramref name="statusCode"/>
    /// failed through its destination; <paramref name="routeTimedOutWithoutBody"/> says the route's
    /// timeout fired on a request that had no body.
    /// </summary>
    public static bool IsDestinationFault(ForwarderError? error, int statusCode, bool routeTimedOutWithoutBody = false) => error switch
    {
        null or ForwarderError.None => statusCode >= 500,
        ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.ResponseHeaders or ForwarderError.ResponseBodyDestination => true,
        ForwarderError.RequestBodyDestination => statusCode >= 500,
        ForwarderError.RequestCanceled => routeTimedOutWithoutBody,
        _ => false,
    };
}
