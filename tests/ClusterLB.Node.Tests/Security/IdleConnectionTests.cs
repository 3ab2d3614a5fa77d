using System.Net;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Security;

/// <summary>Connections that send nothing, or nothing more, are closed by the keep-alive timeout, so they cannot be held forever.</summary>
public sealed class IdleConnectionTests
{
    private static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Connections_that_send_nothing_or_go_idle_after_a_request_are_closed_by_the_keep_alive_timeout()
    {
        await using var backend = await RecordingBackend.StartAsync();
        var settings = new RouteSettings()
            .Route("rec", "/rec", "rec")
            .Cluster("rec", ("recorder", backend.Url))
            .With("Kestrel:Limits:KeepAliveTimeout", KeepAliveTimeout.ToString());
        await using var node = await TestNode.StartAsync(settings);

        await using var silent = await RawHttp1.ConnectAsync(node.Proxy.BaseAddress!);
        await using var idle = await RawHttp1.ConnectAsync(node.Proxy.BaseAddress!);
        await idle.SendAsync("GET /rec/once HTTP/1.1\r\nHost: lb.test\r\n\r\n");

        // Well before the 10 s request-headers timeout: the keep-alive timeout is what closes them.
        var silentEnd = await silent.ReadUntilClosedAsync(TimeSpan.FromSeconds(8));
        var idleEnd = await idle.ReadUntilClosedAsync(TimeSpan.FromSeconds(8));

        Assert.True(silentEnd.ClosedByServer, $"silent connection: {silentEnd}");
        Assert.Empty(silentEnd.Responses);
        Assert.True(idleEnd.ClosedByServer, $"idle connection: {idleEnd}");
        Assert.Equal((int)HttpStatusCode.OK, idleEnd.FirstStatus);
    }
}
