using System.Net;
using BenchmarkDotNet.Attributes;
using ClusterLB.Core.Policies;
using ClusterLB.Node.Filtering;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ClusterLB.Benchmarks;

/// <summary>
/// What a request filter with every built-in rule set, a method list, a body limit and a deny list
/// costs one ordinary request (path, four query parameters, a browser User-Agent and Referer), and one
/// carrying an attack marker.
/// </summary>
[MemoryDiagnoser]
public class RequestFilterBenchmarks
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");
    private RequestFilter _filter = null!;
    private HttpContext _ordinary = null!;
    private HttpContext _attack = null!;

    [GlobalSetup]
    public void Setup()
    {
        _filter = RequestFilter.Compile("strict", new RequestFilteringPolicy
        {
            RuleSets = RequestFilterRuleSets.Names.ToList(),
            AllowedMethods = ["GET", "POST"],
            MaxRequestBodySize = 1_048_576,
            DeniedAddresses = ["198.51.100.0/24", "2001:db8:bad::/48"],
        });
        _ordinary = Context("/api/orders/12345/items", "?user=alice&page=3&sort=created_at&filter=status%3Aactive");
        _attack = Context("/api/orders/12345/items", "?user=alice&page=3&sort=created_at&filter=1%20UNION%20SELECT%20password");
    }

    [Benchmark(Baseline = true, Description = "ordinary request, every rule set (per request)")]
    public object? Ordinary_request() => Check(_ordinary);

    [Benchmark(Description = "request with SQL injection, every rule set (per request)")]
    public object? Request_with_sql_injection() => Check(_attack);

    private object? Check(HttpContext context)
    {
        context.Features.Set<IQueryFeature>(null); // parse the query again, as each real request does
        return _filter.Check(context, Client);
    }

    private static HttpContext Context(string path, string query)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.Headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        context.Request.Headers.Referer = "https://shop.example/catalog?page=2";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = path + query;
        return context;
    }
}
