using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace ClusterLB.Node.Tests.Https;

/// <summary>What a TLS server presented in one handshake.</summary>
public sealed record Handshake(X509Certificate2 Certificate, string Protocol);

/// <summary>Real TLS handshakes and HTTPS clients against a listener, recording what the server presents.</summary>
public static class TlsProbe
{
    /// <summary>Handshakes with <paramref name="url"/>'s port on loopback, sending <paramref name="serverName"/> as SNI and offering <paramref name="alpn"/>.</summary>
    public static async Task<Handshake> HandshakeAsync(Uri url, string serverName, params string[] alpn)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            ApplicationProtocols = (alpn.Length == 0 ? ["http/1.1"] : alpn).Select(p => new SslApplicationProtocol(p)).ToList(),
            RemoteCertificateValidationCallback = (_, _, _, _) => true, // the test checks what was presented
        });
        var certificate = X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
        return new Handshake(certificate, tls.NegotiatedApplicationProtocol.ToString());
    }

    /// <summary>Like <see cref="HandshakeAsync"/>, but null while nothing listens (a listener being rebound).</summary>
    public static async Task<Handshake?> TryHandshakeAsync(Uri url, string serverName)
    {
        try
        {
            return await HandshakeAsync(url, serverName);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return null;
        }
    }

    /// <summary>An HTTPS client that accepts any server certificate and records the last one presented.</summary>
    public static (HttpClient Client, Func<X509Certificate2?> Presented) RecordingClient(Uri baseAddress, bool followRedirects = true)
    {
        X509Certificate2? presented = null;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = followRedirects,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return true;
                },
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        return (client, () => presented);
    }

    /// <summary>The proxy's https URL.</summary>
    public static Uri HttpsUrl(this Infrastructure.TestNode node) =>
        new(node.Node.ProxyUrls.First(u => u.StartsWith("https://", StringComparison.Ordinal)));
}
