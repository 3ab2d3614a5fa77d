using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using ClusterLB.Node.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClusterLB.Node.Tests.Security;

/// <summary>
/// JWT bearer tokens checked by the node against a key it holds, for a route whose authorization
/// policy is defined in the routing table. Tokens and keys are made by the test.
/// </summary>
public sealed class JwtBearerTests
{
    private const string Issuer = "https://issuer.test";
    private const string Audience = "clusterlb-api";

    [Fact]
    public async Task A_table_policy_requiring_a_claim_lets_only_tokens_with_the_claim_through()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var backends = await Backends.StartAsync("alpha");
        var settings = StaffRoute(backends[0].Url)
            .With("ClusterLB:Authentication:JwtBearer:SigningKey", Convert.ToBase64String(key));
        await using var node = await TestNode.StartAsync(settings);
        var signing = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetStaffAsync(node, token: null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetStaffAsync(node, Token(signing, role: "guest"))).StatusCode);

        using var allowed = await GetStaffAsync(node, Token(signing, role: "staff"));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var echo = await allowed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("alpha", echo.GetProperty("backend").GetString());
        Assert.Equal("/reports", echo.GetProperty("path").GetString());

        var otherKey = new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)), SecurityAlgorithms.HmacSha256);
        using var forged = await GetStaffAsync(node, Token(otherKey, role: "staff"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains(forged.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");

        var expired = Token(signing, role: "staff", expires: DateTime.UtcNow.AddMinutes(-10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetStaffAsync(node, expired)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetStaffAsync(node, Token(signing, role: "staff", audience: "another-api"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetStaffAsync(node, Token(signing, role: "staff", issuer: "https://elsewhere.test"))).StatusCode);
    }

    [Theory]
    [InlineData("RSA")]
    [InlineData("ECDSA")]
    public async Task A_public_key_file_verifies_tokens_signed_with_its_private_key(string kind)
    {
        var directory = TempDirectory.Create("clusterlb-jwt");
        var keyFile = Path.Combine(directory, "issuer.pem");
        using var rsa = RSA.Create(2048);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (publicPem, signing) = kind == "RSA"
            ? (rsa.ExportSubjectPublicKeyInfoPem(), new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256))
            : (ecdsa.ExportSubjectPublicKeyInfoPem(), new SigningCredentials(new ECDsaSecurityKey(ecdsa), SecurityAlgorithms.EcdsaSha256));
        await File.WriteAllTextAsync(keyFile, publicPem);

        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(StaffRoute(backends[0].Url).With("ClusterLB:Authentication:JwtBearer:SigningKeyFile", keyFile));

        Assert.Equal(HttpStatusCode.OK, (await GetStaffAsync(node, Token(signing, role: "staff"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetStaffAsync(node, Token(signing, role: "guest"))).StatusCode);

        using var otherRsa = RSA.Create(2048);
        var forged = Token(new SigningCredentials(new RsaSecurityKey(otherRsa), SecurityAlgorithms.RsaSha256), role: "staff");
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetStaffAsync(node, forged)).StatusCode);
    }

    [Fact]
    public async Task A_route_with_the_default_policy_takes_any_valid_token()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var backends = await Backends.StartAsync("alpha");
        var settings = JwtSettings(new RouteSettings()
            .Route("signed-in", "/signed-in", "backends").With("ReverseProxy:Routes:signed-in:AuthorizationPolicy", "Default")
            .Cluster("backends", ("alpha", backends[0].Url)))
            .With("ClusterLB:Authentication:JwtBearer:SigningKey", Convert.ToBase64String(key));
        await using var node = await TestNode.StartAsync(settings);

        Assert.Equal(HttpStatusCode.Unauthorized, (await node.Proxy.GetAsync("/signed-in/")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signed-in/");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256), role: "guest"));
        Assert.Equal(HttpStatusCode.OK, (await node.Proxy.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_claim_with_no_listed_values_only_has_to_be_present()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var backends = await Backends.StartAsync("alpha");
        await using var node = await TestNode.StartAsync(StaffRoute(backends[0].Url)
            .With("ClusterLB:Authentication:JwtBearer:SigningKey", Convert.ToBase64String(key)));
        var signing = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

        using var changed = await node.Admin.PutAsync("/admin/policies", Json.Body("""{ "Authorization": { "staff": { "Claims": { "tenant": [] } } } }"""));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        await Eventually.True(async () => (await GetStaffAsync(node, Token(signing, role: "guest", tenant: "acme"))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "a token with any tenant let through");
        Assert.Equal(HttpStatusCode.Forbidden, (await GetStaffAsync(node, Token(signing, role: "staff"))).StatusCode);
    }

    [Fact]
    public async Task A_rate_limit_keyed_by_a_token_claim_counts_each_tenant_apart()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        await using var backends = await Backends.StartAsync("alpha");
        var settings = StaffRoute(backends[0].Url)
            .With("ClusterLB:Authentication:JwtBearer:SigningKey", Convert.ToBase64String(key))
            .With("ReverseProxy:Routes:staff:RateLimiterPolicy", "per-tenant")
            .With("ClusterLB:Policies:RateLimiting:per-tenant:Kind", "FixedWindow")
            .With("ClusterLB:Policies:RateLimiting:per-tenant:PermitLimit", "2")
            .With("ClusterLB:Policies:RateLimiting:per-tenant:Window", "01:00:00")
            .With("ClusterLB:Policies:RateLimiting:per-tenant:Key", "Claim")
            .With("ClusterLB:Policies:RateLimiting:per-tenant:KeyName", "tenant");
        await using var node = await TestNode.StartAsync(settings);
        var signing = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

        async Task<HttpStatusCode> As(string tenant)
        {
            using var response = await GetStaffAsync(node, Token(signing, "staff", tenant: tenant));
            return response.StatusCode;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], [await As("acme"), await As("acme"), await As("acme")]);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], [await As("globex"), await As("globex"), await As("globex")]);
    }

    /// <summary>Route <c>/staff</c> with the table's authorization policy <c>staff</c>: claim <c>role</c> = <c>staff</c>.</summary>
    private static RouteSettings StaffRoute(string backend) => JwtSettings(new RouteSettings()
        .Route("staff", "/staff", "backends").With("ReverseProxy:Routes:staff:AuthorizationPolicy", "staff")
        .Cluster("backends", ("alpha", backend))
        .With("ClusterLB:Policies:Authorization:staff:Claims:role:0", "staff"));

    private static RouteSettings JwtSettings(RouteSettings settings) => settings
        .With("ClusterLB:Authentication:JwtBearer:Issuer", Issuer)
        .With("ClusterLB:Authentication:JwtBearer:Audience", Audience);

    private static async Task<HttpResponseMessage> GetStaffAsync(TestNode node, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/staff/reports");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await node.Proxy.SendAsync(request);
    }

    private static string Token(SigningCredentials signing, string role, DateTime? expires = null, string audience = Audience, string issuer = Issuer, string? tenant = null)
    {
        var claims = new List<Claim> { new("sub", "alice"), new("role", role) };
        if (tenant is not null)
        {
            claims.Add(new Claim("tenant", tenant));
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(5);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = expiry.AddMinutes(-20),
            IssuedAt = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = signing,
        });
    }
}
