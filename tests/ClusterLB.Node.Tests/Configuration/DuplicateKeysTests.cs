using System.Text;
using ClusterLB.Node.Configuration;

namespace ClusterLB.Node.Tests.Configuration;

public sealed class DuplicateKeysTests
{
    [Fact]
    public void Keys_repeated_in_one_object_are_reported_with_their_configuration_path()
    {
        var json = """
            { "ReverseProxy": {
                "Routes": { "api": {}, "API": {} },
                "Clusters": { "c": { "Destinations": { "d": {}, "e": {}, "d": {} } } } },
              "List": [ { "x": 1, "x": 2 } ] }
            """;

        var found = DuplicateKeys.Find(Encoding.UTF8.GetBytes(json));

        Assert.Equal(["ReverseProxy:Routes:API", "ReverseProxy:Clusters:c:Destinations:d", "List:0:x"], found);
    }

    [Fact]
    public void Same_key_in_different_objects_is_not_a_duplicate()
    {
        var json = """{ "Routes": { "a": { "ClusterId": "x" }, "b": { "ClusterId": "x" } } }""";

        Assert.Empty(DuplicateKeys.Find(Encoding.UTF8.GetBytes(json)));
    }
}
