using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Rebalancer.Testing.ApiServer;

/// <summary>What a fault rule does to a matching request.</summary>
public enum FaultKind
{
    /// <summary>Answer with <see cref="FaultRule.StatusCode"/> and a <c>Status</c> body instead of handling the request.</summary>
    Status,

    /// <summary>Wait <see cref="FaultRule.Latency"/>, then handle the request normally.</summary>
    Delay,

    /// <summary>Drop the connection without a response (the client sees a reset / unexpected EOF).</summary>
    Abort,

    /// <summary>410 Expired (with a fresh, inconsistent continue token) for list requests on page <see cref="FaultRule.Page"/>.</summary>
    ExpireContinue,
}

/// <summary>One fault: which requests (method + path glob, optional predicate), how often (rate, times), what happens.</summary>
public sealed class FaultRule
{
    private Regex? _regex;
    private int _matched;
    private int _injected;

    /// <summary>HTTP method, or <c>*</c> for any.</summary>
    public string Method { get; init; } = "*";

    /// <summary>Path glob: <c>*</c> matches within one segment, <c>**</c> across segments, e.g.
    /// <c>/api/v1/namespaces/*/pods/*/eviction</c> or <c>/apis/policy/**</c>. The query string is not part of the path.</summary>
    public string PathPattern { get; init; } = "/**";

    /// <summary>Extra condition on the request (query, headers); the body is not available here.</summary>
    public Func<HttpRequest, bool>? Predicate { get; init; }

    public FaultKind Kind { get; init; }

    /// <summary>Probability in [0, 1] that a matching request is faulted (drawn from the injector's seeded random).</summary>
    public double Rate { get; init; } = 1.0;

    /// <summary>Maximum number of injections; null = unlimited.</summary>
    public int? Times { get; init; }

    /// <summary>Skip this many matching requests before injecting (e.g. fail the 3rd eviction only: Skip 2, Times 1).</summary>
    public int Skip { get; init; }

    public int StatusCode { get; init; } = 503;
    public string? Reason { get; init; }
    public string? Message { get; init; }

    /// <summary>Sets <c>details.retryAfterSeconds</c> and the <c>Retry-After</c> header when positive.</summary>
    public int RetryAfterSeconds { get; init; }

    public TimeSpan Latency { get; init; }

    /// <summary>For <see cref="FaultKind.ExpireContinue"/>: the 1-based page (page 1 has no continue token, so ≥ 2).</summary>
    public int Page { get; init; } = 2;

    /// <summary>Requests that matched method, path and predicate.</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>Requests actually faulted.</summary>
    public int Injected => Volatile.Read(ref _injected);

    internal bool Matches(HttpRequest request)
    {
        if (Method != "*" && !string.Equals(Method, request.Method, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        _regex ??= GlobToRegex(PathPattern);
        return _regex.IsMatch(request.Path.Value ?? "/") && (Predicate is null || Predicate(request));
    }

    /// <summary>Counts a match and decides whether to inject (caller holds the injector's lock).</summary>
    internal bool Fire(Random random)
    {
        int matched = ++_matched;
        if (matched <= Skip || (Times is { } limit && _injected >= limit))
        {
            return false;
        }

        if (Rate < 1.0 && random.NextDouble() >= Rate)
        {
            return false;
        }

        _injected++;
        return true;
    }

    internal static Regex GlobToRegex(string glob)
    {
        string escaped = Regex.Escape(glob.TrimEnd('/'));
        string pattern = escaped.Replace(@"/\*\*", "(?:/.*)?", StringComparison.Ordinal)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new Regex("^" + pattern + "/?$", RegexOptions.CultureInvariant);
    }

    public override string ToString() => $"{Kind} {Method} {PathPattern} (rate {Rate}, injected {Injected}/{Matched})";
}

/// <summary>Per-route fault injection: status codes at a rate, fixed latency, dropped connections, expired continue tokens.
/// Rules are evaluated in order: every matching <see cref="FaultKind.Delay"/> rule adds its latency, then the first
/// other rule that fires decides the outcome.</summary>
public sealed class FaultInjector
{
    private readonly object _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly Random _random;

    public FaultInjector(int seed = 1) => _random = new Random(seed);

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_gate)
            {
                return _rules.ToList();
            }
        }
    }

    public FaultRule Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    public bool Remove(FaultRule rule)
    {
        lock (_gate)
        {
            return _rules.Remove(rule);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>Answers matching requests with <paramref name="statusCode"/> (reason defaulted from the code, e.g. 503 ServiceUnavailable).</summary>
    public FaultRule FailWith(int statusCode, string method, string pathPattern, double rate = 1.0, int? times = null,
        string? reason = null, string? message = null, int retryAfterSeconds = 0) =>
        Add(new FaultRule
        {
            Kind = FaultKind.Status, StatusCode = statusCode, Method = method, PathPattern = pathPattern, Rate = rate, Times = times,
            Reason = reason, Message = message, RetryAfterSeconds = retryAfterSeconds,
        });

    /// <summary>Adds fixed latency to matching requests.</summary>
    public FaultRule Delay(TimeSpan latency, string method = "*", string pathPattern = "/**", double rate = 1.0, int? times = null) =>
        Add(new FaultRule { Kind = FaultKind.Delay, Latency = latency, Method = method, PathPattern = pathPattern, Rate = rate, Times = times });

    /// <summary>Drops the connection of matching requests.</summary>
    public FaultRule Abort(string method, string pathPattern, double rate = 1.0, int? times = null) =>
        Add(new FaultRule { Kind = FaultKind.Abort, Method = method, PathPattern = pathPattern, Rate = rate, Times = times });

    /// <summary>Expires the continue token of page <paramref name="page"/> (2 = the first continue request) of lists under the pattern.</summary>
    public FaultRule ExpireContinue(string pathPattern, int page = 2, int? times = 1) =>
        Add(new FaultRule { Kind = FaultKind.ExpireContinue, Method = "GET", PathPattern = pathPattern, Page = page, Times = times });

    /// <summary>The total latency to add and the rule deciding the outcome (null = handle normally).</summary>
    internal (TimeSpan Latency, FaultRule? Outcome) Evaluate(HttpRequest request, Func<HttpRequest, int?> pageOf)
    {
        lock (_gate)
        {
            var latency = TimeSpan.Zero;
            FaultRule? outcome = null;
            foreach (var rule in _rules)
            {
                if (!rule.Matches(request))
                {
                    continue;
                }

                if (rule.Kind == FaultKind.Delay)
                {
                    if (rule.Fire(_random))
                    {
                        latency += rule.Latency;
                    }

                    continue;
                }

                if (outcome is not null)
                {
                    continue;
                }

                if (rule.Kind == FaultKind.ExpireContinue && pageOf(request) != rule.Page)
                {
                    continue;
                }

                if (rule.Fire(_random))
                {
                    outcome = rule;
                }
            }

            return (latency, outcome);
        }
    }
}
