namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes; the only way tests wait.</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                last = e;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{what} did not happen within {timeout}" + (last is null ? "" : $" (last error: {last.Message})"));
    }

    public static Task True(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        Get<object>(async () => await condition() ? true : null, timeout, what);
}
