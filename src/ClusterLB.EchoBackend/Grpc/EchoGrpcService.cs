using Grpc.Core;

namespace ClusterLB.EchoBackend.Grpc;

/// <summary>The <c>clusterlb.echo.Echo</c> gRPC service: each call kind, answering with the backend's name.</summary>
internal sealed class EchoGrpcService(string backend) : Echo.EchoBase
{
    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        if (request.DelayMs > 0)
        {
            await Task.Delay(request.DelayMs, context.CancellationToken);
        }

        foreach (var (key, value) in request.Trailers)
        {
            context.ResponseTrailers.Add(key, value);
        }

        if (request.FailWithStatus != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailWithStatus, request.FailDetail));
        }

        var reply = Reply(request.Message, context);
        // The HTTP request's headers, not the call's metadata, which leaves out gRPC's own (grpc-timeout and the like).
        var headers = context.GetHttpContext().Request.Headers;
        foreach (var name in request.EchoHeaders)
        {
            if (headers.TryGetValue(name, out var value))
            {
                reply.Headers[name] = value.ToString();
            }
        }

        return reply;
    }

    public override async Task ServerStream(StreamRequest request, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        for (var i = 0; i < request.Count; i++)
        {
            if (i > 0 && request.IntervalMs > 0)
            {
                await Task.Delay(request.IntervalMs, context.CancellationToken);
            }

            var reply = Reply(request.Message, context);
            reply.Sequence = i;
            await responseStream.WriteAsync(reply, context.CancellationToken);
        }
    }

    public override async Task<SumReply> ClientStream(IAsyncStreamReader<EchoRequest> requestStream, ServerCallContext context)
    {
        var reply = new SumReply { Backend = backend };
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            reply.Sum += request.Number;
            reply.Count++;
        }

        return reply;
    }

    public override async Task Duplex(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
    {
        var sequence = 0;
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
        {
            var reply = Reply(request.Message, context);
            reply.Sequence = sequence++;
            await responseStream.WriteAsync(reply, context.CancellationToken);
        }
    }

    private EchoReply Reply(string message, ServerCallContext context) => new()
    {
        Message = message,
        Backend = backend,
        Protocol = context.GetHttpContext().Request.Protocol,
    };
}
