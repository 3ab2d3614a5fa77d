using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClusterLB.Cli.Admin;

/// <summary>What the admin API answered: status and body, as it wrote them.</summary>
internal sealed record AdminAnswer(HttpStatusCode Status, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The body as JSON; a refusal when it is not.</summary>
    public JsonNode Json()
    {
        try
        {
            return JsonNode.Parse(Body) ?? throw new JsonException("empty");
        }
        catch (JsonException)
        {
            throw new CliFailure(ExitCodes.Refused, $"the server's answer is not JSON: {OneLine(Body)}");
        }
    }

    /// <summary>
    /// The server's reason in one line: the fields at fault (<c>{"errors":[{field,message}]}</c>), its
    /// <c>{"error":...}</c>, or its text. An empty 404 or 405 is a path this server does not serve.
    /// </summary>
    public string Refusal(string method, string path)
    {
        var code = $"{(int)Status} {Status}";
        if (Body.Trim().Length == 0)
        {
            return Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
                ? $"{code}: the server does not serve {method} {path} (a node older than this client?)"
                : code;
        }

        try
        {
            var json = JsonNode.Parse(Body);
            if (json?["errors"] is JsonArray errors)
            {
                return $"{code}: " + string.Join("; ", errors.Select(e => e?["field"] is { } field ? $"{field}: {e["message"]}" : $"{e?["message"]}"));
            }

            if (json?["error"] is JsonValue error)
            {
                return $"{code}: {error}";
            }
        }
        catch (JsonException)
        {
        }

        return $"{code}: {OneLine(Body)}";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
