using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClusterLB.Chaos.Load;

/// <summary>One request as the client saw it.</summary>
/// <param name="At">Unix time in milliseconds when it was sent.</param>
/// <param name="LatencyMs">Until the answer (or the failure), retry included.</param>
/// <param name="Node">The node that answered, or the last one tried.</param>
/// <param name="Key">The affinity key it carried, or null for a request without one.</param>
/// <param name="Backend">The backend that answered (the <c>X-Backend</c> header), or null.</param>
/// <param name="Outcome"><c>ok</c>, or why it failed: <c>status 502</c>, <c>timeout</c>, <c>connection refused</c> ...</param>
/// <param name="Retried">Whether it was sent again to another node after a connection failure or timeout.</param>
public sealed record RequestRecord(long At, int LatencyMs, string Node, string? Key, string? Backend, string Outcome, bool Retried)
{
    [JsonIgnore]
    public bool Ok => Outcome == LoadReport.Ok;
}

/// <summary>What a load run saw, written as JSON so that a client in a container can hand it to the runner.</summary>
public sealed record LoadReport(long StartedAt, long EndedAt, IReadOnlyList<string> NodesSeen, IReadOnlyList<RequestRecord> Requests)
{
    public const string Ok = "ok";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task WriteAsync(string path)
    {
        var temporary = path + ".partial";
        await using (var file = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(file, this, Json);
        }

        File.Move(temporary, path, overwrite: true); // readers never see half a report
    }

    public static async Task<LoadReport> ReadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<LoadReport>(file, Json) ?? throw new InvalidDataException($"{path} holds no load report");
    }
}
