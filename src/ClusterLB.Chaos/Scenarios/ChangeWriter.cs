using ClusterLB.Chaos.Targets;

namespace ClusterLB.Chaos.Scenarios;

/// <summary>
/// An operator making routing-table changes while the scenario runs: one route added every half second
/// through the nodes in turn (the next node when one does not answer). What was acknowledged must be
/// in every node's table afterwards.
/// </summary>
public sealed class ChangeWriter(ChaosTarget target, string prefix)
{
    private readonly List<(string Route, long At)> _acknowledged = [];
    private readonly List<(long At, int Status, string Body)> _refused = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public IReadOnlyList<(string Route, long At)> Acknowledged => _acknowledged;

    /// <summary>Answers other than success: when, the HTTP status (0: no answer), and the body.</summary>
    public IReadOnlyList<(long At, int Status, string Body)> Refused => _refused;

    public void Start() => _loop = Task.Run(() => WriteAsync(_stop.Token));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    /// <summary>Waits until every node in <paramref name="nodes"/> holds every acknowledged route; returns the fewest any node holds.</summary>
    public async Task<int> PresentOnAllAsync(IReadOnlyList<int> nodes, TimeSpan timeout)
    {
        var fewest = 0;
        await Poll.TryUntilAsync(async () =>
        {
            fewest = int.MaxValue;
            foreach (var node in nodes)
            {
                var table = await target.Admin.TableAsync(node);
                fewest = Math.Min(fewest, table is null ? 0 : _acknowledged.Count(a => table.Value.Routes.Contains(a.Route)));
            }

            return fewest == _acknowledged.Count;
        }, timeout);
        return fewest;
    }

    /// <summary>Removes the routes it added, so that the next scenario starts from the same table.</summary>
    public async Task CleanUpAsync(int node)
    {
        foreach (var (route, _) in _acknowledged)
        {
            await target.Admin.DeleteRouteAsync(node, route);
        }
    }

    private async Task WriteAsync(CancellationToken stop)
    {
        var sequence = 0;
        var node = 1;
        while (!stop.IsCancellationRequested)
        {
            var route = $"{prefix}-{sequence}";
            var (status, body) = await target.Admin.PutRouteAsync(node, route);
            var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (status == 200)
            {
                _acknowledged.Add((route, at));
                sequence++;
            }
            else
            {
                _refused.Add((at, status, body.Length > 200 ? body[..200] : body));
            }

            node = node % ChaosTarget.Size + 1;
            try
            {
                await Task.Delay(500, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
