using System.CommandLine;
using System.Text.Json;
using ClusterLB.Chaos.Load;
using ClusterLB.Chaos.Scenarios;
using ClusterLB.Chaos.Targets;

// Exit codes: 0 every scenario passed, 1 a scenario failed its thresholds, 2 bad input or no cluster to act on.
var root = new RootCommand("ClusterLB chaos: failover scenarios under steady load, and the load client they use.");

var local = new Option<bool>("--local") { Description = "act on a local multi-process cluster (deploy/local/cluster.sh) that each scenario starts" };
var compose = new Option<bool>("--compose") { Description = "act on the running compose cluster (docker-compose.cluster.yml)" };
var results = new Option<string>("--results") { Description = "folder for the JSON summary and each scenario's load report", DefaultValueFactory = _ => Path.Combine("run", "chaos", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss")) };
var scenarios = new Argument<string[]>("scenario") { Description = $"{string.Join(", ", Scenario.All.Keys)}, or all", Arity = ArgumentArity.OneOrMore };
var run = new Command("run", "Run scenarios and print PASS or FAIL for each against its thresholds.") { local, compose, results, scenarios };
root.Subcommands.Add(run);

var dns = new Option<string>("--dns") { Description = "resolve this name to every node's address, as a DNS round-robin client does (e.g. lb)" };
var nodes = new Option<int>("--nodes") { Description = "instead of --dns: nodes 1..N of a local cluster (proxy 8081.., admin 9091..)" };
var proxyPort = new Option<int>("--proxy-port") { DefaultValueFactory = _ => 8080 };
var adminPort = new Option<int>("--admin-port") { DefaultValueFactory = _ => 9090 };
var rate = new Option<int>("--rate") { Description = "requests per second", DefaultValueFactory = _ => new LoadSettings().Rate };
var keys = new Option<int>("--keys") { Description = "distinct affinity keys", DefaultValueFactory = _ => new LoadSettings().Keys };
var keyedShare = new Option<double>("--keyed-share") { Description = "share of requests that carry a key (0-1)", DefaultValueFactory = _ => new LoadSettings().KeyedShare };
var duration = new Option<int?>("--duration") { Description = "seconds to run; without it, until --stop-file appears or SIGTERM" };
var output = new Option<string>("--out") { Description = "where to write the JSON report", Required = true };
var stopFile = new Option<string?>("--stop-file") { Description = "stop when this file appears" };
var load = new Command("load", "Steady load over every ready node; a request whose connection fails or times out is sent once more to another node.")
{
    dns, nodes, proxyPort, adminPort, rate, keys, keyedShare, duration, output, stopFile,
};
root.Subcommands.Add(load);

var url = new Option<string>("--url") { Description = "the echo backend, e.g. http://backend-1:8080", Required = true };
var ms = new Option<int>("--ms") { Description = "milliseconds every answer waits (0 removes it)", Required = true };
var latency = new Command("latency", "Make an echo backend slow (or normal again).") { url, ms };
root.Subcommands.Add(latency);

run.SetAction(async (parsed, _) =>
{
    if (parsed.GetValue(local) == parsed.GetValue(compose))
    {
        return Fail("run: say --local or --compose");
    }

    var names = parsed.GetValue(scenarios)!;
    var chosen = names.Contains("all") ? Scenario.All.Keys.ToList() : names.Distinct().ToList();
    if (chosen.FirstOrDefault(n => !Scenario.All.ContainsKey(n)) is { } unknown)
    {
        return Fail($"run: unknown scenario '{unknown}' (known: {string.Join(", ", Scenario.All.Keys)}, all)");
    }

    var folder = Path.GetFullPath(parsed.GetValue(results)!);
    Directory.CreateDirectory(folder);
    var repository = RepositoryRoot();
    var outcomes = new List<ScenarioResult>();
    try
    {
        await using ChaosTarget target = parsed.GetValue(local) ? new LocalTarget(repository, folder) : new ComposeTarget(repository, folder);
        await target.CheckAsync();
        foreach (var name in chosen)
        {
            Console.WriteLine($"-- {name} ({target.Kind})");
            var result = await Scenario.All[name]().RunAsync(target, folder, Console.Out);
            outcomes.Add(result);
            result.Print(Console.Out);
            await File.WriteAllTextAsync(Path.Combine(folder, "summary.json"), JsonSerializer.Serialize(outcomes, new JsonSerializerOptions(LoadReport.Json) { WriteIndented = true }));
            await File.WriteAllTextAsync(Path.Combine(folder, "summary.md"), ScenarioResult.MarkdownTable(outcomes));
        }
    }
    catch (ChaosException e)
    {
        return Fail(e.Message);
    }

    Console.WriteLine();
    foreach (var result in outcomes)
    {
        Console.WriteLine($"{result.Verdict}  {result.Scenario}");
    }

    Console.WriteLine($"chaos: {outcomes.Count(r => r.Passed)} passed, {outcomes.Count(r => !r.Passed)} failed; summary in {Path.Combine(folder, "summary.json")}");
    return outcomes.All(r => r.Passed) ? 0 : 1;
});

load.SetAction(async (parsed, cancellation) =>
{
    NodeSource source;
    if (parsed.GetValue(dns) is { Length: > 0 } name)
    {
        source = new NodeSource.Dns(name, parsed.GetValue(proxyPort), parsed.GetValue(adminPort));
    }
    else if (parsed.GetValue(nodes) is > 0 and var count)
    {
        source = new NodeSource.Fixed(Enumerable.Range(1, count)
            .Select(i => new NodeEndpoint($"node-{i}", new Uri($"http://127.0.0.1:{8080 + i}"), new Uri($"http://127.0.0.1:{9090 + i}")))
            .ToList());
    }
    else
    {
        return Fail("load: say --dns NAME or --nodes N");
    }

    var settings = new LoadSettings(parsed.GetValue(rate), parsed.GetValue(keys), parsed.GetValue(keyedShare));
    if (settings.Rate is < 1 or > 100_000 || settings.Keys < 1 || settings.KeyedShare is < 0 or > 1)
    {
        return Fail("load: --rate must be 1-100000, --keys at least 1, --keyed-share from 0 to 1");
    }

    await using var client = new LoadClient(source, settings);
    await client.StartAsync(cancellation);
    var until = parsed.GetValue(duration) is { } seconds ? DateTime.UtcNow.AddSeconds(seconds) : DateTime.MaxValue;
    var stop = parsed.GetValue(stopFile);
    await Poll.TryUntilAsync(() => Task.FromResult(cancellation.IsCancellationRequested || DateTime.UtcNow >= until || (stop is not null && File.Exists(stop))), TimeSpan.FromDays(1));
    var report = await client.StopAsync();
    await report.WriteAsync(parsed.GetValue(output)!);
    Console.WriteLine($"{report.Requests.Count} requests, {report.Requests.Count(r => !r.Ok)} failed; report in {parsed.GetValue(output)}");
    return 0;
});

latency.SetAction(async (parsed, cancellation) =>
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    try
    {
        using var response = await http.PostAsync($"{parsed.GetValue(url)!.TrimEnd('/')}/chaos/latency?ms={parsed.GetValue(ms)}", null, cancellation);
        Console.Write(await response.Content.ReadAsStringAsync(cancellation));
        return response.IsSuccessStatusCode ? 0 : Fail($"latency: the backend answered {(int)response.StatusCode}");
    }
    catch (HttpRequestException e)
    {
        return Fail($"latency: {e.Message}");
    }
});

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    return Fail(string.Join("; ", parse.Errors.Select(e => e.Message)));
}

return await parse.InvokeAsync();

static int Fail(string message)
{
    Console.Error.WriteLine($"chaos: {message}");
    return 2;
}

static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Environment.GetEnvironmentVariable("CLUSTERLB_ROOT") ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ClusterLB.sln")))
        {
            return dir.FullName;
        }
    }

    throw new ChaosException("run it from the ClusterLB repository (ClusterLB.sln not found above the current directory)");
}
