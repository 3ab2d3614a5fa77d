using System.Net;
using System.Net.Sockets;
using System.Text;
using ClusterLB.Node.Routing;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Tests.Security;

/// <summary>Client traffic, hostile or merely impatient, must not poison the cluster's shared state.</summary>
public sealed class ClientPoisoningTests
{
    private const int MidResponseAborts = 200;
    private const int UnsentBodies = 40;

    [Fact]
    public async Task Clients_that_abort_mid_response_or_do_not_send_their_body_leave_the_destination_in_while_real_faults_take_it_out()
    {
        await using var backends = await Backends.StartAsync("victim-b1", "witness-b2");
        var settings = new RouteSettings()
            .Route("victim", "/victim", "victim")
            .Cluster("victim", ("b1", backends[0].Url))
            .With("ReverseProxy:Clusters:victim:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:victim:HealthCheck:Passive:ReactivationPeriod", "00:01:00")
            .Route("witness", "/witness", "witness")
            .Cluster("witness", ("b2", backends[1].Url))
            .With("ReverseProxy:Clusters:witness:HealthCheck:Passive:Enabled", "true")
            .With("ReverseProxy:Clusters:witness:HealthCheck:Passive:ReactivationPeriod", "00:01:00");
        await using var node = await TestNode.StartAsync(settings);
        var proxy = new Uri(node.Node.ProxyUrls[0]);
        var state = node.Node.Services.GetRequiredService<NodeState>();
        var before = state.Requests;

        // Half cancel through HttpClient once the headers and first bytes are in (the backend holds the
        // rest of its answer behind a gate that never opens); half reset a raw connection while a large
        // answer streams. Then clients announce a body and close before sending it.
        await Parallel.ForEachAsync(Enumerable.Range(0, MidResponseAborts), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            if (i % 2 == 0)
            {
                await CancelAfterFirstBytesAsync(proxy, "/victim/stream?chunks=2&chunkSize=512&gate=never-opens");
            }
            else
            {
                await ResetAfterFirstBytesAsync(proxy, "/victim/stream?chunks=4000&chunkSize=16384");
            }
        });
        await Parallel.ForEachAsync(Enumerable.Range(0, UnsentBodies), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await CloseBeforeBodyAsync(proxy, "/victim/upload"));

        // Every one of them has been through the proxy (and counted, or not, for passive health).
        var expected = before + MidResponseAborts + UnsentBodies;
        await Eventually.True(() => Task.FromResult(state.Requests >= expected), TimeSpan.FromSeconds(20), "every aborted request finished in the proxy");

        // Control: real faults of another destination, reported after the aborts, take it out. Once it
        // is out, the reports that held the aborts have been judged too.
        await Eventually.True(
            async () =>
            {
                using var response = await node.Proxy.GetAsync("/witness/status/500");
                return Health(node, "witness", "b2") == DestinationHealth.Unhealthy;
            },
            TimeSpan.FromSeconds(20),
            "the witness destination out after its 500s");

        Assert.Equal(DestinationHealth.Unknown, Health(node, "victim", "b1"));
        using (var served = await node.Proxy.GetAsync("/victim/"))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // The same destination's own faults do take it out: the test can fail.
        await Eventually.True(
            async () =>
            {
                using var response = await node.Proxy.GetAsync("/victim/status/503");
                return Health(node, "victim", "b1") == DestinationHealth.Unhealthy;
            },
            TimeSpan.FromSeconds(20),
            "the victim destination out after its own 503s");
    }

    private static DestinationHealth Health(TestNode node, string cluster, string destination)
    {
        var lookup = node.Node.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(lookup.TryGetCluster(cluster, out var state));
        return state.Destinations[destination].Health.Active;
    }

    private static async Task CancelAfterFirstBytesAsync(Uri proxy, string path)
    {
        using var client = new HttpClient { BaseAddress = proxy };
        using var cancel = new CancellationTokenSource();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        var buffer = new byte[256];
        Assert.True(await body.ReadAsync(buffer, cancel.Token) > 0);
        await cancel.CancelAsync();
    }

    private static async Task ResetAfterFirstBytesAsync(Uri proxy, string path)
    {
        using var socket = await ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {proxy.Authority}\r\n\r\n"));
        var buffer = new byte[4096];
        var received = 0;
        while (received < 2048)
        {
            var read = await socket.ReceiveAsync(buffer);
            Assert.True(read > 0, "the answer started");
            received += read;
        }

        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, 12));
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    // Closes its sending side after a tenth of the announced body; a reset instead could make the
    // kernel drop what was sent before the proxy read it, and then nothing would be tested.
    private static async Task CloseBeforeBodyAsync(Uri proxy, string path)
    {
        using var socket = await ConnectAsync(proxy);
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: {proxy.Authority}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n" + new string('x', 100_000)));
        socket.Shutdown(SocketShutdown.Send);
        // Kestrel answers the truncated body (400) or closes; either way the request has ended.
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Closed with a reset: ended all the same.
        }

        socket.Close();
    }

    private static async Task<Socket> ConnectAsync(Uri proxy)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, proxy.Port);
        return socket;
    }
}
