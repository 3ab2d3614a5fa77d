using ClusterLB.EchoBackend;
using Microsoft.Extensions.Configuration;

// Usage: ClusterLB.EchoBackend --name b1 --urls http://127.0.0.1:5101
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var name = settings["name"] is { Length: > 0 } n ? n : Environment.MachineName;
var urls = settings["urls"] is { Length: > 0 } u ? u : "http://127.0.0.1:5101";
if (urls.Split(';').Any(url => !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
{
    Console.Error.WriteLine($"--urls: '{urls}' is not a list of absolute http(s) URLs separated by ';'");
    return 2;
}

// Quiet by default wherever it runs from: its start line, warnings and errors (--Logging:LogLevel:Default=Information for more).
await using var server = EchoServer.Create(name, urls, args, logging => logging
    .AddSimpleConsole()
    .SetMinimumLevel(LogLevel.Warning)
    .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information));
await server.StartAsync();
Console.WriteLine($"echo backend '{name}' listening on {string.Join(", ", server.Urls)}");
await server.WaitForShutdownAsync();
return 0;
