using System.Globalization;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>How a query ended. Expected failures are values, so the caller decides (warn, split, stop).</summary>
public enum PrometheusOutcome
{
    Success,

    /// <summary>No connection, DNS, TLS, or the connection dropped (after the retries).</summary>
    Unreachable,

    /// <summary>HTTP 401: the token is missing, wrong or expired.</summary>
    Unauthorized,

    /// <summary>HTTP 403: the token is valid and not allowed to query.</summary>
    Forbidden,

    /// <summary>The server gave up (<c>errorType: timeout</c>, 503) or no answer came within the timeout.</summary>
    Timeout,

    /// <summary>The server cannot parse or accept the query (400, <c>bad_data</c>): a wrong metric or label name, a PromQL error.</summary>
    BadQuery,

    /// <summary>The query is over a server limit: too many samples loaded, too many series or points (422, 400, 413).</summary>
    TooLarge,

    /// <summary>The query failed while executing (422 <c>execution</c>, other than a limit).</summary>
    Execution,

    /// <summary>A 5xx or 429 after the retries, or another unexpected status.</summary>
    ServerError,

    /// <summary>The body is not a Prometheus API response (not JSON, cut short, the wrong shape).</summary>
    Malformed,
}

/// <summary>
/// The outcome of one query with what the server said about it. The series themselves went to the sink as they were
/// read; on a failure the sink may have received part of them and must be discarded by the caller.
/// </summary>
public sealed record PrometheusAnswer(
    PrometheusOutcome Outcome,
    string? ResultType,
    int Series,
    long Samples,
    long NonFinite,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Infos,
    bool Partial,
    int? HttpStatus,
    string? ErrorType,
    string? Error,
    int Attempts,
    TimeSpan Elapsed)
{
    /// <summary>
    /// Of <see cref="Elapsed"/>, the time until the answer's headers arrived: the server's evaluation (Prometheus
    /// evaluates a query whole before it writes a byte), queueing, retries and the network. The rest is the body:
    /// the server's encoding and the transfer, overlapped with reading it here.
    /// </summary>
    public TimeSpan WaitTime { get; init; }

    public bool IsSuccess => Outcome == PrometheusOutcome.Success;

    /// <summary>Failures no other query will avoid: nothing more should be asked of this server in this run.</summary>
    public bool StopsEverything => Outcome is PrometheusOutcome.Unreachable or PrometheusOutcome.Unauthorized or PrometheusOutcome.Forbidden;

    internal static PrometheusAnswer Failure(PrometheusOutcome outcome, int? status, string? errorType, string error, int attempts, TimeSpan elapsed) =>
        new(outcome, null, 0, 0, 0, [], [], false, status, errorType, error, attempts, elapsed);

    /// <summary>One sentence: what happened, with the status and the server's own message.</summary>
    public string Describe()
    {
        if (IsSuccess)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Series} series, {Samples} samples");
        }

        string status = HttpStatus is int code ? string.Create(CultureInfo.InvariantCulture, $"HTTP {code}") : string.Empty;
        string type = ErrorType is null ? string.Empty : (status.Length > 0 ? " " : string.Empty) + ErrorType;
        string prefix = status.Length + type.Length > 0 ? status + type + ": " : string.Empty;
        string retried = Attempts > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({Attempts} attempts)") : string.Empty;
        string hint = Outcome switch
        {
            PrometheusOutcome.Unauthorized => "; check the token (metricsProviders[].prometheus.authToken, usageHistory.client.tokenFile or --prometheus-token-file)",
            PrometheusOutcome.Forbidden => "; the token is not allowed to query this server",
            PrometheusOutcome.TooLarge => "; the query is over a server limit (e.g. --query.max-samples)",
            _ => string.Empty,
        };
        return prefix + (Error ?? Outcome.ToString()) + retried + hint;
    }
}
