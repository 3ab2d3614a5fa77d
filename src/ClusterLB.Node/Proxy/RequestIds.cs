using System.Collections;
using System.Diagnostics;

namespace ClusterLB.Node.Proxy;

/// <summary>
/// Gives every request its id: the client's when <see cref="RequestIdOptions.TrustIncoming"/> and it
/// looks like one, otherwise a new random one. The id becomes the request's trace identifier, goes to
/// the backend and back to the client in the configured header, and is in a logging scope around the
/// rest of the request, so every log line about the request carries it.
/// </summary>
internal sealed class RequestIds(RequestDelegate next, RequestIdOptions options, ILogger<RequestIds> logger)
{
    private readonly Func<object, Task> _answerWithId = state =>
    {
        var context = (HttpContext)state;
        context.Response.Headers[options.Header] = context.TraceIdentifier;
        return Task.CompletedTask;
    };

    /// <summary>Gives the request its id, then hands on.</summary>
    public async Task InvokeAsync(HttpContext context)
    {
        var header = options.Header;
        var incoming = context.Request.Headers[header];
        var id = options.TrustIncoming && incoming.Count == 1 && RequestIdOptions.IsAcceptable(incoming[0])
            ? incoming[0]!
            : ActivityTraceId.CreateRandom().ToHexString();
        context.TraceIdentifier = id;
        context.Request.Headers[header] = id;
        // At the start of the answer, after the backend's headers were copied: the client gets this id, not the backend's.
        context.Response.OnStarting(_answerWithId, context);

        using (logger.BeginScope(new RequestIdScope(id)))
        {
            await next(context);
        }
    }

    /// <summary>The logging scope: <c>XRequestId</c> (<c>RequestId</c> is taken by ASP.NET's scope, which holds the server's own identifier).</summary>
    private sealed class RequestIdScope(string id) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new("XRequestId", id) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"X-Request-Id:{id}";
    }
}
