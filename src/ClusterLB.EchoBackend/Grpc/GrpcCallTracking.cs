using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ClusterLB.EchoBackend.Grpc;

/// <summary>Records in the <see cref="GrpcCallLog"/> how every call that carries a call id ends.</summary>
internal sealed class GrpcCallTracking(GrpcCallLog log) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        TrackAsync(context, () => continuation(request, context));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        TrackAsync(context, () => continuation(requestStream, context));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        TrackAsync(context, async () => { await continuation(request, responseStream, context); return true; });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        TrackAsync(context, async () => { await continuation(requestStream, responseStream, context); return true; });

    private async Task<T> TrackAsync<T>(ServerCallContext context, Func<Task<T>> call)
    {
        if (context.RequestHeaders.GetValue(GrpcCallLog.CallIdHeader) is not { Length: > 0 } callId)
        {
            return await call();
        }

        log.Record(callId, GrpcCallOutcome.Running);
        try
        {
            var result = await call();
            log.Record(callId, GrpcCallOutcome.Completed);
            return result;
        }
        catch when (context.CancellationToken.IsCancellationRequested)
        {
            log.Record(callId, GrpcCallOutcome.Cancelled);
            throw;
        }
        catch
        {
            log.Record(callId, GrpcCallOutcome.Failed);
            throw;
        }
    }
}
