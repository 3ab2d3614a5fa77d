using System.Net.Sockets;
using ClusterLB.Cluster.Persistence;

namespace ClusterLB.Cluster.Tests.Persistence;

public sealed class JournalStateTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Outage_keeps_the_time_it_started_and_shows_the_latest_error()
    {
        var down = JournalState.Recovering(Start).Recovered(Start.AddSeconds(1)).Failed("first", Start.AddSeconds(10));

        var still = down.Failed("second", Start.AddSeconds(20));

        Assert.Equal(new JournalState(JournalAvailability.Unavailable, "second", Start.AddSeconds(10)), still);
    }

    [Fact]
    public void Recovery_after_an_outage_is_available_from_that_moment_without_an_error()
    {
        var back = JournalState.Recovering(Start).Failed("down", Start.AddSeconds(1)).Recovered(Start.AddSeconds(30));

        Assert.Equal(new JournalState(JournalAvailability.Available, null, Start.AddSeconds(30)), back);
        Assert.Same(back, back.Recovered(Start.AddSeconds(40)));
    }

    [Fact]
    public void Failure_is_described_by_its_causes_without_the_wrappers_words()
    {
        var failure = new AggregateException(
            new ApplicationException("Failed to initialize SQL Journal.", new InvalidOperationException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused))));

        Assert.Equal(
            "Failed to initialize SQL Journal: Failed to connect to 127.0.0.1:5432: Connection refused",
            JournalState.Describe(failure));
    }
}
