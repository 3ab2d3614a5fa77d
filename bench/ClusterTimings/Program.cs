// Measures, on a real 3-node cluster started by deploy/local/cluster.sh (already up):
//   config-change propagation, affinity-override propagation, kill -9 to unreachable,
//   kill -9 to probe ownership moved, kill -9 to writes accepted again, restart to ready,
//   D destinations under 1 s active health checks (probes per second);
// and with a third argument N, the cost of N replicated affinity overrides (managed heap per
// override from dotnet-gcdump, whose path is in CLUSTERLB_GCDUMP; replication; a joining node).
// Prints a markdown table. Usage: dotnet run --project bench/ClusterTimings -- RUN_DIR [rounds] [overrides] [destinations]
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: ClusterTimings RUN_DIR [rounds] [overrides] [destinations]   (RUN_DIR: the run directory of a cluster started with deploy/local/cluster.sh up 3)");
    return 2;
}

var runDir = args[0];
var rounds = args.Length > 1 && int.TryParse(args[1], out var r) && r > 0 ? r : 50;
var overrideTarget = args.Length > 2 && int.TryParse(args[2], out var o) && o > 0 ? o : 0;
var destinationCount = args.Length > 3 && int.TryParse(args[3], out var d) && d > 0 ? d : 1000;
var script = Path.Combine(AppContext.BaseDirectory, "../../../../../deploy/local/cluster.sh");
var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
http.DefaultRequestHeaders.Authorization = new("Bearer", File.ReadAllText(Path.Combine(runDir, "admin.token")).Trim());
string Admin(int node) => $"http://127.0.0.1:{9090 + node}";
string Proxy(int node) => $"http://127.0.0.1:{8080 + node}";
var rows = new List<(string What, string Value)>();
void Row((string What, string Value) row)
{
    rows.Add(row);
    Console.Error.WriteLine($"{row.What}: {row.Value}"); // as it comes, so a failing run keeps what it measured
}

async Task<JsonElement> Status(int node) => await http.GetFromJsonAsync<JsonElement>($"{Admin(node)}/admin/status");
async Task<long> Version(int node) => (await Status(node)).GetProperty("routingTable").GetProperty("version").GetInt64();
async Task<int> Overrides(int node) => (await Status(node)).GetProperty("affinity").GetProperty("overrides").GetInt32();
async Task<TimeSpan> Until(Func<Task<bool>> condition, TimeSpan timeout)
{
    var watch = Stopwatch.StartNew();
    while (watch.Elapsed < timeout)
    {
        try
        {
            if (await condition())
            {
                return watch.Elapsed;
            }
        }
        catch (HttpRequestException)
        {
        }

        await Task.Delay(2);
    }

    throw new TimeoutException("condition not reached within " + timeout);
}

void Cluster(params string[] command)
{
    var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
    info.ArgumentList.Add(script);
    foreach (var part in command)
    {
        info.ArgumentList.Add(part);
    }

    info.Environment["CLUSTERLB_RUN_DIR"] = runDir;
    using var process = Process.Start(info)!;
    process.StandardOutput.ReadToEnd();
    process.WaitForExit();
}

string Pid(int node) => File.ReadAllText(Path.Combine(runDir, $"node-{node}.pid")).Trim();
long Rss(int node) => long.Parse(File.ReadAllLines($"/proc/{Pid(node)}/status")
    .First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
double CpuSeconds(int node)
{
    var fields = File.ReadAllText($"/proc/{Pid(node)}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // utime + stime, in clock ticks
}

// The node's live managed heap: dotnet-gcdump forces a full blocking collection, after which the
// runtime's own metrics say what the heap holds (its size less its free space), per generation.
async Task<long> HeapBytes(int node)
{
    var file = Path.Combine(runDir, $"node-{node}.gcdump");
    using (var gcdump = Process.Start(new ProcessStartInfo(Environment.GetEnvironmentVariable("CLUSTERLB_GCDUMP") ?? "dotnet-gcdump", ["collect", "-p", Pid(node), "-o", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!)
    {
        await gcdump.StandardOutput.ReadToEndAsync();
        await gcdump.WaitForExitAsync();
    }

    File.Delete(file);
    var metrics = await http.GetStringAsync($"{Admin(node)}/metrics");
    long Sum(string name) => metrics.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal)).Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..]));
    return Sum("dotnet_gc_last_collection_heap_size_bytes") - Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes");
}

async Task<long[]> HeapsBytes() => [await HeapBytes(1), await HeapBytes(2), await HeapBytes(3)];

static string Percentiles(List<double> ms)
{
    ms.Sort();
    double At(double p) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(p * ms.Count) - 1)];
    return $"p50 {At(0.5):0.0} ms, p99 {At(0.99):0.0} ms, max {ms[^1]:0.0} ms (n={ms.Count})";
}

// 1. A change accepted by node 2 until it runs on all three nodes.
var propagation = new List<double>();
for (var i = 0; i < rounds; i++)
{
    var watch = Stopwatch.StartNew();
    var put = await http.PutAsJsonAsync($"{Admin(2)}/admin/clusters/app/destinations/bench", new { address = "http://127.0.0.1:5201/", metadata = new Dictionary<string, string> { ["round"] = i.ToString() } });
    var version = (await put.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
    await Until(async () => await Version(1) >= version && await Version(2) >= version && await Version(3) >= version, TimeSpan.FromSeconds(10));
    propagation.Add(watch.Elapsed.TotalMilliseconds);
}

await http.DeleteAsync($"{Admin(2)}/admin/clusters/app/destinations/bench");
Row(("config change accepted on node 2 → running on all 3 nodes", Percentiles(propagation)));

// 2. An affinity override made on node 2 until nodes 1 and 3 hold it.
Cluster("backend-kill", "2");
await Until(async () =>
{
    var request = new HttpRequestMessage(HttpMethod.Get, $"{Proxy(2)}/keyed/");
    request.Headers.Add("X-Session-Key", "probe-health");
    return (await http.SendAsync(request)).IsSuccessStatusCode;
}, TimeSpan.FromSeconds(30));
await Until(async () => (await http.GetFromJsonAsync<JsonElement>($"{Admin(1)}/admin/cluster")).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("verdictVersion").GetInt64()).Distinct().Count() == 1, TimeSpan.FromSeconds(10));
var overrideTimes = new List<double>();
for (var k = 0; overrideTimes.Count < Math.Min(rounds, 30) && k < 2000; k++)
{
    var (before1, before2, before3) = (await Overrides(1), await Overrides(2), await Overrides(3));
    var request = new HttpRequestMessage(HttpMethod.Get, $"{Proxy(2)}/keyed/");
    request.Headers.Add("X-Session-Key", $"bench-{Guid.NewGuid():N}");
    var watch = Stopwatch.StartNew();
    await http.SendAsync(request);
    if (await Overrides(2) == before2)
    {
        continue; // this key's home is healthy: no override
    }

    await Until(async () => await Overrides(1) > before1 && await Overrides(3) > before3, TimeSpan.FromSeconds(10));
    overrideTimes.Add(watch.Elapsed.TotalMilliseconds);
}

Cluster("backend-start", "2");
await Until(async () => (await http.GetAsync("http://127.0.0.1:5202/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(30));
await Task.Delay(3000); // let the owners probe the restarted backend, so each has a recent prober
Row(("affinity override recorded on node 2 → held by nodes 1 and 3", Percentiles(overrideTimes)));

// 3. kill -9 of node 1 (the writer host).
var probes = await Task.WhenAll(Enumerable.Range(1, 3).Select(j => http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{5200 + j}/health/probes")));
var node1Address = (await Status(1)).GetProperty("address").GetString();
var owned = Enumerable.Range(1, 3).Where(j => probes[j - 1].GetProperty("lastProber").GetString() == node1Address).ToList();
var kill = Stopwatch.StartNew();
Cluster("kill", "1");
var unreachable = await Until(async () => (await http.GetFromJsonAsync<JsonElement>($"{Admin(2)}/admin/cluster")).GetProperty("members").EnumerateArray().Any(m => !m.GetProperty("reachable").GetBoolean()), TimeSpan.FromSeconds(30));
Row(("kill -9 → survivors mark the node unreachable", $"{unreachable.TotalMilliseconds:0} ms"));
foreach (var backend in owned)
{
    await Until(async () => (await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{5200 + backend}/health/probes")).GetProperty("lastProber").GetString() != node1Address, TimeSpan.FromSeconds(30));
    Row(($"kill -9 → probing of backend-{backend} (owned by the killed node) taken over", $"{kill.Elapsed.TotalMilliseconds:0} ms"));
}

var writes = await Until(async () => (await http.PutAsJsonAsync($"{Admin(2)}/admin/clusters/app/destinations/bench", new { address = "http://127.0.0.1:5201/" })).IsSuccessStatusCode, TimeSpan.FromSeconds(60));
Row(("kill -9 → writes accepted again (writer handed over)", $"{kill.Elapsed.TotalMilliseconds:0} ms"));
await http.DeleteAsync($"{Admin(2)}/admin/clusters/app/destinations/bench");

// 4. Restart of the killed node until it is ready (Up, table and verdicts applied).
var rejoin = Stopwatch.StartNew();
Cluster("start", "1");
await Until(async () => (await http.GetAsync($"{Admin(1)}/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60));
Row(("restart of the killed node → ready again (process start included)", $"{rejoin.Elapsed.TotalMilliseconds:0} ms"));

// 5. D destinations under active health, interval 1 s: probes per second across the cluster.
var many = Enumerable.Range(0, destinationCount).ToDictionary(i => $"m{i}", i => new { address = $"http://127.0.0.1:{5201 + i % 3}/" });
var bigChange = Stopwatch.StartNew();
var manyPut = await http.PutAsJsonAsync($"{Admin(2)}/admin/clusters/many", new
{
    destinations = many,
    healthCheck = new { active = new { enabled = true, interval = "00:00:01", timeout = "00:00:01", path = "/health" } },
});
var manyVersion = (await manyPut.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
await Until(async () => await Version(1) >= manyVersion && await Version(2) >= manyVersion && await Version(3) >= manyVersion, TimeSpan.FromSeconds(30));
Row(($"{destinationCount:N0}-destination cluster added on node 2 → running on all 3 nodes", $"{bigChange.Elapsed.TotalMilliseconds:0} ms"));
async Task<Dictionary<string, int>> ProbesByProber()
{
    var total = new Dictionary<string, int>();
    for (var j = 1; j <= 3; j++)
    {
        var probes = (await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{5200 + j}/health/probes")).GetProperty("probes");
        foreach (var prober in probes.EnumerateObject())
        {
            total[prober.Name] = total.GetValueOrDefault(prober.Name) + prober.Value.GetInt32();
        }
    }

    return total;
}

await Task.Delay(3000); // let the new owners start probing
var probesBefore = await ProbesByProber();
var probingCpuBefore = Enumerable.Range(1, 3).Select(CpuSeconds).ToArray();
var window = Stopwatch.StartNew();
await Task.Delay(10_000);
var probesAfter = await ProbesByProber();
var seconds = window.Elapsed.TotalSeconds;
var probingCpu = Enumerable.Range(1, 3).Select(n => (CpuSeconds(n) - probingCpuBefore[n - 1]) / seconds * 100).ToArray();
var perProber = probesAfter.Select(p => (p.Key, PerSecond: (p.Value - probesBefore.GetValueOrDefault(p.Key)) / seconds)).Where(p => p.PerSecond > 0).ToList();
Row(($"{destinationCount:N0} destinations probed every 1 s: probes per second, whole cluster ({destinationCount + 9:N0} probed destinations in all)",
    $"{perProber.Sum(p => p.PerSecond):0} /s; per node: {string.Join(", ", perProber.Select(p => $"{p.PerSecond:0}"))}; CPU per node {string.Join(", ", probingCpu.Select(c => $"{c:0}%"))}"));
await http.DeleteAsync($"{Admin(2)}/admin/clusters/many");

// 6. N overrides: memory per node, time to replicate, idle cost of holding them, time for a
// restarted node to catch up. wrk sends keyed requests with fresh keys to node 2 while backends 2
// and 3 are down, so two keys in three move and each move is an override.
if (overrideTarget > 0)
{
    var rssBefore = Enumerable.Range(1, 3).Select(Rss).ToArray();
    var heapBefore = await HeapsBytes();
    var baseline = await Overrides(2);
    Cluster("backend-kill", "2");
    Cluster("backend-kill", "3");
    await Until(async () =>
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{Proxy(2)}/keyed/");
        request.Headers.Add("X-Session-Key", "scale-probe");
        var response = await http.SendAsync(request);
        return response.IsSuccessStatusCode && (await response.Content.ReadAsStringAsync()).Contains("backend-1");
    }, TimeSpan.FromSeconds(30));
    await Until(async () => (await http.GetFromJsonAsync<JsonElement>($"{Admin(2)}/admin/cluster")).GetProperty("members").EnumerateArray().Select(m => m.GetProperty("verdictVersion").GetInt64()).Distinct().Count() == 1, TimeSpan.FromSeconds(30));

    var keysScript = Path.Combine(runDir, "fresh-keys.lua");
    File.WriteAllText(keysScript, """
        local counter = 0
        function request()
          counter = counter + 1
          return wrk.format("GET", "/keyed/", { ["X-Session-Key"] = "scale-" .. counter })
        end
        """);
    var load = Stopwatch.StartNew();
    // Connections of the keyed load: fewer make overrides more slowly but leave the cores some room.
    var connections = int.TryParse(Environment.GetEnvironmentVariable("CLUSTERLB_BENCH_CONNECTIONS"), out var c) && c > 0 ? c : 32;
    using var wrk = Process.Start(new ProcessStartInfo("wrk", ["-t1", $"-c{connections}", "-d3600s", "-s", keysScript, $"{Proxy(2)}/keyed/"]) { RedirectStandardOutput = true })!;
    await Until(async () => await Overrides(2) - baseline >= overrideTarget, TimeSpan.FromMinutes(60));
    wrk.Kill();
    await wrk.WaitForExitAsync();
    var made = await Overrides(2);
    var makeSeconds = load.Elapsed.TotalSeconds;
    Row(($"{overrideTarget:N0} overrides: made through node 2 (keyed requests with fresh keys, 2 of 3 backends down, {connections} connections)", $"{made - baseline:N0} in {makeSeconds:0.0} s ({(made - baseline) / makeSeconds:N0} overrides/s)"));
    var replicated = await Until(async () => await Overrides(1) >= made && await Overrides(3) >= made, TimeSpan.FromMinutes(10));
    Row(($"{overrideTarget:N0} overrides: held by every node, after the last request", $"{replicated.TotalMilliseconds:0} ms"));
    await Task.Delay(5000); // let gossip settle before measuring the cost of holding them
    var cpuBefore = Enumerable.Range(1, 3).Select(CpuSeconds).ToArray();
    var idle = Stopwatch.StartNew();
    await Task.Delay(10_000);
    var idleCpu = Enumerable.Range(1, 3).Select(n => (CpuSeconds(n) - cpuBefore[n - 1]) / idle.Elapsed.TotalSeconds * 100).ToArray();
    var rssAfter = Enumerable.Range(1, 3).Select(Rss).ToArray();
    Row(($"{overrideTarget:N0} overrides: RSS per node before → after (MB)", string.Join(", ", Enumerable.Range(0, 3).Select(n => $"{rssBefore[n]} → {rssAfter[n]}"))));
    var heapAfter = await HeapsBytes();
    Row(($"{overrideTarget:N0} overrides: live managed heap per node after a full GC, before → after (MB); bytes per override",
        string.Join(", ", Enumerable.Range(0, 3).Select(n => $"{heapBefore[n] / 1e6:0} → {heapAfter[n] / 1e6:0}; {(heapAfter[n] - heapBefore[n]) / (double)(made - baseline):0} B"))));
    Row(($"{overrideTarget:N0} overrides: CPU per node while idle, holding them", string.Join(", ", idleCpu.Select(c => $"{c:0.0}%"))));
    // A node joining: node 3 leaves gracefully, and once the others have removed it, starts again.
    var leaving = Pid(3);
    Cluster("stop", "3");
    await Until(async () => (await http.GetFromJsonAsync<JsonElement>($"{Admin(2)}/admin/cluster")).GetProperty("members").GetArrayLength() == 2, TimeSpan.FromMinutes(2));
    await Until(() => Task.FromResult(!File.Exists($"/proc/{leaving}/status")), TimeSpan.FromMinutes(1));
    var join = Stopwatch.StartNew();
    Cluster("start", "3");
    var joinReady = await Until(async () => (await http.GetAsync($"{Admin(3)}/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromMinutes(5));
    var joinHeld = await Overrides(3);
    Row(($"{overrideTarget:N0} overrides: a node joins (graceful leave of node 3, then start) → ready (process start included); overrides it holds when ready", $"{joinReady.TotalMilliseconds:0} ms; {joinHeld:N0} of {made:N0}"));

    Cluster("kill", "3");
    var catchUp = Stopwatch.StartNew();
    Cluster("start", "3");
    var ready = await Until(async () => (await http.GetAsync($"{Admin(3)}/healthz/ready")).IsSuccessStatusCode, TimeSpan.FromMinutes(5));
    await Until(async () => await Overrides(3) >= made, TimeSpan.FromMinutes(10));
    Row(($"{overrideTarget:N0} overrides: kill -9 and restart of node 3 → ready / holding them all (process start included)", $"{ready.TotalMilliseconds:0} ms / {catchUp.Elapsed.TotalMilliseconds:0} ms"));
    Cluster("backend-start", "2");
    Cluster("backend-start", "3");
}

Console.WriteLine("| measurement | result |");
Console.WriteLine("|---|---|");
foreach (var (what, value) in rows)
{
    Console.WriteLine($"| {what} | {value} |");
}

return 0;
