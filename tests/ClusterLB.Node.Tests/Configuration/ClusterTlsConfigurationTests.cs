using ClusterLB.Core.Routing;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Hosting;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Configuration;

/// <summary>
/// TLS material that cannot be used stops the node before it starts, naming the setting: a node that
/// joins others without a certificate, a missing certificate or key, an unreadable key, a wrong password,
/// a certificate from another CA.
/// </summary>
public sealed class ClusterTlsConfigurationTests
{
    private const string Seed = "akka.tcp://clusterlb@127.0.0.1:4999";

    public static TheoryData<string, string> Refusals() => new()
    {
        { "a node with seeds and no certificate", "ClusterLB:Cluster:Tls:Certificate" },
        { "a certificate file that does not exist", "ClusterLB:Cluster:Tls:Certificate" },
        { "a key file that does not exist", "ClusterLB:Cluster:Tls:Key" },
        { "a key file the node cannot read as a key", "ClusterLB:Cluster:Tls:Key" },
        { "an encrypted key with the wrong password", "ClusterLB:Cluster:Tls:Password" },
        { "a PFX with the wrong password", "ClusterLB:Cluster:Tls:Password" },
        { "a password file that does not exist", "ClusterLB:Cluster:Tls:PasswordFile" },
        { "a node certificate from another CA", "ClusterLB:Cluster:Tls:Certificate" },
        { "a CA file without a certificate", "ClusterLB:Cluster:Tls:CaCertificate" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Unusable_TLS_material_is_refused_naming_the_setting(string because, string setting)
    {
        var errors = Read(Settings(because));

        Assert.True(errors.Any(e => e.Field == setting), $"{because}: expected an error for {setting}, got: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Valid_material_PEM_or_PFX_and_a_single_node_without_seeds_are_accepted()
    {
        var node = TestCertificateAuthority.Cluster.Issue("valid");
        var encrypted = TestCertificateAuthority.Cluster.Issue("encrypted", keyPassword: "right-password");

        Assert.Empty(Read(With(node.Settings, ("ClusterLB:Cluster:Seeds:0", Seed))));
        Assert.Empty(Read(new() { ["ClusterLB:Cluster:Seeds:0"] = Seed, ["ClusterLB:Cluster:Tls:Certificate"] = node.Pfx, ["ClusterLB:Cluster:Tls:CaCertificate"] = node.CaCertificate }));
        Assert.Empty(Read(With(encrypted.Settings, ("ClusterLB:Cluster:Seeds:0", Seed), ("ClusterLB:Cluster:Tls:Password", "right-password"))));
        Assert.Empty(Read(new())); // one node on loopback, no seeds: no certificate needed
    }

    [Fact]
    public async Task The_node_executable_exits_2_when_it_would_join_others_without_a_certificate()
    {
        var directory = TempDirectory.Create("clusterlb-tls-missing");
        using var node = NodeProcess.Start(directory,
        [
            $"--ClusterLB:DataDirectory={Path.Combine(directory, "data")}",
            "--Urls=http://127.0.0.1:0",
            "--ClusterLB:AdminUrl=http://127.0.0.1:0",
            $"--ClusterLB:Cluster:Seeds:0={Seed}",
        ]);

        Assert.Equal(NodeProgram.ConfigurationErrorExitCode, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ClusterLB:Cluster:Tls:Certificate", node.Stderr);
    }

    private static Dictionary<string, string?> Settings(string because)
    {
        var ca = TestCertificateAuthority.Cluster;
        var node = ca.Issue("refused-" + Guid.NewGuid().ToString("N")[..8]);
        var encrypted = ca.Issue("encrypted-" + Guid.NewGuid().ToString("N")[..8], keyPassword: "right-password");
        var seed = ("ClusterLB:Cluster:Seeds:0", (string?)Seed);
        var missing = Path.Combine(ca.Directory, "missing-" + Guid.NewGuid().ToString("N"));
        return because switch
        {
            "a node with seeds and no certificate" => new() { ["ClusterLB:Cluster:Seeds:0"] = Seed },
            "a certificate file that does not exist" => With(node.Settings, seed, ("ClusterLB:Cluster:Tls:Certificate", missing)),
            "a key file that does not exist" => With(node.Settings, seed, ("ClusterLB:Cluster:Tls:Key", missing)),
            "a key file the node cannot read as a key" => With(node.Settings, seed, ("ClusterLB:Cluster:Tls:Key", node.CaCertificate)),
            "an encrypted key with the wrong password" => With(encrypted.Settings, seed, ("ClusterLB:Cluster:Tls:Password", "wrong-password")),
            "a PFX with the wrong password" => new() { ["ClusterLB:Cluster:Seeds:0"] = Seed, ["ClusterLB:Cluster:Tls:Certificate"] = encrypted.Pfx, ["ClusterLB:Cluster:Tls:CaCertificate"] = encrypted.CaCertificate, ["ClusterLB:Cluster:Tls:Password"] = "wrong-password" },
            "a password file that does not exist" => With(encrypted.Settings, seed, ("ClusterLB:Cluster:Tls:PasswordFile", missing)),
            "a node certificate from another CA" => With(new TestCertificateAuthority("Another CA").Issue("stranger").Settings, seed, ("ClusterLB:Cluster:Tls:CaCertificate", ca.CaCertificatePath)),
            "a CA file without a certificate" => With(node.Settings, seed, ("ClusterLB:Cluster:Tls:CaCertificate", node.Key)),
            _ => throw new ArgumentOutOfRangeException(nameof(because), because, null),
        };
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> settings, params (string Key, string? Value)[] more)
    {
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static IReadOnlyList<ValidationError> Read(Dictionary<string, string?> settings) =>
        NodeConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).Errors;
}
