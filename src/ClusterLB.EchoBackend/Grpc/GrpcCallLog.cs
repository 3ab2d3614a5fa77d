using System.Collections.Concurrent;

namespace ClusterLB.EchoBackend.Grpc;

/// <summary>How a gRPC call ended on the backend, as far as it has.</summary>
public enum GrpcCallOutcome
{
    /// <summary>The call is still being served.</summary>
    Running,

    /// <summary>The service answered in full.</summary>
    Completed,

    /// <summary>The service ended the call with an error status.</summary>
    Failed,

    /// <summary>The client went away (cancelled, reset or past its deadline) before the service was done.</summary>
    Cancelled,
}

/// <summary>
/// The gRPC calls a backend served, by the id the client put in the <see cref="CallIdHeader"/> header,
/// so a test can see a call end on the backend, not only at the client.
/// </summary>
public sealed class GrpcCallLog
{
    /// <summary>Request header carrying the client's id for a call.</summary>
    public const string CallIdHeader = "x-call-id";

    private readonly ConcurrentDictionary<string, GrpcCallOutcome> _calls = new(StringComparer.Ordinal);

    /// <summary>How the call <paramref name="callId"/> stands; null when the backend has not seen it.</summary>
    public GrpcCallOutcome? Outcome(string callId) => _calls.TryGetValue(callId, out var outcome) ? outcome : null;

    internal void Record(string callId, GrpcCallOutcome outcome) => _calls[callId] = outcome;
}
