namespace ClusterLB.Node.Proxy;

/// <summary>What a client's request says about its body.</summary>
internal static class RequestBodies
{
    /// <summary>
    /// Whether <paramref name="request"/> announces a body in HTTP/1.1 terms (a length above zero, or chunked).
    /// An HTTP/2 request such as a gRPC call announces none, though it may stream one.
    /// </summary>
    public static bool Announced(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
}
