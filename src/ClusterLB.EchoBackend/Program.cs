using ClusterLB.EchoBackend;
using Microsoft.Extensions.Configuration;

// Usage: ClusterLB.EchoBackend --name b1 --urls http://127.0.0.1:5101
//        [--h2c-url http://127.0.0.1:5102] [--tls-url https://127.0.0.1:5103 --certificate cert.pem --key key.pem]
var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
var name = settings["name"] is { Length: > 0 } n ? n : Environment.MachineName;
var endpoints = new EchoEndpoints(settings["urls"] is { Length: > 0 } u ? u : "http://127.0.0.1:5101")
{
    H2cUrl = settings["h2c-url"] is { Length: > 0 } h2c ? h2c : null,
    TlsUrl = settings["tls-url"] is { Length: > 0 } tls ? tls : null,
    Certificate = settings["certificate"] is { Length: > 0 } certificate ? certificate : null,
    CertificateKey = settings["key"] is { Length: > 0 } key ? key : null,
};
if (endpoints.Errors() is { Count: > 0 } errors)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"--{error}");
    }

    return 2;
}

// ASP.NET Core would bind --urls a second time beside the endpoints: it is this program's switch only.
var hostArgs = args.Where((arg, i) => arg != "--urls" && !arg.StartsWith("--urls=", StringComparison.Ordinal) && (i == 0 || args[i - 1] != "--urls")).ToArray();

// Quiet by default wherever it runs from: its start line, warnings and errors (--Logging:LogLevel:Default=Information for more).
await using var server = EchoServer.Create(name, endpoints, hostArgs, logging => logging
    .AddSimpleConsole()
    .SetMinimumLevel(LogLevel.Warning)
    .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information));
await server.StartAsync();
Console.WriteLine($"echo backend '{name}' listening on {server.Url}"
    + (server.H2cUrl is { } h2cUrl ? $", gRPC over h2c on {h2cUrl}" : "")
    + (server.TlsUrl is { } tlsUrl ? $", gRPC over TLS on {tlsUrl}" : ""));
await server.WaitForShutdownAsync();
return 0;
