using System.Runtime.InteropServices;
using ClusterLB.Node.Configuration;
using ClusterLB.Node.Routing;

namespace ClusterLB.Node.Hosting;

/// <summary>
/// Replaces the console lifetime so that a node behind DNS or anycast is withdrawn before it refuses
/// anything: on SIGTERM (or Ctrl+C) readiness answers 503 at once, the node keeps serving for
/// <see cref="NodeOptions.ShutdownDelay"/> while health checkers notice, and only then does the host
/// stop (stop accepting, drain, leave the cluster). A second signal stops at once.
/// </summary>
internal sealed partial class WithdrawingLifetime(
    IHostApplicationLifetime lifetime,
    NodeState state,
    NodeOptions options,
    TimeProvider time,
    ILogger<WithdrawingLifetime> logger) : IHostLifetime, IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signals;

    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The host decides when the process ends, not the runtime's default handler.
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) > 1 || options.ShutdownDelay <= TimeSpan.Zero)
        {
            lifetime.StopApplication();
            return;
        }

        state.BeginStopping();
        Log.Withdrawing(logger, context.Signal, options.ShutdownDelay.TotalSeconds);
        _ = Task.Delay(options.ShutdownDelay, time).ContinueWith(_ => lifetime.StopApplication(), TaskScheduler.Default);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Signal}: readiness now answers 503; serving for {DelaySeconds} s more so that health checkers withdraw this node, then draining (signal again to stop now)")]
        public static partial void Withdrawing(ILogger logger, PosixSignal signal, double delaySeconds);
    }
}
