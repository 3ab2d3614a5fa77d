using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ClusterLB.Node.Tests.Infrastructure;

/// <summary>Keeps every log line of a node, so a test can assert what the node told its operator.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<(string Line, IReadOnlyList<object?> Scopes)> _entries = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyList<string> Lines => _lines.ToList();

    /// <summary>Each line with the logging scopes it was written in (e.g. the request id).</summary>
    public IReadOnlyList<(string Line, IReadOnlyList<object?> Scopes)> ScopedLines => _entries.ToList();

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)}";
            owner._lines.Enqueue(line);
            var scopes = new List<object?>();
            owner._scopes?.ForEachScope((scope, list) => list.Add(scope), scopes);
            owner._entries.Enqueue((line, scopes));
        }
    }
}
