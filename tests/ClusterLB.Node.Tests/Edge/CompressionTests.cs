using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using ClusterLB.Node.Tests.Infrastructure;

namespace ClusterLB.Node.Tests.Edge;

public sealed class CompressionTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private HttpClient Proxy => fixture.Node.Proxy;

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Text_on_a_compressing_route_is_compressed_with_an_encoding_the_client_accepts(string encoding)
    {
        using var response = await GetAsync("/on/text?size=20000", encoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < 20000 / 4, $"{compressed.Length} bytes sent for 20000");
        Assert.Equal(EdgeBackend.Text(20000), Decompress(compressed, encoding));
    }

    [Fact]
    public async Task Brotli_is_preferred_when_the_client_accepts_both()
    {
        using var response = await GetAsync("/on/json?size=8000", "gzip, br");

        Assert.Equal(["br"], response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Client_that_accepts_no_compression_gets_the_body_as_the_backend_sent_it()
    {
        using var response = await GetAsync("/on/text?size=20000", encoding: null);

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(EdgeBackend.Text(20000), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Route_without_compression_metadata_follows_the_global_setting_which_is_off()
    {
        using var response = await GetAsync("/plain/text?size=20000", "gzip");

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(20000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Body_under_the_minimum_size_is_not_compressed()
    {
        using var response = await GetAsync("/on/text?size=1000", "gzip");

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(1000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData("/on/image")]
    [InlineData("/on/zip")]
    public async Task Already_compressed_media_types_are_not_compressed_again(string path)
    {
        using var response = await GetAsync(path, "gzip, br");

        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(8192, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Range_answer_is_sent_uncompressed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/on/file");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");
        request.Headers.Range = new RangeHeaderValue(0, 4095);
        using var response = await Proxy.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(EdgeBackend.Text(8192)[..4096], await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_the_backend_compressed_itself_passes_through_once_compressed()
    {
        using var response = await GetAsync("/on/gzipped", "gzip, br");

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal(EdgeBackend.Text(8192), Decompress(await response.Content.ReadAsByteArrayAsync(), "gzip"));
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", encoding);
        }

        return await Proxy.SendAsync(request);
    }

    private static string Decompress(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decompressor = encoding == "br" ? new BrotliStream(input, CompressionMode.Decompress) : new GZipStream(input, CompressionMode.Decompress);
        using var reader = new StreamReader(decompressor);
        return reader.ReadToEnd();
    }
}
