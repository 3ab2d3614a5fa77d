using ClusterLB.Cluster.Health;
using ClusterLB.Core.Retries;
using ClusterLB.Node.Health;
using ClusterLB.Node.Proxy;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Retries;

/// <summary>
/// Sends a request that failed before any of the answer reached the client to another destination of its
/// cluster, as the cluster's <see cref="RetryPolicy"/> says: the tried destinations leave the candidates and
/// session affinity and load balancing choose again, after a short jittered pause, within the cluster's
/// <see cref="RetryBudget"/>. Only methods the route allows are retried, and only when the body can be sent
/// again: none, or one of a known length up to the policy's size, kept in memory for that.
/// </summary>
/// <remarks>
/// A connect failure is retried for any method whose body was not read: the connection never existed, so
/// nothing was delivered (as nginx's <c>proxy_next_upstream error</c> and HAProxy's <c>redispatch</c>). That
/// holds for requests announcing no body in HTTP/1.1 terms, and for HTTP/2 requests such as gRPC calls,
/// whose body is only read once a connection exists. It covers the moment between a backend's death and
/// the cluster's verdict. Every failed attempt counts for the passive health of its destination.
/// </remarks>
internal sealed partial class RequestRetries(RetryPolicies policies, PassiveHealthCounters health, TimeProvider time, ILogger<RequestRetries> logger)
{
    private const RetryOn StatusKinds = RetryOn.Status502 | RetryOn.Status503;

    /// <summary>
    /// The middleware: requests of clusters without retries, or with a single destination to try, go
    /// straight on, without a state machine (the latter still count for the budget).
    /// </summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var proxy = context.GetReverseProxyFeature();
        if (policies.ForCluster(proxy.Cluster.Config.ClusterId) is not { Policy.Enabled: true } cluster)
        {
            return next(context);
        }

        cluster.Budget.Deposit();
        return proxy.AvailableDestinations.Count > 1 ? ForwardAsync(context, next, proxy, cluster) : next(context);
    }

    private async Task ForwardAsync(HttpContext context, RequestDelegate next, IReverseProxyFeature proxy, ClusterRetries cluster)
    {
        var policy = cluster.Policy;
        var request = context.Request;
        var resendable = (policies.MethodsOf(proxy.Route.Config.RouteId) & MethodOf(request.Method)) != 0 && KeepBody(context, policy);
        var candidates = proxy.AvailableDestinations;
        var retries = 0;
        while (true)
        {
            var offered = resendable && (policy.On & StatusKinds) != 0 && retries < policy.Attempts && candidates.Count > 1;
            if (offered)
            {
                context.Features.Set(RetryTicket.Offered);
            }

            await next(context);
            var taken = offered && context.Features.Get<RetryTicket>() == RetryTicket.Taken;
            if (offered)
            {
                context.Features.Set<RetryTicket>(null);
            }

            if (proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            var kind = RetryOn.None;
            if (!taken && !MayRetry(context, policy, resendable, retries, candidates, failed, out kind))
            {
                if (retries > 0 && context.GetForwarderErrorFeature() is null && context.Response.StatusCode < 500)
                {
                    cluster.Counts.CountSucceeded();
                }

                return;
            }

            if (!taken && !cluster.Budget.TryWithdraw())
            {
                cluster.Counts.CountDenied();
                Log.Denied(logger, cluster.ClusterId, failed.DestinationId, kind);
                return;
            }

            health.Record(cluster.ClusterId, failed.DestinationId, DestinationFaults.IsDestinationFault(context.GetForwarderErrorFeature()?.Error, context.Response.StatusCode));
            retries++;
            try
            {
                await Task.Delay(policy.BackoffBefore(retries, Random.Shared.NextDouble()), time, context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return; // the client went away; what it would have got stays as it is
            }

            cluster.Counts.CountRetried();
            Log.Retrying(logger, cluster.ClusterId, failed.DestinationId, retries);
            candidates = Without(candidates, failed);
            proxy.AvailableDestinations = candidates;
            proxy.ProxiedDestination = null;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            if (request.Body.CanSeek)
            {
                request.Body.Position = 0;
            }
        }
    }

    /// <summary>Whether the attempt that just failed on <paramref name="failed"/> may be sent again, and as what <paramref name="kind"/> of failure.</summary>
    private static bool MayRetry(
        HttpContext context, RetryPolicy policy, bool resendable, int retries, IReadOnlyList<DestinationState> candidates, DestinationState failed, out RetryOn kind)
    {
        kind = RetryOn.None;
        if (retries >= policy.Attempts || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        kind = AttemptFailure.Of(context);
        if ((policy.On & kind) == 0)
        {
            return false;
        }

        // A connect failure delivered nothing: any method, as long as no body was read.
        var sendable = resendable || (kind == RetryOn.ConnectFailure && !RequestBodies.Announced(context.Request));
        return sendable && HasOther(candidates, failed);
    }

    /// <summary>
    /// Whether the body of <paramref name="context"/>'s request can be sent again: there is none, or it has a
    /// known length within the policy's size and is now kept (YARP reads it through the buffer, and the retry rewinds it).
    /// </summary>
    private static bool KeepBody(HttpContext context, RetryPolicy policy)
    {
        var request = context.Request;
        if (!(context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? RequestBodies.Announced(request)))
        {
            return true;
        }

        if (request.ContentLength is not { } length || length > policy.MaxBodySize)
        {
            return false;
        }

        request.EnableBuffering((int)policy.MaxBodySize, policy.MaxBodySize);
        return true;
    }

    private static RetryMethods MethodOf(string method) =>
        HttpMethods.IsGet(method) ? RetryMethods.Get
        : HttpMethods.IsHead(method) ? RetryMethods.Head
        : HttpMethods.IsPut(method) ? RetryMethods.Put
        : HttpMethods.IsDelete(method) ? RetryMethods.Delete
        : HttpMethods.IsOptions(method) ? RetryMethods.Options
        : HttpMethods.IsPost(method) ? RetryMethods.Post
        : HttpMethods.IsPatch(method) ? RetryMethods.Patch
        : HttpMethods.IsTrace(method) ? RetryMethods.Trace
        : RetryMethods.None;

    private static bool HasOther(IReadOnlyList<DestinationState> candidates, DestinationState failed)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i] != failed)
            {
                return true;
            }
        }

        return false;
    }

    private static List<DestinationState> Without(IReadOnlyList<DestinationState> candidates, DestinationState failed)
    {
        var remaining = new List<DestinationState>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates[i] != failed)
            {
                remaining.Add(candidates[i]);
            }
        }

        return remaining;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Cluster {ClusterId}: destination {DestinationId} failed; retry {Retry} on another destination")]
        public static partial void Retrying(ILogger logger, string clusterId, string destinationId, int retry);

        [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Cluster {ClusterId}: destination {DestinationId} failed ({Kind}); the retry budget is spent, the client gets the failure")]
        public static partial void Denied(ILogger logger, string clusterId, string destinationId, RetryOn kind);
    }
}
