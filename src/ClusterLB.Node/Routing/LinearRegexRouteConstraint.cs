using System.Globalization;
using System.Text.RegularExpressions;

namespace ClusterLB.Node.Routing;

/// <summary>
/// The <c>regex(...)</c> route constraint, matched by .NET's non-backtracking engine: time linear in
/// the path's length, so no pattern can make one request burn seconds of CPU (ASP.NET's own
/// constraint backtracks, bounded only by a 10 s timeout). Patterns that need backtracking
/// (backreferences, lookarounds) are refused when the route is validated.
/// </summary>
public sealed class LinearRegexRouteConstraint(string pattern) : IRouteConstraint
{
    private readonly Regex _regex = Create(pattern);

    /// <summary>The engine options; the same ASP.NET's constraint uses, plus non-backtracking.</summary>
    public static Regex Create(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);

    /// <summary>Why <paramref name="pattern"/> cannot be a route constraint, or null when it can.</summary>
    public static string? Refusal(string pattern)
    {
        try
        {
            Create(pattern);
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or ArgumentException)
        {
            return $"regex constraint '{pattern}' cannot be matched in linear time ({e.Message}); backreferences, lookarounds and atomic groups are not supported";
        }
    }

    /// <inheritdoc />
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is not null
        && _regex.IsMatch(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
}
