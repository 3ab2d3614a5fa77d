using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using ClusterLB.Core.Routing;
using Yarp.ReverseProxy.Model;

namespace ClusterLB.Node.Draining;

/// <summary>
/// Obeys the operator's admin states (<see cref="DestinationAdmin"/>) on every node alike, around
/// session affinity: a destination in maintenance, or draining for longer than the cluster's drain
/// timeout, is out before affinity looks (its sessions move); a draining one is still there for
/// affinity, so sessions pinned to it stay, but out for everything affinity did not place, so it
/// gets no new request and no new session. Requests in flight are not touched. The times come from
/// the table (the moment the command was accepted), so every node takes the same decision.
/// </summary>
internal static class AdminStateRouting
{
    private static readonly ConditionalWeakTable<ClusterModel, AdminStates> States = new();
    private static readonly object BeforeAffinityKey = new();

    /// <summary>
    /// Adds <paramref name="affinity"/> between the two steps. Costs one lookup per request for a
    /// cluster whose destinations are all active.
    /// </summary>
    public static IReverseProxyApplicationBuilder UseAdminStatesAround(
        this IReverseProxyApplicationBuilder pipeline, Action<IReverseProxyApplicationBuilder> affinity)
    {
        var time = pipeline.ApplicationServices.GetRequiredService<TimeProvider>();
        pipeline.Use((context, next) =>
        {
            var proxy = context.GetReverseProxyFeature();
            var states = StatesOf(proxy.Cluster);
            if (states.None)
            {
                return next(context);
            }

            var now = time.GetUtcNow();
            var remaining = Without(proxy.AvailableDestinations, d => states.IsOut(d.DestinationId, now));
            proxy.AvailableDestinations = remaining;
            context.Items[BeforeAffinityKey] = remaining;
            return next(context);
        });
        affinity(pipeline);
        pipeline.Use((context, next) =>
        {
            var proxy = context.GetReverseProxyFeature();
            if (context.Items.TryGetValue(BeforeAffinityKey, out var before) && ReferenceEquals(before, proxy.AvailableDestinations))
            {
                // Affinity placed nothing: a new request or a new session, which a draining destination does not take.
                var states = StatesOf(proxy.Cluster);
                proxy.AvailableDestinations = Without(proxy.AvailableDestinations, d => states.IsDraining(d.DestinationId));
            }

            return next(context);
        });
        return pipeline;
    }

    /// <summary>The admin states of <paramref name="cluster"/>'s current configuration.</summary>
    internal static AdminStates StatesOf(ClusterModel cluster) => States.GetValue(cluster, static c => new AdminStates(c.Config));

    private static IReadOnlyList<DestinationState> Without(IReadOnlyList<DestinationState> destinations, Func<DestinationState, bool> isOut)
    {
        var count = 0;
        for (var i = 0; i < destinations.Count; i++)
        {
            if (isOut(destinations[i]))
            {
                count++;
            }
        }

        if (count == 0)
        {
            return destinations;
        }

        var remaining = new List<DestinationState>(destinations.Count - count);
        for (var i = 0; i < destinations.Count; i++)
        {
            if (!isOut(destinations[i]))
            {
                remaining.Add(destinations[i]);
            }
        }

        return remaining;
    }

    /// <summary>The destinations of one cluster configuration that are not simply active.</summary>
    internal sealed class AdminStates
    {
        private readonly FrozenDictionary<string, (DestinationAdminState State, DateTimeOffset OutAt)> _notActive;

        public AdminStates(Yarp.ReverseProxy.Configuration.ClusterConfig config)
        {
            var drainTimeout = DestinationAdmin.DrainTimeoutOf(config.Metadata);
            _notActive = (config.Destinations ?? new Dictionary<string, Yarp.ReverseProxy.Configuration.DestinationConfig>())
                .Select(d => (d.Key, State: DestinationAdmin.StateOf(d.Value.Metadata), Since: DestinationAdmin.SinceOf(d.Value.Metadata) ?? DateTimeOffset.MinValue))
                .Where(d => d.State != DestinationAdminState.Active)
                .ToFrozenDictionary(
                    d => d.Key,
                    d => (d.State, d.State == DestinationAdminState.Draining && d.Since < DateTimeOffset.MaxValue - drainTimeout ? d.Since + drainTimeout : d.Since),
                    StringComparer.Ordinal);
        }

        /// <summary>Whether every destination is active.</summary>
        public bool None => _notActive.Count == 0;

        /// <summary>Whether <paramref name="destinationId"/> takes nothing at all at <paramref name="now"/>: in maintenance, or drained.</summary>
        public bool IsOut(string destinationId, DateTimeOffset now) =>
            _notActive.TryGetValue(destinationId, out var admin)
            && (admin.State == DestinationAdminState.Maintenance || now >= admin.OutAt);

        /// <summary>Whether <paramref name="destinationId"/> is draining.</summary>
        public bool IsDraining(string destinationId) =>
            _notActive.TryGetValue(destinationId, out var admin) && admin.State == DestinationAdminState.Draining;
    }
}
