namespace ClusterLB.Core.Routing;

/// <summary>The part of a request a key is read from.</summary>
public enum RequestKeyKind
{
    /// <summary>A request header, named.</summary>
    Header,

    /// <summary>A request cookie, named.</summary>
    Cookie,

    /// <summary>A query-string parameter, named.</summary>
    Query,

    /// <summary>The request path (without the query string).</summary>
    Path,

    /// <summary>The address of the connection's client.</summary>
    ClientIp,
}

/// <summary>
/// Where a request's key comes from (for consistent hashing, canary splits), written
/// <c>Header:X-User</c>, <c>Cookie:session</c>, <c>Query:user</c>, <c>Path</c> or <c>ClientIp</c>;
/// the kind is case-insensitive, the name is kept as written.
/// </summary>
/// <param name="Kind">The part of the request.</param>
/// <param name="Name">The header, cookie or query parameter name; null for <see cref="RequestKeyKind.Path"/> and <see cref="RequestKeyKind.ClientIp"/>.</param>
public readonly record struct RequestKeySource(RequestKeyKind Kind, string? Name)
{
    /// <summary>The syntax, for error messages.</summary>
    public const string Syntax = "Header:<name>, Cookie:<name>, Query:<name>, Path or ClientIp";

    /// <summary>Reads <paramref name="text"/>; throws a <see cref="FormatException"/> saying what is wrong.</summary>
    public static RequestKeySource Parse(string? text) =>
        TryParse(text, out var source, out var error) ? source : throw new FormatException(error);

    /// <summary>Reads <paramref name="text"/>; when it is not a key source, <paramref name="error"/> says why.</summary>
    public static bool TryParse(string? text, out RequestKeySource source, out string? error)
    {
        source = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"is empty; expected {Syntax}";
            return false;
        }

        var colon = text.IndexOf(':');
        var kindText = (colon < 0 ? text : text[..colon]).Trim();
        var name = colon < 0 ? null : text[(colon + 1)..].Trim();
        if (!TryKind(kindText, out var kind))
        {
            error = $"'{kindText}' is not a key source; expected {Syntax}";
            return false;
        }

        var named = kind is RequestKeyKind.Header or RequestKeyKind.Cookie or RequestKeyKind.Query;
        if (named && string.IsNullOrEmpty(name))
        {
            error = $"'{text}' names no {kind.ToString().ToLowerInvariant()}; write {kind}:<name>";
            return false;
        }

        if (!named && name is not null)
        {
            error = $"'{text}': {kind} takes no name; write {kind}";
            return false;
        }

        if (named && name!.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            error = $"'{text}': the name must not contain spaces or control characters";
            return false;
        }

        source = new RequestKeySource(kind, name);
        error = null;
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Name is null ? Kind.ToString() : $"{Kind}:{Name}";

    // Not Enum.TryParse: it would take numbers ("3") and comma lists ("Path,Query").
    private static bool TryKind(string text, out RequestKeyKind kind)
    {
        foreach (var candidate in Enum.GetValues<RequestKeyKind>())
        {
            if (string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
