using ClusterLB.EchoBackend.Grpc;
using ClusterLB.Node.Tests.Infrastructure;
using Grpc.Core;

namespace ClusterLB.Node.Tests.Protocols;

public sealed class GrpcThroughProxyTests(GrpcFixture fixture) : IClassFixture<GrpcFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private Echo.EchoClient Client => fixture.Client;

    [Fact]
    public async Task Unary_call_reaches_the_backend_over_HTTP2_with_its_headers()
    {
        var reply = await Client.UnaryAsync(
            new EchoRequest { Message = "hello", EchoHeaders = { "x-tenant" } },
            new Metadata { { "x-tenant", "blue" } });

        Assert.Equal("hello", reply.Message);
        Assert.Equal("grpc-alpha", reply.Backend);
        Assert.Equal("HTTP/2", reply.Protocol);
        Assert.Equal("blue", reply.Headers["x-tenant"]);
    }

    [Fact]
    public async Task Server_streaming_delivers_every_reply_in_order()
    {
        using var call = Client.ServerStream(new StreamRequest { Message = "tick", Count = 50 });

        var replies = new List<EchoReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        Assert.Equal(Enumerable.Range(0, 50), replies.Select(r => r.Sequence));
        Assert.All(replies, r => Assert.Equal("tick", r.Message));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Client_streaming_adds_up_every_message_sent()
    {
        using var call = Client.ClientStream();
        for (var number = 1; number <= 100; number++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Number = number });
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(5050, reply.Sum);
        Assert.Equal(100, reply.Count);
        Assert.Equal("grpc-alpha", reply.Backend);
    }

    [Fact]
    public async Task Bidirectional_streaming_answers_each_message_before_the_next_is_sent()
    {
        using var call = Client.Duplex();
        for (var i = 0; i < 10; i++)
        {
            // Waiting for each answer before sending on proves neither direction is buffered by the proxy.
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"ping {i}" });
            Assert.True(await call.ResponseStream.MoveNext().WaitAsync(Bound));
            Assert.Equal($"ping {i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Sequence);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Response_trailers_of_a_successful_call_arrive_unchanged()
    {
        using var call = Client.UnaryAsync(new EchoRequest { Message = "with trailers", Trailers = { ["x-cost"] = "7", ["x-region"] = "eu" } });

        await call.ResponseAsync;
        var trailers = call.GetTrailers();

        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("7", trailers.GetValue("x-cost"));
        Assert.Equal("eu", trailers.GetValue("x-region"));
    }

    [Fact]
    public async Task Error_status_detail_and_trailers_arrive_unchanged()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(new EchoRequest
        {
            FailWithStatus = (int)StatusCode.NotFound,
            FailDetail = "order 42 does not exist",
            Trailers = { ["x-reason"] = "archived" },
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("order 42 does not exist", error.Status.Detail);
        Assert.Equal("archived", error.Trailers.GetValue("x-reason"));
    }

    [Fact]
    public async Task Client_deadline_reaches_the_backend_as_grpc_timeout()
    {
        var reply = await Client.UnaryAsync(
            new EchoRequest { EchoHeaders = { "grpc-timeout" } },
            deadline: DateTime.UtcNow.AddSeconds(30));

        Assert.True(reply.Headers.ContainsKey("grpc-timeout"), "the backend should see the client's deadline");
    }

    [Fact]
    public async Task Call_past_its_deadline_ends_DeadlineExceeded_at_the_client_and_on_the_backend()
    {
        var callId = Guid.NewGuid().ToString("N");

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.UnaryAsync(
            new EchoRequest { DelayMs = 60_000 },
            new Metadata { { GrpcCallLog.CallIdHeader, callId } },
            deadline: DateTime.UtcNow.AddMilliseconds(500)).ResponseAsync.WaitAsync(Bound));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await Eventually.True(
            () => Task.FromResult(fixture.Backend.GrpcCalls.Outcome(callId) == GrpcCallOutcome.Cancelled),
            Bound,
            "the backend giving up the call past its deadline");
        Assert.Equal("after", (await Client.UnaryAsync(new EchoRequest { Message = "after" })).Message);
    }

    [Fact]
    public async Task Server_stream_cancelled_by_the_client_midway_ends_on_the_backend()
    {
        var callId = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();
        using var call = Client.ServerStream(
            new StreamRequest { Message = "endless", Count = 100_000, IntervalMs = 20 },
            new Metadata { { GrpcCallLog.CallIdHeader, callId } },
            cancellationToken: cancel.Token);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext().WaitAsync(Bound));
        }

        Assert.Equal(GrpcCallOutcome.Running, fixture.Backend.GrpcCalls.Outcome(callId));
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext().WaitAsync(Bound));
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await Eventually.True(
            () => Task.FromResult(fixture.Backend.GrpcCalls.Outcome(callId) == GrpcCallOutcome.Cancelled),
            Bound,
            "the backend ending the cancelled stream");
    }

    [Fact]
    public async Task Bidirectional_stream_cancelled_by_the_client_midway_ends_on_the_backend()
    {
        var callId = Guid.NewGuid().ToString("N");
        using var cancel = new CancellationTokenSource();
        using var call = Client.Duplex(new Metadata { { GrpcCallLog.CallIdHeader, callId } }, cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "one" });
        Assert.True(await call.ResponseStream.MoveNext().WaitAsync(Bound));

        await cancel.CancelAsync();

        await Eventually.True(
            () => Task.FromResult(fixture.Backend.GrpcCalls.Outcome(callId) == GrpcCallOutcome.Cancelled),
            Bound,
            "the backend ending the cancelled stream");
    }
}
