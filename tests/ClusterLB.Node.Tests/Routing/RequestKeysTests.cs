using System.Net;
using ClusterLB.Core.Hashing;
using ClusterLB.Core.Routing;
using ClusterLB.Node.Routing;
using Microsoft.AspNetCore.Http;

namespace ClusterLB.Node.Tests.Routing;

public sealed class RequestKeysTests
{
    private static DefaultHttpContext Request(Action<HttpRequest> setup)
    {
        var context = new DefaultHttpContext();
        setup(context.Request);
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.3");
        return context;
    }

    [Theory]
    [InlineData("Header:X-User")]
    [InlineData("Cookie:user")]
    [InlineData("Query:user")]
    public void A_named_key_hashes_as_its_text(string source)
    {
        var context = Request(r =>
        {
            r.Headers["X-User"] = "alice";
            r.Headers.Cookie = "user=alice; other=bob";
            r.QueryString = new QueryString("?user=alice&other=bob");
        });

        Assert.True(RequestKeys.TryHash(context, RequestKeySource.Parse(source), out var hash));
        Assert.Equal(StableHash.Of("alice"), hash);
    }

    [Fact]
    public void The_path_key_is_the_path_without_the_query()
    {
        var context = Request(r =>
        {
            r.Path = "/users/42";
            r.QueryString = new QueryString("?x=1");
        });

        Assert.True(RequestKeys.TryHash(context, RequestKeySource.Parse("Path"), out var hash));
        Assert.Equal(StableHash.Of("/users/42"), hash);
    }

    [Fact]
    public void The_client_ip_key_is_the_same_for_the_same_address_and_differs_between_addresses()
    {
        var source = RequestKeySource.Parse("ClientIp");
        var a = Request(_ => { });
        var b = Request(_ => { });
        var c = Request(_ => { });
        c.Connection.RemoteIpAddress = IPAddress.Parse("10.1.2.4");

        Assert.True(RequestKeys.TryHash(a, source, out var hashA));
        Assert.True(RequestKeys.TryHash(b, source, out var hashB));
        Assert.True(RequestKeys.TryHash(c, source, out var hashC));
        Assert.Equal(hashA, hashB);
        Assert.NotEqual(hashA, hashC);
    }

    [Theory]
    [InlineData("Header:X-User")]
    [InlineData("Cookie:user")]
    [InlineData("Query:user")]
    public void A_request_without_the_key_or_with_an_empty_one_has_none(string source)
    {
        var missing = Request(_ => { });
        var empty = Request(r =>
        {
            r.Headers["X-User"] = "";
            r.Headers.Cookie = "user=";
            r.QueryString = new QueryString("?user=");
        });

        Assert.False(RequestKeys.TryHash(missing, RequestKeySource.Parse(source), out _));
        Assert.False(RequestKeys.TryHash(empty, RequestKeySource.Parse(source), out _));
    }

    [Fact]
    public void A_client_without_an_address_has_no_client_ip_key()
    {
        var context = new DefaultHttpContext();

        Assert.False(RequestKeys.TryHash(context, RequestKeySource.Parse("ClientIp"), out _));
    }

    [Theory]
    [InlineData("abcd", 4, true)]
    [InlineData("abcde", 4, false)]
    [InlineData("ééé", 6, true)]
    [InlineData("éééé", 6, false)]
    public void A_key_longer_than_the_bound_in_UTF8_bytes_is_reported(string key, int maxBytes, bool within)
    {
        var context = Request(r => r.Headers["X-User"] = key);

        Assert.True(RequestKeys.TryHash(context, RequestKeySource.Parse("Header:X-User"), maxBytes, out var hash, out var withinLength));
        Assert.Equal(StableHash.Of(key), hash);
        Assert.Equal(within, withinLength);
    }

    [Theory]
    [InlineData("Header:X-User")]
    [InlineData("Path")]
    [InlineData("ClientIp")]
    public void Hashing_a_header_the_path_or_the_client_ip_allocates_nothing(string text)
    {
        var source = RequestKeySource.Parse(text);
        var context = Request(r =>
        {
            r.Headers["X-User"] = "alice";
            r.Path = "/users/42";
        });
        RequestKeys.TryHash(context, source, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0UL;
        for (var i = 0; i < 1000; i++)
        {
            RequestKeys.TryHash(context, source, out var hash);
            sum += hash;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.NotEqual(0UL, sum);
    }
}
