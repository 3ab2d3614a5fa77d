using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Tests.Routing;

public sealed class RequestKeySourceTests
{
    [Theory]
    [InlineData("Header:X-User", RequestKeyKind.Header, "X-User")]
    [InlineData("header:X-User", RequestKeyKind.Header, "X-User")]
    [InlineData("COOKIE:session", RequestKeyKind.Cookie, "session")]
    [InlineData("Query:user", RequestKeyKind.Query, "user")]
    [InlineData(" Query : user ", RequestKeyKind.Query, "user")]
    [InlineData("Path", RequestKeyKind.Path, null)]
    [InlineData("path", RequestKeyKind.Path, null)]
    [InlineData("ClientIp", RequestKeyKind.ClientIp, null)]
    [InlineData("clientip", RequestKeyKind.ClientIp, null)]
    public void Kinds_are_read_case_insensitively_and_names_kept_as_written(string text, RequestKeyKind kind, string? name)
    {
        var source = RequestKeySource.Parse(text);

        Assert.Equal(new RequestKeySource(kind, name), source);
    }

    [Theory]
    [InlineData(null, "is empty")]
    [InlineData("  ", "is empty")]
    [InlineData("Body:x", "'Body' is not a key source")]
    [InlineData("3", "'3' is not a key source")]
    [InlineData("Path,Query", "'Path,Query' is not a key source")]
    [InlineData("Header", "names no header")]
    [InlineData("Cookie:", "names no cookie")]
    [InlineData("Query: ", "names no query")]
    [InlineData("Path:/api", "Path takes no name")]
    [InlineData("ClientIp:v4", "ClientIp takes no name")]
    [InlineData("Header:X User", "must not contain spaces")]
    public void Bad_sources_are_refused_saying_what_is_wrong(string? text, string expected)
    {
        Assert.False(RequestKeySource.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
        Assert.Contains(expected, Assert.Throws<FormatException>(() => RequestKeySource.Parse(text)).Message);
    }

    [Theory]
    [InlineData("Header:X-User")]
    [InlineData("Cookie:session")]
    [InlineData("Path")]
    [InlineData("ClientIp")]
    public void A_source_prints_as_it_is_written(string text) => Assert.Equal(text, RequestKeySource.Parse(text).ToString());
}
