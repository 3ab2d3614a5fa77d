using System.Collections.Concurrent;

namespace ClusterLB.EchoBackend;

/// <summary>
/// Named one-shot gates: a streaming response waits on one after its first chunk, so a test can
/// see that chunk arrive through the proxy while the backend still holds the rest.
/// </summary>
public sealed class StreamGates
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);

    /// <summary>Opens <paramref name="name"/>; waiters (present and future) go on.</summary>
    public void Open(string name) => Get(name).TrySetResult();

    /// <summary>Waits until <paramref name="name"/> is opened.</summary>
    public Task WaitAsync(string name, CancellationToken cancellationToken) => Get(name).Task.WaitAsync(cancellationToken);

    private TaskCompletionSource Get(string name) =>
        _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
