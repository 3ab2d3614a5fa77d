using ClusterLB.Node.Proxy;

namespace ClusterLB.Node.Tests.Security;

/// <summary>Paths as Kestrel hands them on: percent-decoded once, dot segments removed, <c>%2F</c> kept.</summary>
public sealed class AmbiguousPathRejectionTests
{
    [Theory]
    [InlineData("/a/..%2Ftenant-b/secret")]
    [InlineData("/a/%2e%2e/tenant-b")]
    [InlineData("/a/%2E%2e%2Ftenant-b")]
    [InlineData("/a/..%5Ctenant-b")]
    [InlineData("/a/..\\tenant-b")]
    [InlineData("/a/%c0%ae%c0%ae/tenant-b")]
    [InlineData("/a/%e0%80%ae%e0%80%ae/tenant-b")]
    [InlineData("/a/%c0%ae%c0%ae%c0%aftenant-b")]
    [InlineData("/a/.%2e")]
    public void Path_with_an_encoded_dot_segment_is_ambiguous(string path) =>
        Assert.True(AmbiguousPathRejection.IsAmbiguous(path));

    [Theory]
    [InlineData("/")]
    [InlineData("/a/b.c/d")]
    [InlineData("/a/projects/group%2Fproject")]
    [InlineData("/a/100%25")]
    [InlineData("/a/...")]
    [InlineData("/a/..x%2Fy")]
    [InlineData("/a/%2e%2ex")]
    public void Path_without_one_is_not(string path) =>
        Assert.False(AmbiguousPathRejection.IsAmbiguous(path));
}
