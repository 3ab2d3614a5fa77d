using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// The request id (<c>ClusterLB:RequestId</c>): every request carries one to the backend, back to the
/// client and in every log line about it.
/// </summary>
public sealed class RequestIdOptions
{
    /// <summary>Longest request id taken from a client.</summary>
    public const int MaxLength = 128;

    /// <summary>The header that carries it.</summary>
    public string Header { get; set; } = "X-Request-Id";

    /// <summary>Whether a client's own id is kept (when it is up to 128 letters, digits, '-', '_', '.', ':'); otherwise a new one replaces it.</summary>
    public bool TrustIncoming { get; set; }

    /// <summary>Adds every error of these options to <paramref name="errors"/>.</summary>
    public void Validate(List<ValidationError> errors, string at)
    {
        if (string.IsNullOrWhiteSpace(Header) || !Header.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            errors.Add(new($"{at}:Header", $"'{Header}' is not a header name, e.g. X-Request-Id"));
        }
    }

    /// <summary>Whether <paramref name="id"/>, sent by a client, may be kept.</summary>
    public static bool IsAcceptable(string? id) =>
        id is { Length: > 0 and <= MaxLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
