using System.Net.WebSockets;
using ClusterLB.Node.Tests.Infrastructure;
using ClusterLB.Node.Tests.Proxying;

namespace ClusterLB.Node.Tests.Protocols;

public sealed class WebSocketThroughProxyTests(ProxyFixture fixture) : IClassFixture<ProxyFixture>
{
    private Uri EchoSocket(string query = "") => WebSocketSession.UriOf(fixture.Node.Proxy.BaseAddress!, "/echo/ws" + query);

    [Fact]
    public async Task Text_and_binary_messages_flow_both_ways_at_the_same_time()
    {
        await using var session = await WebSocketSession.ConnectAsync(EchoSocket());
        var sent = Enumerable.Range(0, 40)
            .Select(i => i % 2 == 0
                ? new WebSocketMessage(WebSocketMessageType.Text, System.Text.Encoding.UTF8.GetBytes($"text {i} " + new string('t', i * 1000)))
                : new WebSocketMessage(WebSocketMessageType.Binary, Enumerable.Range(0, i * 1500).Select(b => (byte)(b + i)).ToArray()))
            .ToList();

        // Sending does not wait for answers: echoes come back while later messages are still going out.
        var sending = Task.Run(async () =>
        {
            foreach (var message in sent)
            {
                await (message.Type == WebSocketMessageType.Text ? session.SendTextAsync(message.Text) : session.SendBinaryAsync(message.Data));
            }
        });
        var received = new List<WebSocketMessage>();
        for (var i = 0; i < sent.Count; i++)
        {
            received.Add(await session.ReceiveAsync());
        }

        await sending;
        Assert.Equal(sent.Select(m => m.Type), received.Select(m => m.Type));
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i].Data, received[i].Data);
        }
    }

    [Fact]
    public async Task Close_started_by_the_client_reaches_the_backend_and_its_answer_comes_back()
    {
        const WebSocketCloseStatus clientDone = (WebSocketCloseStatus)4001;
        await using var session = await WebSocketSession.ConnectAsync(EchoSocket());
        await session.SendTextAsync("before closing");
        Assert.Equal("before closing", (await session.ReceiveAsync()).Text);

        await session.CloseAsync(clientDone, "client done");

        Assert.Equal(WebSocketState.Closed, session.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
        Assert.Equal("bye", session.CloseStatusDescription);
        await Eventually.True(
            () => Task.FromResult(fixture.Backends[0].WebSocketCloses.Contains(clientDone)),
            TimeSpan.FromSeconds(15),
            "the backend receiving the client's close status");
    }

    [Fact]
    public async Task Close_started_by_the_backend_reaches_the_client_and_its_answer_goes_back()
    {
        const WebSocketCloseStatus clientAnswer = (WebSocketCloseStatus)4002;
        await using var session = await WebSocketSession.ConnectAsync(EchoSocket("?closeAfter=2"));
        foreach (var text in new[] { "one", "two" })
        {
            await session.SendTextAsync(text);
            Assert.Equal(text, (await session.ReceiveAsync()).Text);
        }

        var close = await session.ReceiveAsync();
        await session.AnswerCloseAsync(clientAnswer, "ok");

        Assert.Equal(WebSocketMessageType.Close, close.Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, session.CloseStatus);
        Assert.Equal("closing after 2 messages", session.CloseStatusDescription);
        Assert.Equal(WebSocketState.Closed, session.State);
        await Eventually.True(
            () => Task.FromResult(fixture.Backends[0].WebSocketCloses.Contains(clientAnswer)),
            TimeSpan.FromSeconds(15),
            "the backend receiving the client's answer to its close");
    }
}
