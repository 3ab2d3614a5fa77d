// Holds N idle connections open to a ClusterLB node (already running) and measures:
//   the node's resident memory (VmRSS of its process) before, with the connections open, and after;
//   how many connections the node kept (the rest it closed at accept: Kestrel:Limits:MaxConcurrentConnections);
//   the latency another client sees while they are open, against a baseline without them.
// Connections come from several loopback source addresses, so that ephemeral ports do not run out.
// Prints a markdown table. Usage:
//   dotnet bench/IdleConnections/bin/Release/net10.0/IdleConnections.dll PROXY_URL NODE_PID [connections] [tcp|http] [requests]
//   tcp:  connect and send nothing (a client that never starts its request)
//   http: one GET per connection, then keep the connection idle (keep-alive between requests)
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

if (args.Length < 2 || !Uri.TryCreate(args[0], UriKind.Absolute, out var proxy) || !int.TryParse(args[1], out var nodePid))
{
    Console.Error.WriteLine("usage: IdleConnections PROXY_URL NODE_PID [connections] [tcp|http] [requests]");
    return 2;
}

var count = args.Length > 2 ? int.Parse(args[2]) : 10_000;
var mode = args.Length > 3 ? args[3] : "tcp";
var requests = args.Length > 4 ? int.Parse(args[4]) : 2_000;
if (mode is not ("tcp" or "http"))
{
    Console.Error.WriteLine($"mode must be tcp or http, got '{mode}'");
    return 2;
}

var target = new IPEndPoint(IPAddress.Parse(proxy.Host), proxy.Port);
using var client = new HttpClient { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(10) };
var rows = new List<(string What, string Value)>();

await Latency(1000); // warm-up: JIT, connection pools, the node's first requests
var rssBefore = RssKiB(nodePid);
var baseline = await Latency(requests);
var baselineFresh = await FreshConnections(100);

var connections = new List<Socket>(count);
var failedToConnect = 0;
var opening = Stopwatch.StartNew();
var request = Encoding.ASCII.GetBytes($"GET /idle HTTP/1.1\r\nHost: {proxy.Authority}\r\n\r\n");
var buffer = new byte[4096];
for (var i = 0; i < count; i++)
{
    // 127.0.0.2 .. 127.0.0.41: 40 sources give room for 40 x 28,000 ephemeral ports.
    var source = new IPAddress([127, 0, 0, (byte)(2 + i % 40)]);
    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    try
    {
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(target);
        if (mode == "http")
        {
            await socket.SendAsync(request);
            // The echo answer is small; one read takes the whole of it, or sees the node close.
            using var answer = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ReceiveAsync(buffer, SocketFlags.None, answer.Token);
        }

        connections.Add(socket);
    }
    catch (Exception e) when (e is SocketException or OperationCanceledException)
    {
        failedToConnect++;
        socket.Dispose();
    }
}

opening.Stop();

// A connection the node closed at accept reads as end of stream; give the node's accept loop a
// moment's worth of polling to get through the backlog before counting.
var deadline = Stopwatch.StartNew();
int closedByNode;
do
{
    closedByNode = connections.Count(ClosedByPeer);
    await Task.Delay(200);
}
while (deadline.Elapsed < TimeSpan.FromSeconds(2) || (closedByNode != connections.Count(ClosedByPeer) && deadline.Elapsed < TimeSpan.FromSeconds(10)));

var rssOpen = RssKiB(nodePid);
var during = await Latency(requests);
var duringFresh = await FreshConnections(100);
var rssAfterLoad = RssKiB(nodePid);
var stillOpen = connections.Count - connections.Count(ClosedByPeer);

foreach (var socket in connections)
{
    socket.Dispose();
}

await Task.Delay(TimeSpan.FromSeconds(3)); // let the node notice the closes before reading its memory
var rssClosed = RssKiB(nodePid);

rows.Add(("idle connections asked for", $"{count:N0} ({mode}), opened in {opening.Elapsed.TotalSeconds:0.0} s"));
rows.Add(("held open by the node", $"{stillOpen:N0}; closed by the node at accept: {connections.Count - stillOpen:N0}; connect failed: {failedToConnect:N0}"));
rows.Add(("node RSS before", Mib(rssBefore)));
rows.Add(("node RSS with the connections open", $"{Mib(rssOpen)} (+{Mib(rssOpen - rssBefore)}, {(stillOpen > 0 ? (rssOpen - rssBefore) * 1024.0 / stillOpen : 0):N0} bytes per held connection)"));
rows.Add(("node RSS after the latency run", Mib(rssAfterLoad)));
rows.Add(("node RSS 3 s after closing them", Mib(rssClosed)));
rows.Add(($"other client, {requests:N0} sequential GETs, no idle connections", baseline.ToString()));
rows.Add(($"other client, {requests:N0} sequential GETs, idle connections open", during.ToString()));
rows.Add(("new clients, 100 GETs each on a new connection, no idle connections", baselineFresh.ToString()));
rows.Add(("new clients, 100 GETs each on a new connection, idle connections open", duringFresh.ToString()));

Console.WriteLine("| measurement | result |");
Console.WriteLine("|---|---|");
foreach (var (what, value) in rows)
{
    Console.WriteLine($"| {what} | {value} |");
}

return 0;

// Each request on its own connection: what a client arriving now gets, not one already connected.
async Task<LatencySummary> FreshConnections(int n)
{
    var samples = new List<double>(n);
    var errors = 0;
    for (var i = 0; i < n; i++)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var fresh = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = proxy, Timeout = TimeSpan.FromSeconds(10) };
            using var response = await fresh.GetAsync("/latency");
            await response.Content.ReadAsByteArrayAsync();
            if (response.IsSuccessStatusCode)
            {
                samples.Add(watch.Elapsed.TotalMilliseconds);
                continue;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }

        errors++;
    }

    samples.Sort();
    return new LatencySummary(samples, errors);
}

async Task<LatencySummary> Latency(int n)
{
    var samples = new List<double>(n);
    var errors = 0;
    for (var i = 0; i < n; i++)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync("/latency");
            await response.Content.ReadAsByteArrayAsync();
            if (response.IsSuccessStatusCode)
            {
                samples.Add(watch.Elapsed.TotalMilliseconds);
                continue;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
        }

        errors++;
    }

    samples.Sort();
    return new LatencySummary(samples, errors);
}

static bool ClosedByPeer(Socket socket)
{
    try
    {
        return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
    }
    catch (SocketException)
    {
        return true;
    }
}

static long RssKiB(int pid)
{
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}

static string Mib(long kib) => $"{kib / 1024.0:N1} MiB";

internal sealed record LatencySummary(List<double> Samples, int Errors)
{
    private double At(double p) => Samples.Count == 0 ? double.NaN : Samples[Math.Min(Samples.Count - 1, (int)(p * Samples.Count))];

    public override string ToString() =>
        $"p50 {At(0.50):0.00} ms, p90 {At(0.90):0.00} ms, p99 {At(0.99):0.00} ms, max {(Samples.Count == 0 ? double.NaN : Samples[^1]):0.00} ms; errors {Errors}";
}
