using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Edge;

/// <summary>
/// One node in front of an <see cref="EdgeBackend"/>, configured as a user would in appsettings.json:
/// compression off globally and per route, request filters by route and for all routes.
/// </summary>
public sealed class EdgeFixture : IAsyncLifetime
{
    public EdgeBackend Backend { get; private set; } = null!;

    public TestNode Node { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Backend = await EdgeBackend.StartAsync();
        var settings = Json.Settings($$"""
        {
          "ClusterLB": {
            "Compression": { "Enabled": false, "MinimumSize": 1024 },
            "Policies": {
              "RequestFiltering": {
                "baseline": { "AllRoutes": true, "Rules": [ { "Name": "no-dotfiles", "Target": "Path", "Pattern": "/\\.(git|env)(/|$)" } ] },
                "strict": {
                  "RuleSets": [ "PathTraversal", "SqlInjection", "CrossSiteScripting", "ShellInjection" ],
                  "AllowedMethods": [ "GET", "POST" ],
                  "MaxRequestBodySize": 1000,
                  "Rules": [
                    { "Name": "no-scanners", "Target": "Header", "Header": "X-Scanner", "Pattern": "^(sqlmap|nikto)" },
                    { "Name": "no-debug", "Target": "Query", "Pattern": "^debug$" }
                  ]
                },
                "observing": { "Mode": "Observe", "RuleSets": [ "SqlInjection" ] },
                "deny-loopback": { "DeniedAddresses": [ "10.0.0.0/8", "127.0.0.0/8", "::1" ] },
                "allow-loopback": { "AllowedAddresses": [ "127.0.0.1/32", "::1" ] },
                "allow-documentation": { "AllowedAddresses": [ "192.0.2.0/24", "2001:db8::/32" ] }
              }
            }
          },
          "Logging": { "LogLevel": { "Yarp.ReverseProxy.Forwarder": "Information" } },
          "ReverseProxy": {
            "Routes": {
              "plain": { "ClusterId": "backend", "Match": { "Path": "/plain/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/plain" } ] },
              "zip-on": { "ClusterId": "backend", "Match": { "Path": "/on/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/on" } ],
                          "Metadata": { "ClusterLB.Compression": "on" } },
              "strict": { "ClusterId": "backend", "Match": { "Path": "/strict/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/strict" } ],
                          "Metadata": { "ClusterLB.RequestFilter": "strict" } },
              "observing": { "ClusterId": "backend", "Match": { "Path": "/observing/{**rest}" }, "Transforms": [ { "PathRemovePrefix": "/observing" } ],
                             "Metadata": { "ClusterLB.RequestFilter": "observing" } },
              "deny": { "ClusterId": "backend", "Match": { "Path": "/deny/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "deny-loopback" } },
              "allow": { "ClusterId": "backend", "Match": { "Path": "/allow/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "allow-loopback" } },
              "elsewhere": { "ClusterId": "backend", "Match": { "Path": "/elsewhere/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "allow-documentation" } },
              "dead": { "ClusterId": "dead", "Match": { "Path": "/dead/{**rest}" } }
            },
            "Clusters": {
              "backend": { "Destinations": { "one": { "Address": "{{Backend.Url}}" } } },
              "dead": { "Destinations": { "refusing": { "Address": "http://127.0.0.1:{{ClosedPort.Find()}}" } } }
            }
          }
        }
        """);
        Node = await TestNode.StartAsync(settings, logs: Logs);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
