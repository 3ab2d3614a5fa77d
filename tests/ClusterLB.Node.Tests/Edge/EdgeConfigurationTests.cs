using System.Net;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Edge;

/// <summary>Bad edge settings stop the node before it starts, each error naming its field.</summary>
public sealed class EdgeConfigurationTests
{
    private const string Routes = """
        "ReverseProxy": {
          "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "missing", "ClusterLB.Compression": "maybe" } } },
          "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:5000" } } } }
        }
        """;

    [Theory]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:DeniedAddresses:0", "10.0.0.1/8")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:DeniedAddresses:1", "not-an-address")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:AllowedAddresses:0", "2001:db8::/129")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:Rules:0:Pattern", "(unclosed")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:Rules:1:Pattern", "(?<=admin)/delete")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:Rules:2:Target", "Body")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:Rules:3:Header", "")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:RuleSets:0", "SqlInjections")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:Mode", "Audit")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:MaxRequestBodySize", "-5")]
    [InlineData("ClusterLB:Policies:RequestFiltering:p:AllowedMethods:0", "GET POST")]
    [InlineData("ReverseProxy:Routes:r:Metadata:ClusterLB.RequestFilter", "missing")]
    [InlineData("ReverseProxy:Routes:r:Metadata:ClusterLB.Compression", "maybe")]
    [InlineData("ClusterLB:Compression:MimeTypes:0", "image/png")]
    [InlineData("ClusterLB:Compression:MimeTypes:1", "csv")]
    [InlineData("ClusterLB:Compression:Level", "Max")]
    [InlineData("ClusterLB:Compression:MinimumSize", "-1")]
    [InlineData("ClusterLB:Forwarding:TrustedProxies:0", "10.0.0.0/8")]
    [InlineData("ClusterLB:Forwarding:TrustedNetworks:0", "10.0.0.0/33")]
    [InlineData("ClusterLB:Forwarding:Via", "edge node")]
    [InlineData("ClusterLB:RequestId:Header", "X Request Id")]
    public void Bad_value_is_refused_naming_its_field(string field, string value)
    {
        var errors = Read($$"""
        {
          "ClusterLB": {
            "Compression": { "MimeTypes": [ "image/png", "csv" ], "Level": "Max", "MinimumSize": -1 },
            "Forwarding": { "TrustedProxies": [ "10.0.0.0/8" ], "TrustedNetworks": [ "10.0.0.0/33" ], "Via": "edge node" },
            "RequestId": { "Header": "X Request Id" },
            "Policies": { "RequestFiltering": { "p": {
              "Mode": "Audit", "MaxRequestBodySize": -5, "AllowedMethods": [ "GET POST" ],
              "DeniedAddresses": [ "10.0.0.1/8", "not-an-address", "10.0.0.0/8", "fd00::/8", "192.0.2.1" ],
              "AllowedAddresses": [ "2001:db8::/129" ],
              "RuleSets": [ "SqlInjections" ],
              "Rules": [
                { "Target": "Path", "Pattern": "(unclosed" },
                { "Target": "Path", "Pattern": "(?<=admin)/delete" },
                { "Target": "Body", "Pattern": "x" },
                { "Target": "Header", "Pattern": "x" }
              ]
            } } }
          },
          {{Routes}}
        }
        """);

        Assert.Contains(errors, e => e.Field == field && (value.Length == 0 || e.Message.Contains(value)));
        Assert.DoesNotContain(errors, e => e.Field.Contains("DeniedAddresses:2") || e.Field.Contains("DeniedAddresses:3") || e.Field.Contains("DeniedAddresses:4"));
    }

    [Fact]
    public void Misspelt_field_of_a_request_filter_is_refused()
    {
        var errors = Read("""{ "ClusterLB": { "Policies": { "RequestFiltering": { "p": { "DenyAddresses": [ "10.0.0.0/8" ] } } } } }""");

        Assert.Contains(errors, e => e.Message.Contains("DenyAddresses"));
    }

    [Fact]
    public void Valid_edge_settings_are_accepted()
    {
        var errors = Read("""
        {
          "ClusterLB": {
            "Compression": { "Enabled": true, "MimeTypes": [ "text/csv", "application/vnd.api+json" ], "Level": "Optimal", "MinimumSize": 512 },
            "Forwarding": { "TrustedProxies": [ "10.0.0.5", "::1" ], "TrustedNetworks": [ "10.1.0.0/16", "fd00::/8" ], "ForwardLimit": 2, "Via": "edge-1" },
            "RequestId": { "Header": "X-Correlation-Id", "TrustIncoming": true },
            "Policies": { "RequestFiltering": { "p": { "AllRoutes": true, "RuleSets": [ "PathTraversal", "sqlinjection" ],
              "Rules": [ { "Target": "Header", "Header": "User-Agent", "Pattern": "^curl/" } ] } } }
          },
          "ReverseProxy": {
            "Routes": { "r": { "ClusterId": "c", "Match": { "Path": "/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "p", "ClusterLB.Compression": "off" } } },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "http://127.0.0.1:5000" } } } }
          }
        }
        """);

        Assert.Empty(errors);
    }

    [Fact]
    public void Demo_configuration_with_its_edge_route_is_valid()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(directory.FullName, "src", "ClusterLB.Node", "appsettings.Development.json")))
        {
            directory = directory.Parent ?? throw new InvalidOperationException("repository root not found");
        }

        var errors = Read(File.ReadAllText(Path.Combine(directory.FullName, "src", "ClusterLB.Node", "appsettings.Development.json")));

        Assert.Empty(errors);
    }

    private static IReadOnlyList<Core.Routing.ValidationError> Read(string json) =>
        NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(Json.Settings(json)).Build()).Errors;
}

/// <summary>Request filters are part of the routing table: changed as a whole through the admin API, checked first.</summary>
public sealed class RequestFilterPoliciesAdminTests : IAsyncLifetime
{
    private EdgeBackend _backend = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _backend = await EdgeBackend.StartAsync();
        _node = await TestNode.StartAsync(Json.Settings($$"""
        {
          "ClusterLB": { "Policies": { "RequestFiltering": { "basic": { "RuleSets": [ "PathTraversal" ] } } } },
          "ReverseProxy": {
            "Routes": {
              "guarded": { "ClusterId": "c", "Match": { "Path": "/guarded/{**rest}" }, "Metadata": { "ClusterLB.RequestFilter": "basic" } },
              "open": { "ClusterId": "c", "Match": { "Path": "/open/{**rest}" } }
            },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "{{_backend.Url}}" } } } }
          }
        }
        """));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task New_filter_for_all_routes_takes_effect_without_a_restart()
    {
        Assert.Equal(HttpStatusCode.OK, (await _node.Proxy.GetAsync("/open/page")).StatusCode);

        using var put = await _node.Admin.PutAsync("/admin/policies", Json.Body("""
            { "requestFiltering": {
                "basic": { "ruleSets": [ "PathTraversal" ] },
                "lockdown": { "allRoutes": true, "deniedAddresses": [ "127.0.0.0/8", "::1" ] } } }
            """));
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        await Eventually.True(async () => (await _node.Proxy.GetAsync("/open/page")).StatusCode == HttpStatusCode.Forbidden, TimeSpan.FromSeconds(20), "lockdown applied");
        Assert.Contains("lockdown", await _node.Admin.GetStringAsync("/admin/policies"));
    }

    [Fact]
    public async Task Policies_that_drop_a_filter_a_route_names_are_refused_naming_the_route()
    {
        using var put = await _node.Admin.PutAsync("/admin/policies", Json.Body("""{ "requestFiltering": { "other": { } } }"""));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("Routes:guarded:Metadata:ClusterLB.RequestFilter", await put.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Bad_filter_is_refused_naming_the_field_and_nothing_changes()
    {
        using var put = await _node.Admin.PutAsync("/admin/policies", Json.Body("""
            { "requestFiltering": { "basic": { "ruleSets": [ "PathTraversal" ], "deniedAddresses": [ "300.1.2.3" ] } } }
            """));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("Policies:RequestFiltering:basic:DeniedAddresses:0", await put.Content.ReadAsStringAsync());
        Assert.DoesNotContain("300.1.2.3", await _node.Admin.GetStringAsync("/admin/policies"));
    }
}
