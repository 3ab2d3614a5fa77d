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
    /// The server's reason in one line. A problem (RFC 9457) gives its <c>detail</c> and each of its <c>errors</c>
    /// (<c>field: message</c>); a failed <c>If-Match</c> names the table's version. Older nodes answer
    /// <c>{"errors":[...]}</c> or <c>{"error":...}</c>, or text. An empty 404 or 405 is a path this server does not serve.
    /// </summary>
    public string Refusal(string method, string path, long? ifMatch = null)
    {
        var code = $"{(int)Status} {Status}";
        if (Body.Trim().Length == 0)
        {
            return Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
                ? $"{code}: the server does not serve {method} {path} (a node older than this client?)"
                : code;
        }

        JsonNode? json;
        try
        {
            json = JsonNode.Parse(Body);
        }
        catch (JsonException)
        {
            return $"{code}: {OneLine(Body)}";
        }

        if (Status == HttpStatusCode.PreconditionFailed && json?["version"] is JsonValue current)
        {
            return $"refused: the routing table is at version {current}, not {(ifMatch is { } asked ? asked.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the one asked")} (If-Match)";
        }

        var errors = (json?["errors"] as JsonArray ?? [])
            .Select(e => e?["field"] is { } field ? $"{field}: {e["message"]}" : $"{e?["message"]}")
            .ToList();
        var fields = string.Join("; ", errors);
        var detail = (json?["detail"] ?? json?["error"] ?? (errors.Count == 0 ? json?["title"] : null)) is JsonValue value ? OneLine(value.ToString()) : null;
        var reason = detail is null || detail == fields ? fields
            : errors.Count == 0 ? detail
            : $"{detail}: {fields}";
        return reason.Length > 0 ? $"{code}: {reason}" : $"{code}: {OneLine(Body)}";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
