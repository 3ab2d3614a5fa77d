using ClusterLB.Chaos.Load;

namespace ClusterLB.Chaos.Targets;

/// <summary>Load running against a target; stopping it returns what the client saw.</summary>
public interface ILoadRun
{
    Task<LoadReport> StopAsync();
}

/// <summary>
/// A cluster the scenarios act on: three balancer nodes (1-3, node 4 for scale-out), three echo
/// backends (1-3) and a PostgreSQL journal. The same faults on a local multi-process cluster and on
/// the compose cluster.
/// </summary>
public abstract class ChaosTarget : IAsyncDisposable
{
    public const int Size = 3;
    public const int ScaleOutNode = 4;

    protected ChaosTarget() => Admin = new ClusterAdmin(Node);

    /// <summary><c>local</c> or <c>compose</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Reads and changes the cluster through the admin listeners.</summary>
    public ClusterAdmin Admin { get; }

    /// <summary>Node <paramref name="i"/> as the runner (on the host) reaches it.</summary>
    public abstract NodeEndpoint Node(int i);

    /// <summary>Throws a <see cref="ChaosException"/> naming what is missing when there is nothing to act on.</summary>
    public virtual Task CheckAsync() => Task.CompletedTask;

    /// <summary>Makes the cluster ready for <paramref name="scenario"/>: nodes 1-3 ready, backends and journal up, no faults left.</summary>
    public abstract Task PrepareAsync(string scenario);

    public abstract Task KillNodeAsync(int i);

    /// <summary>SIGTERM, as a supervisor stops a node; returns once it has exited.</summary>
    public abstract Task TerminateNodeAsync(int i);

    /// <summary>Starts node <paramref name="i"/> again unless its supervisor already did.</summary>
    public abstract Task StartNodeAsync(int i);

    public abstract Task PauseNodeAsync(int i);

    public abstract Task ResumeNodeAsync(int i);

    /// <summary>Cuts node <paramref name="i"/> off from the others' cluster (remoting) traffic.</summary>
    public abstract Task IsolateNodeAsync(int i);

    public abstract Task HealNodeAsync(int i);

    public abstract Task KillBackendAsync(int j);

    public abstract Task StartBackendAsync(int j);

    /// <summary>Every answer of backend <paramref name="j"/>, health checks included, waits <paramref name="milliseconds"/> (0 removes it).</summary>
    public abstract Task SetBackendLatencyAsync(int j, int milliseconds);

    public abstract Task StopJournalAsync();

    public abstract Task StartJournalAsync();

    /// <summary>Starts steady load from a client that reaches every node as a DNS client would.</summary>
    public abstract Task<ILoadRun> StartLoadAsync(string scenario, LoadSettings settings);

    /// <summary>Stops what this target started.</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>The backend name the echo backends answer with.</summary>
    public static string BackendName(int j) => $"backend-{j}";

    /// <summary>Waits until every node in <paramref name="nodes"/> is ready.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, params int[] nodes)
    {
        await Poll.UntilAsync(async () =>
        {
            foreach (var i in nodes)
            {
                if (!await Admin.ReadyAsync(i))
                {
                    return false;
                }
            }

            return true;
        }, timeout, $"node(s) {string.Join(", ", nodes)} ready");
    }

    /// <summary>The node that hosts the routing-table writer, by its own status.</summary>
    public async Task<int> WriterNodeAsync()
    {
        int? writer = null;
        await Poll.UntilAsync(async () =>
        {
            for (var i = 1; i <= Size; i++)
            {
                if ((await Admin.ViewAsync(i))?.HostsWriter == true)
                {
                    writer = i;
                    return true;
                }
            }

            return false;
        }, TimeSpan.FromSeconds(30), "a node that hosts the routing-table writer");
        return writer!.Value;
    }

    /// <summary>In-process load against fixed node addresses (the local cluster).</summary>
    protected sealed class InProcessLoad(LoadClient client) : ILoadRun
    {
        public static async Task<ILoadRun> StartAsync(NodeSource source, LoadSettings settings)
        {
            var client = new LoadClient(source, settings);
            await client.StartAsync(CancellationToken.None);
            return new InProcessLoad(client);
        }

        public async Task<LoadReport> StopAsync()
        {
            var report = await client.StopAsync();
            await client.DisposeAsync();
            return report;
        }
    }
}

/// <summary>Polls a condition until it holds or a deadline passes.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        if (!await TryUntilAsync(condition, timeout))
        {
            throw new ChaosException($"gave up after {timeout.TotalSeconds:0} s waiting for {what}");
        }
    }

    /// <summary>Whether the condition came true within <paramref name="timeout"/>.</summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200));
        }
    }
}
