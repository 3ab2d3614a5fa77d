using ClusterLB.Cluster.Persistence;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Hosting;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Configuration;

/// <summary>A node given bad configuration refuses to start, names the field, and writes nothing.</summary>
public sealed class InvalidConfigurationTests
{
    private static readonly string[] ValidTable =
    [
        "--ReverseProxy:Routes:api:ClusterId=backends",
        "--ReverseProxy:Routes:api:Match:Path=/api/{**rest}",
        "--ReverseProxy:Clusters:backends:Destinations:one:Address=http://127.0.0.1:5999/",
    ];

    private static readonly string[] Https = ["--Kestrel:Endpoints:web:Url=https://127.0.0.1:0"];

    private static readonly NodeCertificateFiles Site = new TestCertificateAuthority("ClusterLB bad input CA").Issue("site", keyPassword: "site-secret");

    public static TheoryData<string, string[], string> BadInputs() => new()
    {
        { "route naming an unknown cluster", ["--ReverseProxy:Routes:api:ClusterId=nowhere"], "ReverseProxy:Routes:api:ClusterId" },
        { "destination address that is not absolute", ["--ReverseProxy:Clusters:backends:Destinations:one:Address=backend-1:8080"], "ReverseProxy:Clusters:backends:Destinations:one:Address" },
        { "destination address that is not http", ["--ReverseProxy:Clusters:backends:Destinations:one:Address=ftp://10.1.1.1/"], "ReverseProxy:Clusters:backends:Destinations:one:Address" },
        { "unknown load-balancing policy", ["--ReverseProxy:Clusters:backends:LoadBalancingPolicy=Fastest"], "ReverseProxy:Clusters:backends:LoadBalancingPolicy" },
        { "destination weight that is not positive", ["--ReverseProxy:Clusters:backends:Destinations:one:Metadata:ClusterLB.Weight=0"], "ReverseProxy:Clusters:backends:Destinations:one:Metadata:ClusterLB.Weight" },
        { "destination weight above the maximum", ["--ReverseProxy:Clusters:backends:Destinations:one:Metadata:ClusterLB.Weight=5000"], "ReverseProxy:Clusters:backends:Destinations:one:Metadata:ClusterLB.Weight" },
        { "ConsistentHash without a hash key", ["--ReverseProxy:Clusters:backends:LoadBalancingPolicy=ConsistentHash"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.HashKey" },
        { "hash key of an unknown kind", ["--ReverseProxy:Clusters:backends:LoadBalancingPolicy=ConsistentHash", "--ReverseProxy:Clusters:backends:Metadata:ClusterLB.HashKey=Body:x"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.HashKey" },
        { "hash key without a name", ["--ReverseProxy:Clusters:backends:LoadBalancingPolicy=ConsistentHash", "--ReverseProxy:Clusters:backends:Metadata:ClusterLB.HashKey=Cookie:"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.HashKey" },
        { "slow start that is not a duration", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart=soon"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart" },
        { "slow start above the maximum", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart=02:00:00"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart" },
        { "slow start initial percent outside 1-100", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart.InitialPercent=0"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.SlowStart.InitialPercent" },
        { "malformed listen URL", ["--Urls=http//0.0.0.0:8080"], "Urls" },
        { "malformed admin URL", ["--ClusterLB:AdminUrl=localhost:9090"], "ClusterLB:AdminUrl" },
        { "field YARP's schema does not have", ["--ReverseProxy:Routes:api:Mtach:Path=/x"], "ReverseProxy:Routes:api:Mtach: unknown field 'Mtach'; did you mean 'Match'?" },
        { "route pattern YARP rejects", ["--ReverseProxy:Routes:api:Match:Path=/api/{**rest"], "ReverseProxy:Routes:api:Match:Path" },
        { "authorization policy nobody defined", ["--ReverseProxy:Routes:api:AuthorizationPolicy=staff"], "ReverseProxy:Routes:api:AuthorizationPolicy" },
        { "header match mode YARP does not have", ["--ReverseProxy:Routes:api:Match:Headers:0:Name=X-A", "--ReverseProxy:Routes:api:Match:Headers:0:Mode=Regex"], "ReverseProxy:Routes:api:Match:Headers:0:Mode" },
        { "TLS version .NET does not have", ["--ReverseProxy:Clusters:backends:HttpClient:SslProtocols:0=Tls14"], "ReverseProxy:Clusters:backends:HttpClient:SslProtocols:0" },
        { "YARP's per-node cookie affinity", ["--ReverseProxy:Clusters:backends:SessionAffinity:Enabled=true", "--ReverseProxy:Clusters:backends:SessionAffinity:Policy=Cookie", "--ReverseProxy:Clusters:backends:SessionAffinity:AffinityKeyName=s"], "ReverseProxy:Clusters:backends:SessionAffinity:Policy" },
        { "override table with no shards", ["--ClusterLB:Affinity:Shards=0"], "ClusterLB:Affinity:Shards" },
        { "override table with no room", ["--ClusterLB:Affinity:MaxOverrides=0"], "ClusterLB:Affinity:MaxOverrides" },
        { "overrides that never last", ["--ClusterLB:Affinity:OverrideTtl=00:00:00"], "ClusterLB:Affinity:OverrideTtl" },
        { "report window of zero", ["--ClusterLB:Health:ReportInterval=00:00:00"], "ClusterLB:Health:ReportInterval" },
        { "passive failure rate over 1", ["--ClusterLB:Health:PassiveFailureRate=1.5"], "ClusterLB:Health:PassiveFailureRate" },
        { "ejections that never last", ["--ClusterLB:Health:ReactivationPeriod=00:00:00"], "ClusterLB:Health:ReactivationPeriod" },
        { "ejection cap that is not a percentage", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.Outlier.MaxEjectionPercent=150"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.Outlier.MaxEjectionPercent" },
        { "panic threshold that is not a number", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.PanicThresholdPercent=half"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.PanicThresholdPercent" },
        { "journal snapshots never taken", ["--ClusterLB:Persistence:SnapshotEvery=0"], "ClusterLB:Persistence:SnapshotEvery" },
        { "negative shard write interval", ["--ClusterLB:Affinity:ShardWriteInterval=-00:00:01"], "ClusterLB:Affinity:ShardWriteInterval" },
        { "Kestrel limit Kestrel refuses", ["--Kestrel:Limits:MaxRequestHeaderCount=0"], "Kestrel:Limits:MaxRequestHeaderCount" },
        { "misspelt Kestrel limit", ["--Kestrel:Limits:Http2:MaxStreamsPerConection=10"], "Kestrel:Limits:Http2:MaxStreamsPerConection" },
        { "admin token shorter than 32 characters", ["--ClusterLB:Admin:Tokens:ops:Token=short-secret", "--ClusterLB:Admin:Tokens:ops:Role=write"], "ClusterLB:Admin:Tokens:ops:Token" },
        { "admin token with an unknown role", ["--ClusterLB:Admin:Tokens:ops:Token=0123456789abcdef0123456789abcdef", "--ClusterLB:Admin:Tokens:ops:Role=admin"], "ClusterLB:Admin:Tokens:ops:Role" },
        { "admin token file that does not exist", ["--ClusterLB:Admin:Tokens:ops:TokenFile=/nonexistent/ops.token", "--ClusterLB:Admin:Tokens:ops:Role=read"], "ClusterLB:Admin:Tokens:ops:TokenFile" },
        { "admin body cap beyond the replication frame", ["--ClusterLB:Admin:MaxRequestBodySize=100000000"], "ClusterLB:Admin:MaxRequestBodySize" },
        { "probe interval that overflows a timer", ["--ReverseProxy:Clusters:backends:HealthCheck:Active:Interval=10000000.00:00:00"], "ReverseProxy:Clusters:backends:HealthCheck:Active:Interval" },
        { "https certificate file that does not exist", [.. Https, "--Kestrel:Endpoints:web:Certificate:Path=/nonexistent/site.pem", "--Kestrel:Endpoints:web:Certificate:KeyPath=/nonexistent/site.key"], "Kestrel:Endpoints:web:Certificate:Path: cannot read '/nonexistent/site.pem': file not found" },
        { "https certificate whose PFX password is wrong", [.. Https, $"--Kestrel:Endpoints:web:Certificate:Path={Site.Pfx}", "--Kestrel:Endpoints:web:Certificate:Password=not-it"], "Kestrel:Endpoints:web:Certificate:Password" },
        { "https certificate without its private key", [.. Https, $"--Kestrel:Endpoints:web:Certificate:Path={Site.Certificate}"], "Kestrel:Endpoints:web:Certificate:KeyPath" },
        { "SNI host pattern that is not one", [.. Https, $"--Kestrel:Endpoints:web:Certificate:Path={Site.Pfx}", "--Kestrel:Endpoints:web:Certificate:Password=site-secret", $"--Kestrel:Endpoints:web:Sni:shop.*.test:Certificate:Path={Site.Pfx}", "--Kestrel:Endpoints:web:Sni:shop.*.test:Certificate:Password=site-secret"], "Kestrel:Endpoints:web:Sni:shop.*.test" },
        { "endpoint URL that is not one", ["--Kestrel:Endpoints:web:Url=https//127.0.0.1:0"], "Kestrel:Endpoints:web:Url" },
        { "endpoint protocols Kestrel does not know", ["--Kestrel:Endpoints:web:Url=http://127.0.0.1:0", "--Kestrel:Endpoints:web:Protocols=Http4"], "Kestrel:Endpoints:web:Protocols" },
        { "https admin URL without a certificate", ["--ClusterLB:AdminUrl=https://127.0.0.1:0"], "ClusterLB:Admin:Certificate:Path" },
        { "backend CA file that does not exist", ["--ClusterLB:BackendTls:Authorities:internal:Path=/nonexistent/ca.pem"], "ClusterLB:BackendTls:Authorities:internal:Path" },
        { "cluster naming a backend CA the node does not have", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.BackendCa=internal"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.BackendCa" },
        { "route HTTPS switch that is not true or false", ["--ReverseProxy:Routes:api:Metadata:ClusterLB.HttpsRedirect=yes"], "ReverseProxy:Routes:api:Metadata:ClusterLB.HttpsRedirect" },
        { "unknown key hashing", ["--ReverseProxy:Clusters:backends:Metadata:ClusterLB.KeyHashing=Jump"], "ReverseProxy:Clusters:backends:Metadata:ClusterLB.KeyHashing" },
        { "CORS origin that is not an origin", ["--ClusterLB:Policies:Cors:web:Origins:0=app.example"], "ClusterLB:Policies:Cors:web:Origins:0" },
        { "JWT signing key file that does not exist", [.. JwtIssuerAndAudience, "--ClusterLB:Authentication:JwtBearer:SigningKeyFile=/nonexistent/issuer.pem"], "ClusterLB:Authentication:JwtBearer:SigningKeyFile" },
        { "JWT signing key that is not base64", [.. JwtIssuerAndAudience, "--ClusterLB:Authentication:JwtBearer:SigningKey=not base64!"], "ClusterLB:Authentication:JwtBearer:SigningKey" },
        { "JWT without an issuer", ["--ClusterLB:Authentication:JwtBearer:Audience=api", $"--ClusterLB:Authentication:JwtBearer:SigningKey={JwtKey}"], "ClusterLB:Authentication:JwtBearer:Issuer" },
        { "JWT without an audience", ["--ClusterLB:Authentication:JwtBearer:Issuer=https://issuer.test", $"--ClusterLB:Authentication:JwtBearer:SigningKey={JwtKey}"], "ClusterLB:Authentication:JwtBearer:Audience" },
    };

    private const string JwtKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
    private static readonly string[] JwtIssuerAndAudience =
        ["--ClusterLB:Authentication:JwtBearer:Issuer=https://issuer.test", "--ClusterLB:Authentication:JwtBearer:Audience=api"];

    public static TheoryData<string, string, string> BadSigningKeys() => new()
    {
        { "a symmetric key too short for HMAC-SHA256", "SigningKey", Convert.ToBase64String(new byte[16]) },
        { "a PEM file with no key", "SigningKeyFile", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n" },
        { "a file that is not PEM", "SigningKeyFile", "secret-material-that-is-no-key" },
        { "a private key, which a node must not hold", "SigningKeyFile", System.Security.Cryptography.RSA.Create(2048).ExportPkcs8PrivateKeyPem() },
    };

    [Theory]
    [MemberData(nameof(BadSigningKeys))]
    public void A_bad_signing_key_is_refused_naming_the_field_without_showing_the_key(string because, string field, string key)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ClusterLB:Authentication:JwtBearer:Issuer"] = "https://issuer.test",
            ["ClusterLB:Authentication:JwtBearer:Audience"] = "api",
        };
        if (field == "SigningKeyFile")
        {
            var file = Path.Combine(TempDirectory.Create("clusterlb-jwt"), "issuer.pem");
            File.WriteAllText(file, key);
            settings["ClusterLB:Authentication:JwtBearer:SigningKeyFile"] = file;
        }
        else
        {
            settings["ClusterLB:Authentication:JwtBearer:SigningKey"] = key;
        }

        var configuration = NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        Assert.True(configuration.Errors.Count == 1, $"{because}: {string.Join("; ", configuration.Errors)}");
        var error = configuration.Errors[0];
        Assert.Equal($"ClusterLB:Authentication:JwtBearer:{field}", error.Field);
        var keyLine = key.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).First();
        Assert.DoesNotContain(keyLine, error.ToString());
        Assert.Null(configuration.JwtBearer);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Node_refuses_to_start_naming_the_field_and_writes_nothing(string because, string[] bad, string field)
    {
        var directory = TempDirectory.Create("clusterlb-badconfig");
        var dataDirectory = Path.Combine(directory, "data");

        using var node = NodeProcess.Start(directory, Args(dataDirectory).Concat(bad));
        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == NodeProgram.ConfigurationErrorExitCode, $"{because}: exit code {exitCode}\n{node.Stderr}\n{node.Stdout}");
        Assert.Contains(field, node.Stderr);
        Assert.False(File.Exists(Path.Combine(dataDirectory, Journal.SqliteFileName)), $"{because}: the journal must not be created");
    }

    [Fact]
    public async Task Duplicate_route_id_in_appsettings_is_refused()
    {
        var directory = TempDirectory.Create("clusterlb-duplicate");
        var dataDirectory = Path.Combine(directory, "data");
        await File.WriteAllTextAsync(Path.Combine(directory, "appsettings.json"), """
            {
              "ReverseProxy": {
                "Routes": {
                  "api": { "ClusterId": "backends", "Match": { "Path": "/api/{**rest}" } },
                  "api": { "ClusterId": "backends", "Match": { "Path": "/v2/{**rest}" } }
                },
                "Clusters": { "backends": { "Destinations": { "one": { "Address": "http://127.0.0.1:5999/" } } } }
              }
            }
            """);

        using var node = NodeProcess.Start(directory, Args(dataDirectory));
        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(NodeProgram.ConfigurationErrorExitCode, exitCode);
        Assert.Contains("ReverseProxy:Routes:api", node.Stderr);
        Assert.Contains("duplicate", node.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(dataDirectory, Journal.SqliteFileName)));
    }

    private static IEnumerable<string> Args(string dataDirectory) =>
    [
        ..ValidTable,
        $"--ClusterLB:DataDirectory={dataDirectory}",
        "--Urls=http://127.0.0.1:0",
        "--ClusterLB:AdminUrl=http://127.0.0.1:0",
    ];

    [Fact]
    public async Task Every_bad_listener_setting_is_listed_at_once()
    {
        var directory = TempDirectory.Create("clusterlb-badlisteners");
        var dataDirectory = Path.Combine(directory, "data");

        using var node = NodeProcess.Start(directory, Args(dataDirectory).Concat(
        [
            "--Kestrel:Endpoints:web:Url=https://127.0.0.1:0",
            "--Kestrel:Endpoints:web:Certificate:Path=/nonexistent/site.pfx",
            "--Kestrel:Endpoints:api:Url=http://127.0.0.1:0",
            "--Kestrel:Endpoints:api:Protocols=Spdy",
        ]));

        Assert.Equal(NodeProgram.ConfigurationErrorExitCode, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Kestrel:Endpoints:web:Certificate:Path", node.Stderr);
        Assert.Contains("Kestrel:Endpoints:api:Protocols", node.Stderr);
        Assert.False(Directory.Exists(dataDirectory));
    }
}
