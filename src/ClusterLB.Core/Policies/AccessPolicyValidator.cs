using ClusterLB.Core.Routing;

namespace ClusterLB.Core.Policies;

/// <summary>
/// Checks the table's CORS and authorization policies, so that what ASP.NET Core's middleware would
/// refuse, or would serve differently from what was written, is refused before it is persisted.
/// </summary>
public static class AccessPolicyValidator
{
    // ASP.NET Core gives these names a meaning of their own; a route field naming them never reaches a named policy.
    private static readonly string[] ReservedAuthorizationNames = ["Default", "Anonymous"];
    private static readonly string[] ReservedCorsNames = ["Default", "Disable"];

    /// <summary>Adds an error to <paramref name="errors"/> for each fault in <paramref name="policies"/>, its field under <c>Policies</c>.</summary>
    public static void Validate(PolicyDefinitions policies, List<ValidationError> errors)
    {
        foreach (var (name, cors) in Named(errors, "Policies:Cors", policies.Cors, ReservedCorsNames))
        {
            ValidateCors(errors, $"Policies:Cors:{name}", cors);
        }

        foreach (var (name, authorization) in Named(errors, "Policies:Authorization", policies.Authorization, ReservedAuthorizationNames))
        {
            ValidateAuthorization(errors, $"Policies:Authorization:{name}", authorization);
        }
    }

    /// <summary>The policies whose names can be used; errors for the others.</summary>
    private static IEnumerable<KeyValuePair<string, T>> Named<T>(
        List<ValidationError> errors, string at, IReadOnlyDictionary<string, T>? policies, string[] reserved)
    {
        if (policies is null)
        {
            yield break;
        }

        // Route fields and configuration keys are case-insensitive, so names that differ only in case would collide.
        foreach (var group in policies.Keys.GroupBy(name => name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add(new($"{at}:{group.Key}", $"duplicate policy name: {string.Join(", ", group.Select(name => $"'{name}'"))}"));
        }

        foreach (var (name, policy) in policies)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > RoutingTableLimits.MaxIdLength || name.Any(char.IsControl))
            {
                errors.Add(new($"{at}:{name}", $"a policy name has 1 to {RoutingTableLimits.MaxIdLength} characters and no control characters"));
            }
            else if (reserved.FirstOrDefault(r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase)) is { } builtIn)
            {
                errors.Add(new($"{at}:{name}", $"'{builtIn}' is ASP.NET Core's built-in policy name ({string.Join(", ", reserved)}); choose another name"));
            }
            else if (policy is null)
            {
                errors.Add(new($"{at}:{name}", "is empty"));
            }
            else
            {
                yield return new(name, policy);
            }
        }
    }

    private static void ValidateCors(List<ValidationError> errors, string at, CorsPolicyDefinition cors)
    {
        var origins = cors.Origins ?? [];
        if (origins.Count == 0)
        {
            errors.Add(new($"{at}:Origins", "is required: the origins allowed to call, e.g. 'https://app.example', or '*' for any"));
        }

        for (var i = 0; i < origins.Count; i++)
        {
            if (OriginRefusal(origins[i]) is { } refusal)
            {
                errors.Add(new($"{at}:Origins:{i}", refusal));
            }
        }

        if (cors.AllowCredentials && origins.Contains("*"))
        {
            errors.Add(new($"{at}:AllowCredentials", "cannot be used with the origin '*': browsers refuse credentials for any origin; list the origins"));
        }

        RequireTokens(errors, $"{at}:Methods", cors.Methods, "method");
        RequireTokens(errors, $"{at}:Headers", cors.Headers, "header name");
        RequireTokens(errors, $"{at}:ExposedHeaders", cors.ExposedHeaders, "header name");

        if (cors.MaxAge < TimeSpan.Zero)
        {
            errors.Add(new($"{at}:MaxAge", $"must not be negative, got {cors.MaxAge}"));
        }
    }

    private static void ValidateAuthorization(List<ValidationError> errors, string at, AuthorizationPolicyDefinition authorization)
    {
        var roles = authorization.Roles ?? [];
        var claims = authorization.Claims ?? new Dictionary<string, IReadOnlyList<string>>();
        if (!authorization.RequireAuthenticatedUser && roles.Count == 0 && claims.Count == 0)
        {
            errors.Add(new(at, "requires nothing: set RequireAuthenticatedUser, Roles or Claims (a route open to anyone takes the policy 'Anonymous')"));
        }

        for (var i = 0; i < roles.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(roles[i]))
            {
                errors.Add(new($"{at}:Roles:{i}", "is empty"));
            }
        }

        foreach (var (type, values) in claims)
        {
            if (string.IsNullOrWhiteSpace(type))
            {
                errors.Add(new($"{at}:Claims", "a claim type is empty"));
                continue;
            }

            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                if (string.IsNullOrEmpty(values![i]))
                {
                    errors.Add(new($"{at}:Claims:{type}:{i}", "is empty; an empty list means any value"));
                }
            }
        }

        var schemes = authorization.AuthenticationSchemes ?? [];
        for (var i = 0; i < schemes.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(schemes[i]))
            {
                errors.Add(new($"{at}:AuthenticationSchemes:{i}", "is empty"));
            }
        }
    }

    /// <summary>Why <paramref name="origin"/> is not an origin as a browser sends it; null when it is.</summary>
    private static string? OriginRefusal(string? origin)
    {
        if (origin == "*")
        {
            return null;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            return $"'{origin}' is not an http(s) origin such as 'https://app.example' or 'http://localhost:3000', nor '*'";
        }

        var bare = uri.GetLeftPart(UriPartial.Authority);
        return string.Equals(bare, origin, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"'{origin}' is not an origin: an origin is a scheme, host and port only, as a browser sends it: '{bare}'";
    }

    private static void RequireTokens(List<ValidationError> errors, string at, IReadOnlyList<string>? values, string what)
    {
        for (var i = 0; i < (values?.Count ?? 0); i++)
        {
            if (values![i] is not { Length: > 0 } value || !value.All(IsTokenChar))
            {
                errors.Add(new($"{at}:{i}", $"'{values[i]}' is not an HTTP {what} (or '*' for any)"));
            }
        }
    }

    // RFC 9110 token characters: what a method or a header name is made of.
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
