// Measures, on a real 3-node cluster started by deploy/local/cluster.sh (already up), how closely the
// nodes together keep one cluster-wide rate limit (a sliding window of LIMIT requests per second, one
// client key) while they are offered several times the limit:
//   1. load spread evenly over the three nodes;
//   2. all load moved to node 1 (as when DNS sends a client to one node);
//   3. node 3 killed (SIGKILL) mid-run, load on the two survivors.
// Admitted requests are counted in 1-second windows aligned to the limiter's 100 ms segments.
// Usage: dotnet bench/ClusterRateLimit/bin/Release/net10.0/ClusterRateLimit.dll RUN_DIR [limit]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: ClusterRateLimit RUN_DIR [limit]   (RUN_DIR: the run directory of a cluster started with deploy/local/cluster.sh up 3)");
    return 2;
}

var runDir = args[0];
var limit = args.Length > 1 && int.TryParse(args[1], out var l) && l > 0 ? l : 200;
var script = Path.Combine(AppContext.BaseDirectory, "../../../../../deploy/local/cluster.sh");
var token = File.ReadAllText(Path.Combine(runDir, "admin.token")).Trim();
var admin = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9091"), Timeout = TimeSpan.FromSeconds(10) };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
var proxies = Enumerable.Range(1, 3)
    .Select(n => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{8080 + n}"), Timeout = TimeSpan.FromSeconds(5) })
    .ToArray();
const int WorkersPerNode = 6;
const long Segment = 100; // ms, the policy's segment

async Task Put(string path, string json)
{
    using var response = await admin.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

await Put("/admin/policies", $$"""{ "RateLimiting": { "bench": { "Kind": "SlidingWindow", "PermitLimit": {{limit}}, "Window": "00:00:01", "SegmentsPerWindow": 10 } } }""");
await Put("/admin/routes/limited", """{ "ClusterId": "app", "Match": { "Path": "/limited/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/limited" } ], "RateLimiterPolicy": "bench" }""");
for (var n = 0; n < 3; n++)
{
    var deadline = DateTime.UtcNow.AddSeconds(20);
    while ((await proxies[n].GetAsync("/limited/")).StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
    {
        if (DateTime.UtcNow > deadline)
        {
            throw new TimeoutException($"node {n + 1} does not serve the limited route");
        }

        await Task.Delay(100);
    }
}

var admitted = new ConcurrentQueue<long>(); // UTC ms of each admitted request
var targets = new bool[3];
var stop = false;
long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

async Task Worker(int node)
{
    while (!Volatile.Read(ref stop))
    {
        if (!Volatile.Read(ref targets[node]))
        {
            await Task.Delay(5);
            continue;
        }

        try
        {
            using var response = await proxies[node].GetAsync("/limited/");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                admitted.Enqueue(Now());
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // the killed node
        }
    }
}

var workers = Enumerable.Range(0, 3).SelectMany(n => Enumerable.Range(0, WorkersPerNode).Select(_ => Task.Run(() => Worker(n)))).ToList();
void Send(params int[] nodes)
{
    for (var n = 0; n < 3; n++)
    {
        Volatile.Write(ref targets[n], nodes.Contains(n + 1));
    }
}

// Admitted requests in each aligned 1-second window ending at a segment boundary in [from, to).
List<(long End, int Count)> Windows(long from, long to)
{
    var times = admitted.ToArray();
    Array.Sort(times);
    var result = new List<(long, int)>();
    for (var end = ((from / Segment) + 1) * Segment + 1000; end <= to; end += Segment)
    {
        var lo = Array.BinarySearch(times, end - 1000);
        var hi = Array.BinarySearch(times, end);
        lo = lo < 0 ? ~lo : LowerBound(times, lo);
        hi = hi < 0 ? ~hi : LowerBound(times, hi);
        result.Add((end, hi - lo));
    }

    return result;
}

static int LowerBound(long[] sorted, int index)
{
    while (index > 0 && sorted[index - 1] == sorted[index])
    {
        index--;
    }

    return index;
}

string Pct(double count) => $"{100.0 * count / limit:0.0} %";
var rows = new List<(string What, string Value, bool Pass)>();
async Task Phase(TimeSpan length) => await Task.Delay(length);

// 1. Even load.
Send(1, 2, 3);
await Phase(TimeSpan.FromSeconds(3));
var evenFrom = Now();
await Phase(TimeSpan.FromSeconds(8));
var evenTo = Now();
var even = Windows(evenFrom, evenTo);
var evenMean = even.Average(w => w.Count);
rows.Add(("even load on 3 nodes: admitted per second, mean", $"{evenMean:0} of {limit} ({Pct(evenMean)})", Math.Abs(evenMean - limit) <= 0.1 * limit));
rows.Add(("even load on 3 nodes: busiest / quietest second", $"{Pct(even.Max(w => w.Count))} / {Pct(even.Min(w => w.Count))}", even.Max(w => w.Count) <= 1.1 * limit));

// 2. All load on node 1.
Send(1);
var shift = Now();
await Phase(TimeSpan.FromSeconds(8));
var shifted = Windows(shift - 1000, Now());
var reached = shifted.FirstOrDefault(w => w.End > shift + 1000 && w.Count >= 0.8 * limit);
var settled = shifted.Where(w => w.End >= shift + 3000).Average(w => w.Count);
rows.Add(("all load on node 1: from the shift to 80 % of the limit admitted in the last second",
    reached.End == 0 ? "never" : $"{(reached.End - shift) / 1000.0:0.00} s", reached.End != 0 && reached.End - shift <= 2000));
rows.Add(("all load on node 1: admitted per second once settled (3-8 s after the shift), mean", Pct(settled), settled >= 0.8 * limit && settled <= 1.1 * limit));
rows.Add(("all load on node 1: busiest second, the shift included", Pct(shifted.Max(w => w.Count)), shifted.Max(w => w.Count) <= 1.1 * limit));

// 3. Node 3 killed mid-run.
Send(1, 2, 3);
await Phase(TimeSpan.FromSeconds(4));
var kill = Now();
var killer = Process.Start(new ProcessStartInfo("bash", [script, "kill", "3"]) { Environment = { ["CLUSTERLB_RUN_DIR"] = runDir } })!;
Send(1, 2);
await killer.WaitForExitAsync();
await Phase(TimeSpan.FromSeconds(12));
var survivors = Windows(kill, Now());
var lastSeconds = survivors.Where(w => w.End >= kill + 8000).Average(w => w.Count);
rows.Add(("node 3 killed: busiest second of the survivors (12 s after the kill)", Pct(survivors.Max(w => w.Count)), survivors.Max(w => w.Count) <= 1.1 * limit));
rows.Add(("node 3 killed: survivors' admitted per second 8-12 s after the kill, mean", Pct(lastSeconds), lastSeconds <= 1.1 * limit));

Volatile.Write(ref stop, true);
await Task.WhenAll(workers);

Console.WriteLine($"Cluster-wide limit: sliding window, {limit} requests per second (10 segments), one client key; {WorkersPerNode} callers per loaded node.");
Console.WriteLine();
Console.WriteLine("| Measurement | Result | Target met |");
Console.WriteLine("|---|---|---|");
foreach (var (what, value, pass) in rows)
{
    Console.WriteLine($"| {what} | {value} | {(pass ? "yes" : "NO")} |");
}

return rows.All(r => r.Pass) ? 0 : 1;
