using System.Text.RegularExpressions;

namespace ClusterLB.Core.Policies;

/// <summary>
/// The built-in block rules a request filter switches on by name. Each catches the common markers of
/// one kind of attack where it is usually carried: the path and query, and the headers that attack
/// tools fill (User-Agent, Referer). Patterns stay within what .NET's non-backtracking engine runs,
/// so their cost is linear in the input whatever a client sends.
/// </summary>
public static class RequestFilterRuleSets
{
    /// <summary>Directory traversal: <c>../</c>, <c>..\</c>, NUL bytes, well-known system files.</summary>
    public const string PathTraversal = "PathTraversal";

    /// <summary>SQL injection: <c>UNION SELECT</c>, <c>' OR 1=1</c>, stacked statements, time-based probes.</summary>
    public const string SqlInjection = "SqlInjection";

    /// <summary>Cross-site scripting: script tags, <c>javascript:</c> URLs, inline event handlers.</summary>
    public const string CrossSiteScripting = "CrossSiteScripting";

    /// <summary>Shell injection: command separators before common commands, <c>$( )</c>, backticks, Shellshock, <c>${jndi:</c>.</summary>
    public const string ShellInjection = "ShellInjection";

    /// <summary>Headers the built-in rules read besides the path and the query parameters.</summary>
    public static IReadOnlyList<string> InspectedHeaders { get; } = ["User-Agent", "Referer"];

    /// <summary>The built-in rules by rule set name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<BuiltInRule>> All { get; } =
        new Dictionary<string, IReadOnlyList<BuiltInRule>>(StringComparer.OrdinalIgnoreCase)
        {
            [PathTraversal] =
            [
                new("dot-dot-segment", @"(?:^|[\\/=])\.\.(?:[\\/;]|$)", InPath: true, InQuery: true, InHeaders: false),
                new("nul-byte", @"\x00", InPath: true, InQuery: true, InHeaders: false),
                new("system-file", @"(?:^|[\\/=])(?:etc[\\/](?:passwd|shadow|hosts)|proc[\\/]self[\\/]|windows[\\/]win\.ini|boot\.ini)", InPath: true, InQuery: true, InHeaders: false),
            ],
            [SqlInjection] =
            [
                new("union-select", @"\bunion\b[\s(/*]+(?:all[\s(/*]+|distinct[\s(/*]+)?select\b", InPath: false, InQuery: true, InHeaders: true),
                new("quote-tautology", @"['""`]\s*(?:or|and|\|\||&&)\s+['""`(]?\w+['""`)]?\s*(?:=|<|>|like\b)", InPath: false, InQuery: true, InHeaders: true),
                new("stacked-statement", @";\s*(?:drop|delete|insert|update|alter|truncate|create|exec|execute|shutdown)\s", InPath: false, InQuery: true, InHeaders: true),
                new("time-probe", @"\b(?:sleep|benchmark|pg_sleep)\s*\(|\bwaitfor\s+delay\b", InPath: false, InQuery: true, InHeaders: true),
                new("comment-terminator", @"['""`]\s*(?:--|#|/\*)", InPath: false, InQuery: true, InHeaders: false),
            ],
            [CrossSiteScripting] =
            [
                new("script-tag", @"<\s*/?\s*(?:script|iframe|object|embed|svg|img|body|style|link|meta)\b", InPath: true, InQuery: true, InHeaders: true),
                new("javascript-url", @"(?:javascript|vbscript|data\s*:\s*text/html)\s*:", InPath: true, InQuery: true, InHeaders: true),
                new("event-handler", @"\bon(?:error|load|click|mouseover|focus|blur|submit|toggle|animationstart)\s*=", InPath: true, InQuery: true, InHeaders: true),
                new("script-sink", @"\b(?:document\.cookie|document\.write|eval\s*\(|alert\s*\()", InPath: false, InQuery: true, InHeaders: true),
            ],
            [ShellInjection] =
            [
                new("command-separator", @"(?:[;&|`\n]|\$\()\s*(?:cat|ls|id|whoami|uname|wget|curl|nc|ncat|bash|sh|zsh|rm|chmod|python|perl|ping|nslookup)\b", InPath: false, InQuery: true, InHeaders: true),
                new("command-substitution", @"\$\([^)]*\)|`[^`]*`", InPath: false, InQuery: true, InHeaders: true),
                new("shellshock", @"\(\s*\)\s*\{", InPath: false, InQuery: true, InHeaders: true),
                new("jndi-lookup", @"\$\{\s*(?:jndi|env|sys|lower|upper)\s*:", InPath: true, InQuery: true, InHeaders: true),
            ],
        };

    /// <summary>The names of the built-in rule sets.</summary>
    public static IReadOnlyList<string> Names { get; } = [PathTraversal, SqlInjection, CrossSiteScripting, ShellInjection];

    /// <summary>The options every request-filter pattern runs with: linear time, case-insensitive.</summary>
    public const RegexOptions PatternOptions = RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    /// <summary>Compiles <paramref name="pattern"/> with <see cref="PatternOptions"/>; the error when it cannot be.</summary>
    public static Regex? TryCompile(string pattern, out string? error)
    {
        try
        {
            error = null;
            return new Regex(pattern, PatternOptions);
        }
        catch (ArgumentException e)
        {
            error = $"'{pattern}' is not a valid regular expression: {e.Message}";
        }
        catch (NotSupportedException e)
        {
            error = $"'{pattern}' uses a construct the non-backtracking engine does not run (backreferences, lookarounds, atomic groups): {e.Message}";
        }

        return null;
    }
}

/// <summary>One built-in rule: its name, its pattern and where it looks.</summary>
/// <param name="Name">Name of the rule within its set, e.g. <c>union-select</c>.</param>
/// <param name="Pattern">The regular expression.</param>
/// <param name="InPath">Whether it reads the path.</param>
/// <param name="InQuery">Whether it reads the query string.</param>
/// <param name="InHeaders">Whether it reads <see cref="RequestFilterRuleSets.InspectedHeaders"/>.</param>
public sealed record BuiltInRule(string Name, string Pattern, bool InPath, bool InQuery, bool InHeaders);
