namespace ClusterLB.Node.Tests.Compatibility;

/// <summary>A way ClusterLB knowingly differs from YARP on the same configuration, and why.</summary>
/// <param name="Applies">Which observed fields it explains; null when it is a refused configuration, not an observed field.</param>
public sealed record DocumentedDifference(string Name, string Reason, Func<string, Observation, Observation, bool>? Applies = null);

/// <summary>
/// The single list of documented differences (also in docs/yarp-compatibility.md). Any other
/// difference between a bare YARP app and ClusterLB on the same configuration fails the test.
/// </summary>
public static class DocumentedDifferences
{
    public static readonly DocumentedDifference PerNodeEncryptedAffinity = new(
        "Cookie and CustomHeader session affinity are refused",
        "They encrypt the pinned destination with a per-node Data Protection key, so a pin issued by one node " +
        "could not be read by another. Drop-in alternatives: HashCookie or ArrCookie (cookie), KeyedHeader (header).");

    public static readonly DocumentedDifference ProxyErrorsSayWhatHappened = new(
        "The proxy's own error answers have a body",
        "When ClusterLB itself answers 502, 503 or 504 (backend unreachable, no healthy destination, timeout), the " +
        "answer says what happened in a short text body and an X-ClusterLB-Error header; YARP's is empty. " +
        "The status code is the same, and backend answers pass through untouched.",
        (field, _, clusterLB) => clusterLB["response.header.x-clusterlb-error"] is not null
            && field is "response.body" or "response.header.x-clusterlb-error" or "response.header.content-type"
                or "response.header.content-length" or "response.header.transfer-encoding");

    public static readonly DocumentedDifference RouteTimeoutIsAGatewayTimeout = new(
        "A route Timeout is answered 504, not 400",
        "YARP 2.3 reports the request timeouts middleware's cancellation as a client that went away and answers " +
        "400 Bad Request (dotnet/yarp#2662, open); ClusterLB answers 504 Gateway Timeout, as YARP's own ActivityTimeout does.",
        (field, yarp, clusterLB) => field == "status" && yarp.Status == 400 && clusterLB.Status == 504
            && clusterLB["response.header.x-clusterlb-error"] == "RouteTimeout");

    public static readonly DocumentedDifference EveryRequestHasAnId = new(
        "Every request carries an X-Request-Id",
        "The node tags each request with an id (generated, or the client's when ClusterLB:RequestId:TrustIncoming is on), " +
        "passes it to the backend, returns it to the client and writes it in every log line about the request.",
        (field, yarp, clusterLB) => field is "backend.header.x-request-id" or "response.header.x-request-id"
            && yarp[field] is null && clusterLB[field] is { Length: > 0 });

    public static readonly DocumentedDifference ServerHeadersHidden = new(
        "Server-identifying answer headers are removed",
        "ClusterLB:ResponseHeaders:Remove (Server, X-Powered-By, X-AspNet-Version, X-AspNetMvc-Version by default) " +
        "hides what the backends and the proxy run; a YARP app passes them on.",
        (field, yarp, clusterLB) => field is "response.header.server" or "response.header.x-powered-by"
            or "response.header.x-aspnet-version" or "response.header.x-aspnetmvc-version"
            && yarp[field] is not null && clusterLB[field] is null);

    public static readonly DocumentedDifference FailedRequestsRetried = new(
        "A failed request may be sent to another destination",
        "YARP sends each request once: a destination that refuses the connection or breaks it before answering costs the " +
        "client a 502. ClusterLB retries such failures of idempotent requests (and connect failures of any request whose body " +
        "was not read) on another destination of the cluster, within a per-cluster budget; ClusterLB.Retry.Attempts = 0 in a " +
        "cluster's metadata restores YARP's behaviour (RetriesTests).");

    public static IReadOnlyList<DocumentedDifference> All { get; } =
    [
        RouteTimeoutIsAGatewayTimeout,
        PerNodeEncryptedAffinity,
        ProxyErrorsSayWhatHappened,
        EveryRequestHasAnId,
        ServerHeadersHidden,
        FailedRequestsRetried,
    ];

    /// <summary>The documented difference that explains <paramref name="field"/> differing, or null.</summary>
    public static DocumentedDifference? Explain(string field, Observation yarp, Observation clusterLB) =>
        All.FirstOrDefault(difference => difference.Applies?.Invoke(field, yarp, clusterLB) == true);
}
