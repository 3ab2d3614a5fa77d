using ClusterLB.Core.Retries;
using Yarp.ReverseProxy.Forwarder;

namespace ClusterLB.Node.Retries;

/// <summary>How a forwarding attempt failed, in the terms of <see cref="RetryOn"/>.</summary>
internal static class AttemptFailure
{
    /// <summary>
    /// The kind of failure YARP reported for the last attempt on <paramref name="context"/>; <see cref="RetryOn.None"/>
    /// when it did not fail before the response headers (a status the destination answered is judged by
    /// <see cref="StatusRetryTransforms"/>, which sees it before any of it is sent).
    /// </summary>
    public static RetryOn Of(HttpContext context) => context.GetForwarderErrorFeature() switch
    {
        { Error: ForwarderError.Request, Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } } => RetryOn.ConnectFailure,
        { Error: ForwarderError.Request } => RetryOn.Reset,

        // The handler's connect timeout is a cancellation wrapping a TimeoutException; the activity timeout is not.
        { Error: ForwarderError.RequestTimedOut, Exception: OperationCanceledException { InnerException: TimeoutException } } => RetryOn.ConnectFailure,
        { Error: ForwarderError.RequestTimedOut } => RetryOn.Timeout,

        // Sending the body failed on the destination's side and no answer came: the connection broke.
        { Error: ForwarderError.RequestBodyDestination } when context.Response.StatusCode >= 500 => RetryOn.Reset,
        _ => RetryOn.None,
    };
}

/// <summary>
/// Passed between <see cref="RequestRetries"/> and <see cref="StatusRetryTransforms"/> for one attempt as a
/// request feature. Two shared instances, so that no request allocates one.
/// </summary>
internal sealed class RetryTicket
{
    private RetryTicket()
    {
    }

    /// <summary>Set before the attempt: a retry on a 502 or 503 answer is possible if the budget allows.</summary>
    public static readonly RetryTicket Offered = new();

    /// <summary>Set by the transform: it took a retry from the budget and kept the answer's body from the client.</summary>
    public static readonly RetryTicket Taken = new();
}
