using System.Web;

namespace Rebalancer.Testing.ApiServer;

/// <summary>One request as the server saw it. <see cref="StatusCode"/> is the status sent (0 when the connection was dropped);
/// watches are journaled when their response starts.</summary>
public sealed record JournalEntry(
    long Sequence,
    DateTimeOffset Time,
    string Method,
    string Path,
    string Query,
    string? Body,
    string? ContentType,
    string? Accept,
    string? UserAgent,
    int StatusCode,
    string? Fault)
{
    public string PathAndQuery => Path + Query;

    /// <summary>A query parameter's (first) value, decoded.</summary>
    public string? QueryValue(string name) => HttpUtility.ParseQueryString(Query).Get(name);

    public bool IsWatch => QueryValue("watch") is "true" or "1";

    public override string ToString() => $"{Method} {PathAndQuery} -> {StatusCode}{(Fault is null ? "" : " (fault: " + Fault + ")")}";
}

/// <summary>Every request the server received, in order, for assertions.</summary>
public sealed class RequestJournal
{
    private readonly object _gate = new();
    private readonly List<JournalEntry> _entries = [];
    private long _sequence;
    private event Action? Changed;

    public IReadOnlyList<JournalEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToList();
            }
        }
    }

    /// <summary>Entries whose method matches (<c>*</c> = any) and whose path matches the glob (see <see cref="FaultRule.PathPattern"/>).</summary>
    public IReadOnlyList<JournalEntry> Find(string method, string pathPattern)
    {
        var regex = FaultRule.GlobToRegex(pathPattern);
        return Entries.Where(e => (method == "*" || string.Equals(method, e.Method, StringComparison.OrdinalIgnoreCase)) && regex.IsMatch(e.Path)).ToList();
    }

    public int Count(string method, string pathPattern) => Find(method, pathPattern).Count;

    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    /// <summary>Waits until an entry satisfies <paramref name="predicate"/> (entries already journaled count).</summary>
    public async Task<JournalEntry> WaitForAsync(Func<JournalEntry, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var found = new TaskCompletionSource<JournalEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            var match = Entries.FirstOrDefault(predicate);
            if (match is not null)
            {
                found.TrySetResult(match);
            }
        }

        Changed += Check;
        try
        {
            Check();
            return await found.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Changed -= Check;
        }
    }

    internal JournalEntry Add(DateTimeOffset time, string method, string path, string query, string? body, string? contentType, string? accept,
        string? userAgent, int statusCode, string? fault)
    {
        JournalEntry entry;
        lock (_gate)
        {
            entry = new JournalEntry(++_sequence, time, method, path, query, body, contentType, accept, userAgent, statusCode, fault);
            _entries.Add(entry);
        }

        Changed?.Invoke();
        return entry;
    }
}
