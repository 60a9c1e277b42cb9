using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Rebalancer.Kubernetes.Live;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>A Prometheus setting that cannot be used (an unreadable CA file): a configuration error, exit code 2.</summary>
public sealed class PrometheusConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The HTTP API v1 of Prometheus and the servers that speak it (Thanos Query, Mimir, VictoriaMetrics): instant and
/// range queries, GET or — for long queries — a POST form body, gzip/deflate/brotli, a bearer token, a custom CA or
/// <c>insecureSkipVerify</c>, a timeout per query (also sent as the API's <c>timeout</c>) and bounded, jittered retries
/// of connection errors, 429 and 5xx through a Polly pipeline (as the eviction executor retries). Answers stream into
/// an <see cref="IPrometheusSeriesSink"/>; every expected failure comes back as a <see cref="PrometheusAnswer"/>,
/// never as an exception.
/// </summary>
public sealed class PrometheusClient : IDisposable
{
    private const int MaxErrorBody = 64 * 1024;

    private readonly PrometheusEndpoint _endpoint;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly ResiliencePipeline<Attempt> _pipeline;

    /// <param name="handler">The HTTP handler; null for the client's own (TLS settings and decompression applied). Tests pass none.</param>
    /// <exception cref="PrometheusConfigurationException">A CA file cannot be read.</exception>
    public PrometheusClient(PrometheusEndpoint endpoint, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoint = endpoint;
        _time = time ?? TimeProvider.System;
        _base = endpoint.Url.AbsoluteUri.EndsWith('/') ? endpoint.Url : new Uri(endpoint.Url.AbsoluteUri + "/");
        _http = new HttpClient(handler ?? CreateHandler(endpoint), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = _time };
        if (endpoint.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = endpoint.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = endpoint.RetryBaseDelay,
                MaxDelay = endpoint.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.Transient),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result.RetryAfter is TimeSpan wait ? (wait > endpoint.RetryMaxDelay ? endpoint.RetryMaxDelay : wait) : (TimeSpan?)null),
            });
        }

        _pipeline = builder.Build();
    }

    public PrometheusEndpoint Endpoint => _endpoint;

    /// <summary><c>/api/v1/query</c> at <paramref name="time"/>.</summary>
    public Task<PrometheusAnswer> QueryAsync(string query, DateTimeOffset time, IPrometheusSeriesSink sink, CancellationToken cancellationToken) =>
        SendAsync("api/v1/query", [new("query", query), new("time", Seconds(time)), new("timeout", TimeoutParameter())], sink, cancellationToken);

    /// <summary><c>/api/v1/query_range</c> from <paramref name="start"/> to <paramref name="end"/> every <paramref name="step"/>.</summary>
    public Task<PrometheusAnswer> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, IPrometheusSeriesSink sink, CancellationToken cancellationToken) =>
        SendAsync("api/v1/query_range",
            [new("query", query), new("start", Seconds(start)), new("end", Seconds(end)), new("step", step.TotalSeconds.ToString("R", CultureInfo.InvariantCulture)), new("timeout", TimeoutParameter())],
            sink, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<PrometheusAnswer> SendAsync(string path, KeyValuePair<string, string>[] parameters, IPrometheusSeriesSink sink, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        int attempts = 0;
        Attempt attempt = await _pipeline.ExecuteAsync(
            async token =>
            {
                attempts++;
                return await TryOnceAsync(path, parameters, token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        TimeSpan waited = _time.GetElapsedTime(started);
        if (attempt.Response is not { } response)
        {
            return PrometheusAnswer.Failure(attempt.Outcome, attempt.Status, attempt.ErrorType, attempt.Error ?? attempt.Outcome.ToString(), attempts, waited) with { WaitTime = waited };
        }

        using (response)
        {
            PrometheusResponse body;
            try
            {
                Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                using var guarded = new PageBodyStream(response, stream, _endpoint.Timeout + _endpoint.TimeoutGrace, cancellationToken);
                body = PrometheusResponseReader.Read(guarded, sink);
            }
            catch (PrometheusFormatException e)
            {
                return PrometheusAnswer.Failure(PrometheusOutcome.Malformed, (int)response.StatusCode, null, e.Message, attempts, _time.GetElapsedTime(started));
            }
            catch (TimeoutException e)
            {
                return PrometheusAnswer.Failure(PrometheusOutcome.Timeout, (int)response.StatusCode, null, $"reading the response: {e.Message}", attempts, _time.GetElapsedTime(started));
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && KubernetesConnection.IsTransportError(e))
            {
                return PrometheusAnswer.Failure(PrometheusOutcome.Unreachable, (int)response.StatusCode, null,
                    $"the connection broke while reading the response: {KubernetesConnection.TransportMessage(e)}", attempts, _time.GetElapsedTime(started));
            }

            TimeSpan elapsed = _time.GetElapsedTime(started);
            if (body.Status == "error")
            {
                (PrometheusOutcome outcome, _) = Classify((int)response.StatusCode, body.ErrorType, body.Error);
                return PrometheusAnswer.Failure(outcome == PrometheusOutcome.Success ? PrometheusOutcome.Execution : outcome, (int)response.StatusCode, body.ErrorType, body.Error ?? "error", attempts, elapsed);
            }

            if (body.Status != "success" || !body.HasData)
            {
                return PrometheusAnswer.Failure(PrometheusOutcome.Malformed, (int)response.StatusCode, null,
                    body.Status is null ? "the response has no 'status' (is this a Prometheus API URL?)" : $"the response has status '{body.Status}' and no data", attempts, elapsed);
            }

            var warnings = new List<string>(body.Warnings);
            if (body.Histograms > 0)
            {
                warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{body.Histograms} native-histogram series were skipped"));
            }

            return new PrometheusAnswer(PrometheusOutcome.Success, body.ResultType, body.Series, body.Samples, body.NonFinite, warnings, body.Infos, body.Partial,
                (int)response.StatusCode, null, null, attempts, elapsed) { WaitTime = waited };
        }
    }

    private async Task<Attempt> TryOnceAsync(string path, KeyValuePair<string, string>[] parameters, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_endpoint.Timeout + _endpoint.TimeoutGrace);
        HttpResponseMessage response;
        try
        {
            using HttpRequestMessage request = CreateRequest(path, parameters);
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Attempt.Failed(PrometheusOutcome.Timeout, null, null, $"no answer within {FormatSeconds(_endpoint.Timeout + _endpoint.TimeoutGrace)}", transient: false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && KubernetesConnection.IsTransportError(e))
        {
            return Attempt.Failed(PrometheusOutcome.Unreachable, null, null, $"cannot reach {_endpoint.Description}: {KubernetesConnection.TransportMessage(e)}", transient: true);
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            return new Attempt(response, PrometheusOutcome.Success, 200, null, null, false, null);
        }

        int status = (int)response.StatusCode;
        TimeSpan? retryAfter = RetryAfter(response);
        (string? errorType, string error) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        response.Dispose();
        (PrometheusOutcome outcome, bool transient) = Classify(status, errorType, error);
        if (outcome == PrometheusOutcome.Success)
        {
            outcome = PrometheusOutcome.ServerError; // a non-200 without a recognisable error: never a success
        }

        return Attempt.Failed(outcome, status, errorType, error, transient, retryAfter);
    }

    /// <summary>
    /// What a status and the API's <c>errorType</c> mean. A server limit has no error type of its own (Prometheus says
    /// <c>execution</c>, Mimir and VictoriaMetrics <c>bad_data</c> or <c>execution</c>), so the error text is read for
    /// it: the one place a message decides, and only between "over a limit" (split the query) and "failed".
    /// </summary>
    internal static (PrometheusOutcome Outcome, bool Transient) Classify(int status, string? errorType, string? error)
    {
        bool overLimit = error is not null && LimitPhrases.Any(p => error.Contains(p, StringComparison.OrdinalIgnoreCase));
        return status switch
        {
            200 when errorType is "timeout" => (PrometheusOutcome.Timeout, false),
            200 when overLimit => (PrometheusOutcome.TooLarge, false),
            200 => (errorType is "bad_data" ? PrometheusOutcome.BadQuery : PrometheusOutcome.Execution, false),
            401 => (PrometheusOutcome.Unauthorized, false),
            403 => (PrometheusOutcome.Forbidden, false),
            413 => (PrometheusOutcome.TooLarge, false),
            400 or 422 when overLimit => (PrometheusOutcome.TooLarge, false),
            400 => (PrometheusOutcome.BadQuery, false),
            422 => (PrometheusOutcome.Execution, false),
            429 => (PrometheusOutcome.ServerError, true),
            503 or 504 when errorType is "timeout" => (PrometheusOutcome.Timeout, false),
            >= 500 when overLimit => (PrometheusOutcome.TooLarge, false),
            >= 500 => (PrometheusOutcome.ServerError, true),
            _ => (PrometheusOutcome.ServerError, false),
        };
    }

    private static readonly string[] LimitPhrases =
    [
        "too many samples", "max-samples", "maxSamplesPerQuery", "maxUniqueTimeseries", "maximum resolution",
        "max series", "maximum number of series", "maximum number of chunks", "max-fetched-", "exceeded the limit", "limit exceeded",
    ];

    private HttpRequestMessage CreateRequest(string path, KeyValuePair<string, string>[] parameters)
    {
        string form = string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var uri = new Uri(_base, path);
        HttpRequestMessage request = form.Length > _endpoint.MaxGetLength
            ? new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded") }
            : new HttpRequestMessage(HttpMethod.Get, new Uri(uri.AbsoluteUri + "?" + form));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.ParseAdd(_endpoint.UserAgent);
        if (!string.IsNullOrEmpty(_endpoint.BearerToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _endpoint.BearerToken);
        }

        foreach ((string name, string value) in _endpoint.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static async Task<(string? ErrorType, string Error)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[MaxErrorBody];
            int length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            text = Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && KubernetesConnection.IsTransportError(e))
        {
            return (null, response.ReasonPhrase ?? "error");
        }

        try
        {
            using JsonDocument json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                string? errorType = json.RootElement.TryGetProperty("errorType", out JsonElement type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
                string? error = json.RootElement.TryGetProperty("error", out JsonElement message) && message.ValueKind == JsonValueKind.String ? message.GetString() : null;
                if (errorType is not null || error is not null)
                {
                    return (errorType, error ?? response.ReasonPhrase ?? "error");
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: an auth proxy's or load balancer's page; its first line says enough.
        }

        string line = text.Split('\n', 2)[0].Trim();
        return (null, line.Length == 0 ? response.ReasonPhrase ?? "error" : line.Length > 200 ? line[..200] + "…" : line);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta)
        {
            return delta;
        }

        return header?.Date is DateTimeOffset date ? (date - _time.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero) : null;
    }

    private string TimeoutParameter() => FormatSeconds(_endpoint.Timeout);

    private static string FormatSeconds(TimeSpan value) => ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";

    private static string Seconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private static SocketsHttpHandler CreateHandler(PrometheusEndpoint endpoint)
    {
        X509Certificate2Collection trust = LoadTrust(endpoint);
        return new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(endpoint.InsecureSkipVerify, trust, certificate, chain, errors),
            },
        };
    }

    /// <summary>Checks that a CA bundle can be used, as the client will load it.</summary>
    /// <exception cref="PrometheusConfigurationException">It cannot be read or holds no certificate.</exception>
    public static void CheckCaFile(string caFile)
    {
        foreach (X509Certificate2 certificate in LoadTrust(new PrometheusEndpoint { Url = new Uri("https://prometheus.invalid/"), CaFile = caFile }))
        {
            certificate.Dispose();
        }
    }

    /// <summary>The certificates of <see cref="PrometheusEndpoint.CaFile"/> and the extra CA files that exist.</summary>
    /// <exception cref="PrometheusConfigurationException">The CA file cannot be read or holds no certificate.</exception>
    internal static X509Certificate2Collection LoadTrust(PrometheusEndpoint endpoint)
    {
        var trust = new X509Certificate2Collection();
        if (endpoint.CaFile is { } caFile)
        {
            try
            {
                trust.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new PrometheusConfigurationException($"{caFile}: cannot read the CA bundle: {e.Message}", e);
            }

            if (trust.Count == 0)
            {
                throw new PrometheusConfigurationException($"{caFile}: no PEM certificate in the CA bundle");
            }
        }

        foreach (string extra in endpoint.ExtraCaFiles.Where(File.Exists))
        {
            try
            {
                trust.ImportFromPemFile(extra);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                // An optional bundle (the pod's service-account CA) that cannot be read is simply not trusted.
            }
        }

        return trust;
    }

    /// <summary>
    /// The system's verdict, or — when only the chain failed and extra CAs are configured — a chain built to those CAs.
    /// A host name mismatch is never accepted unless <c>insecureSkipVerify</c>.
    /// </summary>
    internal static bool Validate(bool insecure, X509Certificate2Collection trust, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (insecure || errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || trust.Count == 0 || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(trust);
        if (chain is not null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    /// <summary>One try: the response when it is a 200 (the caller reads and disposes it), else the failure.</summary>
    internal readonly record struct Attempt(
        HttpResponseMessage? Response, PrometheusOutcome Outcome, int? Status, string? ErrorType, string? Error, bool Transient, TimeSpan? RetryAfter)
    {
        public static Attempt Failed(PrometheusOutcome outcome, int? status, string? errorType, string error, bool transient, TimeSpan? retryAfter = null) =>
            new(null, outcome, status, errorType, error, transient, retryAfter);
    }
}
