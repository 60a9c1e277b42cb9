namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>
/// Where and how to query a Prometheus-compatible server (Prometheus, Thanos Query, Mimir, VictoriaMetrics: the same
/// HTTP API v1). The token is the resolved bearer token (<see cref="PrometheusToken"/>); it is never logged or shown.
/// </summary>
public sealed record PrometheusEndpoint
{
    /// <summary>The server's base URL; <c>api/v1/…</c> is appended, so a path prefix (<c>/prometheus</c>, Mimir's <c>/prometheus</c>) is kept.</summary>
    public required Uri Url { get; init; }

    public string? BearerToken { get; init; }

    /// <summary>A PEM bundle to trust for the server's certificate, besides the system roots.</summary>
    public string? CaFile { get; init; }

    /// <summary>Extra PEM bundles trusted like <see cref="CaFile"/> when present (the pod's service-account CA, as the descheduler trusts it).</summary>
    public IReadOnlyList<string> ExtraCaFiles { get; init; } = [];

    public bool InsecureSkipVerify { get; init; }

    /// <summary>How long one query may take; sent as the API's <c>timeout</c> so the server gives up too.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How much longer than <see cref="Timeout"/> the client waits, so the server's own timeout answer arrives first.</summary>
    public TimeSpan TimeoutGrace { get; init; } = TimeSpan.FromSeconds(15);

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Attempts per query on a connection error, 429 or 5xx (other failures are not retried).</summary>
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Queries whose URL-encoded form is longer than this are sent as a POST form body (proxies cap URL lengths).</summary>
    public int MaxGetLength { get; init; } = 2000;

    /// <summary>The <c>User-Agent</c> sent.</summary>
    public string UserAgent { get; init; } = "rebalancer";

    /// <summary>The URL for messages and reports: scheme, host, port and path, never user info or query.</summary>
    public string Description => Describe(Url);

    public static string Describe(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');
    }
}
