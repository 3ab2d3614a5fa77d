using System.Net;
using ClusterLB.Core.Policies;

namespace ClusterLB.Node.RateLimiting;

/// <summary>What tells one client from another for a rate-limit policy (its <c>Key</c> and <c>KeyName</c>).</summary>
internal static class ClientKey
{
    /// <summary>
    /// The client key of <paramref name="context"/>: its IP address, or the value of the policy's header or
    /// claim; empty when the request has no such header or claim, so such requests share one key.
    /// </summary>
    public static string Of(RateLimitPolicy policy, HttpContext context) => policy.Key switch
    {
        RateLimitKeys.Header => context.Request.Headers[policy.KeyName!].ToString(),
        RateLimitKeys.Claim => context.User.FindFirst(policy.KeyName!)?.Value ?? "",
        _ => Address(context.Connection.RemoteIpAddress),
    };

    private static string Address(IPAddress? address) =>
        address is null ? "" : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
