using ClusterLB.Core.Routing;

namespace ClusterLB.Node.Configuration;

/// <summary>
/// Reads the <c>ReverseProxy</c> section, in YARP's own schema, into a routing table, so a YARP user
/// can paste their configuration. A field ClusterLB does not know is an error, not silently dropped.
/// </summary>
public static class ReverseProxySection
{
    /// <summary>The configuration section name, as in YARP.</summary>
    public const string Name = "ReverseProxy";

    /// <summary>Reads the section; <paramref name="errors"/> names every field that could not be read.</summary>
    public static RoutingTable Read(IConfiguration configuration, List<ValidationError> errors)
    {
        var section = configuration.GetSection(Name);
        var routes = Bind<RouteDefinition>(section.GetSection("Routes"), errors, (route, id) => route with { RouteId = id });
        var clusters = Bind<ClusterDefinition>(section.GetSection("Clusters"), errors, (cluster, id) => cluster with { ClusterId = id });

        foreach (var unknown in section.GetChildren().Where(c => c.Key is not ("Routes" or "Clusters")))
        {
            errors.Add(new ValidationError(unknown.Path, UnknownFields.Describe(unknown.Key, ["Routes", "Clusters"])));
        }

        return RoutingTable.From(routes, clusters);
    }

    private static List<T> Bind<T>(IConfigurationSection parent, List<ValidationError> errors, Func<T, string, T> withId)
        where T : class, new()
    {
        var items = new List<T>();
        foreach (var child in parent.GetChildren())
        {
            var unknown = UnknownFields.In(child, typeof(T)).ToList();
            if (unknown.Count > 0)
            {
                errors.AddRange(unknown);
                continue;
            }

            try
            {
                var item = child.Get<T>(options => options.ErrorOnUnknownConfiguration = true) ?? new T();
                items.Add(withId(item, child.Key));
            }
            catch (InvalidOperationException e)
            {
                errors.Add(new ValidationError(child.Path, e.InnerException?.Message is { Length: > 0 } inner ? $"{e.Message} {inner}" : e.Message));
            }
        }

        return items;
    }
}
