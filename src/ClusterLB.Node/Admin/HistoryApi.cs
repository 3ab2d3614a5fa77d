using Akka.Actor;
using Akka.Hosting;
using ClusterLB.Cluster.Hosting;
using ClusterLB.Cluster.Routing;
using ClusterLB.Core.Routing;
using Microsoft.Net.Http.Headers;

namespace ClusterLB.Node.Admin;

/// <summary>
/// The routing table's history on the admin listener: every version with its time, author and a summary;
/// the differences between two versions; and a rollback, which makes a new version equal to an old one.
/// The writer reads them from its journal, so any node answers with the same history.
/// </summary>
public static class HistoryApi
{
    private const int DefaultPage = 100;
    private const int MaxPage = 1000;
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Maps the history endpoints.</summary>
    public static void Map(WebApplication admin, IServiceProvider node)
    {
        IActorRef Writer() => node.GetRequiredService<ActorRegistry>().Get<RoutingTableWriterProxy>();

        admin.MapGet("/admin/history", (long? from, int? limit) => History(Writer(), from, limit))
            .WithSummary("The routing table's versions, newest first: time, author and summary of each")
            .Produces<HistoryPage>()
            .Refuses(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);
        admin.MapGet("/admin/history/{a:long}/diff/{b:long}", (long a, long b, HttpRequest request) => Diff(Writer(), a, b, request))
            .WithSummary("What changed between two versions (JSON, or text with Accept: text/plain)")
            .Produces<VersionDiff>()
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Refuses(StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable);
        admin.MapPost("/admin/rollback/{n:long}", (long n, HttpContext context) => Rollback(Writer(), n, context))
            .TableChange<AdminOpenApi.NoBody>("Makes version n the routing table again, as a new version");
    }

    /// <summary>A page of the history, newest first; <c>next</c> is the <c>from</c> of the following page, null on the last.</summary>
    public sealed record HistoryPage(long Version, IReadOnlyList<HistoryEntry> Entries, long? Next);

    /// <summary>What changed from version <c>from</c> to version <c>to</c>.</summary>
    public sealed record VersionDiff(long From, long To, IReadOnlyList<TableDifference> Differences);

    /// <summary>Newest first: <paramref name="from"/> is the newest version listed (the current one by default).</summary>
    private static async Task<IResult> History(IActorRef writer, long? from, int? limit)
    {
        var size = limit ?? DefaultPage;
        if (size is < 1 or > MaxPage)
        {
            return AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError("limit", $"must be between 1 and {MaxPage}")]);
        }

        if (from is < 1)
        {
            return AdminProblems.Refused(StatusCodes.Status400BadRequest, [new ValidationError("from", "must be a version, 1 or more")]);
        }

        var answer = await Ask<RoutingTableHistory>(writer, new GetRoutingTableHistory(from, size));
        if (answer.Error is { } error)
        {
            return error;
        }

        var entries = answer.Value!.Entries.Reverse().ToList();
        var oldest = entries.Count > 0 ? entries[^1].Version : 0;
        return Results.Json(new HistoryPage(
            answer.Value.Version,
            entries,
            oldest > 1 ? oldest - 1 : null));
    }

    private static async Task<IResult> Diff(IActorRef writer, long a, long b, HttpRequest request)
    {
        var (from, fromError) = await TableAt(writer, a);
        if (fromError is not null)
        {
            return fromError;
        }

        var (to, toError) = await TableAt(writer, b);
        if (toError is not null)
        {
            return toError;
        }

        var differences = RoutingTableDiff.Compare(from!, to!);
        return Accepts(request, "text/plain")
            ? Results.Text(RoutingTableDiff.ToText(a, b, differences), "text/plain")
            : Results.Json(new VersionDiff(a, b, differences));
    }

    private static async Task<IResult> Rollback(IActorRef writer, long version, HttpContext context)
    {
        var (table, error) = await TableAt(writer, version);
        return error ?? await RoutingTableApi.Send(new ImportRoutingTable(table!, RollbackSource(version)), writer, context);
    }

    /// <summary>The source of the import a rollback to <paramref name="version"/> makes, as the history shows it.</summary>
    public static string RollbackSource(long version) => $"rollback to v{version}";

    private static async Task<(RoutingTable? Table, IResult? Error)> TableAt(IActorRef writer, long version)
    {
        var answer = await Ask<RoutingTableAtVersion>(writer, new GetRoutingTableAt(version));
        return answer.Error is { } error ? (null, error)
            : answer.Value!.Table is { } table ? (table, null)
            : (null, AdminProblems.Refused(StatusCodes.Status404NotFound, [new ValidationError(
                "version", $"v{version} does not exist: the routing table has versions 1 to {answer.Value.Version}")]));
    }

    private static async Task<(T? Value, IResult? Error)> Ask<T>(IActorRef writer, IRoutingTableQuery query)
        where T : class
    {
        try
        {
            return (await writer.Ask<T>(query, WriterTimeout), null);
        }
        catch (Exception e) when (e is AskTimeoutException or InvalidOperationException)
        {
            return (null, AdminProblems.Failed(StatusCodes.Status503ServiceUnavailable,
                $"the routing-table writer could not read its journal within {WriterTimeout.TotalSeconds:0}s: {e.Message}; retry (see /admin/status)"));
        }
    }

    private static bool Accepts(HttpRequest request, string mediaType) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
        && accepted.Any(m => m.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase));
}
