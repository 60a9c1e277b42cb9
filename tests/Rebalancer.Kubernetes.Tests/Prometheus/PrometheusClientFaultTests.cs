using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Prometheus;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>
/// What the client and the history reader do with the faults a real Prometheus does not produce on demand (the fake
/// server): every one is an outcome value or a warning, nothing throws, nothing is made up.
/// </summary>
public sealed class PrometheusClientFaultTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<int, string, PrometheusOutcome, int> Answers => new()
    {
        { 401, "Unauthorized", PrometheusOutcome.Unauthorized, 1 },
        { 403, "<html><body>Forbidden by oauth2-proxy</body></html>", PrometheusOutcome.Forbidden, 1 },
        { 400, """{"status":"error","errorType":"bad_data","error":"1:12: parse error: unexpected \"}\""}""", PrometheusOutcome.BadQuery, 1 },
        { 422, """{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}""", PrometheusOutcome.TooLarge, 1 },
        { 422, """{"status":"error","errorType":"bad_data","error":"cannot select more than -search.maxSamplesPerQuery=1000000 samples"}""", PrometheusOutcome.TooLarge, 1 },
        { 422, """{"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"}""", PrometheusOutcome.Execution, 1 },
        { 503, """{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}""", PrometheusOutcome.Timeout, 1 },
        { 503, """{"status":"error","errorType":"unavailable","error":"too many concurrent queries"}""", PrometheusOutcome.ServerError, 3 },
        { 500, "<html>Internal Server Error</html>", PrometheusOutcome.ServerError, 3 },
        { 502, "Bad Gateway", PrometheusOutcome.ServerError, 3 },
        { 429, "Too Many Requests", PrometheusOutcome.ServerError, 3 },
        { 200, "this is the Grafana login page", PrometheusOutcome.Malformed, 1 },
        { 200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}""", PrometheusOutcome.Malformed, 1 },
        { 200, """{"status":"success"}""", PrometheusOutcome.Malformed, 1 },
        { 200, """{"status":"error","errorType":"bad_data","error":"invalid parameter \"time\""}""", PrometheusOutcome.BadQuery, 1 },
        { 200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"twelve"]}]}}""", PrometheusOutcome.Malformed, 1 },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Each_answer_is_an_outcome_retried_only_when_transient(int status, string body, PrometheusOutcome outcome, int attempts)
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(status, body, status == 200 || body.StartsWith('{') ? "application/json" : "text/html");
        using var client = new PrometheusClient(Endpoint(server.Url));

        PrometheusAnswer answer = await client.QueryAsync("up", End, new CollectingSink(), CancellationToken.None);

        Assert.Equal(outcome, answer.Outcome);
        Assert.Equal(attempts, answer.Attempts);
        Assert.Equal(attempts, server.Requests.Count);
        Assert.False(string.IsNullOrWhiteSpace(answer.Describe()));
    }

    [Fact]
    public async Task A_transient_failure_then_an_answer_succeeds_after_the_retries()
    {
        int calls = 0;
        await using FaultyPrometheus server = await FaultyPrometheus.StartAsync(async (_, context) =>
        {
            if (Interlocked.Increment(ref calls) < 3)
            {
                context.Response.StatusCode = 503;
                return;
            }

            await context.Response.WriteAsync(FaultyPrometheus.Vector([("\"instance\":\"n1\"", "0.5")]));
        });
        using var client = new PrometheusClient(Endpoint(server.Url));
        var sink = new CollectingSink("instance");

        PrometheusAnswer answer = await client.QueryAsync("x", End, sink, CancellationToken.None);

        Assert.True(answer.IsSuccess, answer.Describe());
        Assert.Equal(3, answer.Attempts);
        Assert.Equal([("n1", 0.5)], sink.Values);
    }

    [Fact]
    public async Task An_unreachable_server_is_retried_and_reported()
    {
        using var client = new PrometheusClient(Endpoint(new Uri($"http://127.0.0.1:{ClosedPort()}/")));

        PrometheusAnswer answer = await client.QueryAsync("up", End, new CollectingSink(), CancellationToken.None);

        Assert.Equal(PrometheusOutcome.Unreachable, answer.Outcome);
        Assert.Equal(3, answer.Attempts);
        Assert.True(answer.StopsEverything);
        Assert.Contains("cannot reach", answer.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_server_times_out_without_retrying()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.StartAsync(async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { });
        });
        using var client = new PrometheusClient(Endpoint(server.Url) with { Timeout = TimeSpan.FromMilliseconds(300), TimeoutGrace = TimeSpan.FromMilliseconds(200) });

        PrometheusAnswer answer = await client.QueryAsync("up", End, new CollectingSink(), CancellationToken.None);

        Assert.Equal(PrometheusOutcome.Timeout, answer.Outcome);
        Assert.Equal(1, answer.Attempts);
        Assert.True(answer.Elapsed < TimeSpan.FromSeconds(5), $"took {answer.Elapsed}");
    }

    [Fact]
    public async Task Long_queries_go_as_a_POST_form_and_every_request_carries_the_token_headers_and_timeout()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(200, FaultyPrometheus.Vector([]));
        using var client = new PrometheusClient(Endpoint(server.Url) with
        {
            BearerToken = "s3cret",
            Headers = [new("X-Scope-OrgID", "team-a")],
            MaxGetLength = 200,
        });
        string shortQuery = "up";
        string longQuery = "sum(" + string.Join(" or ", Enumerable.Range(0, 40).Select(i => $"up{{job=\"j{i}\"}}")) + ")";

        Assert.True((await client.QueryAsync(shortQuery, End, new CollectingSink(), CancellationToken.None)).IsSuccess);
        Assert.True((await client.QueryAsync(longQuery, End, new CollectingSink(), CancellationToken.None)).IsSuccess);

        ReceivedRequest[] requests = [.. server.Requests];
        Assert.Equal(["GET", "POST"], requests.Select(r => r.Method));
        Assert.Equal([shortQuery, longQuery], requests.Select(r => r.Query));
        Assert.All(requests, r =>
        {
            Assert.Equal("/api/v1/query", r.Path);
            Assert.Equal("1795773600", r.Time); // 2026-11-27T10:00:00Z in Unix seconds
            Assert.Equal("Bearer s3cret", r.Headers["Authorization"]);
            Assert.Equal("team-a", r.Headers["X-Scope-OrgID"]);
            Assert.Contains("gzip", r.Headers["Accept-Encoding"], StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_path_prefix_in_the_URL_is_kept()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(200, FaultyPrometheus.Vector([]));
        using var client = new PrometheusClient(Endpoint(new Uri(server.Url, "prometheus")));

        Assert.True((await client.QueryAsync("up", End, new CollectingSink(), CancellationToken.None)).IsSuccess);
        Assert.Equal("/prometheus/api/v1/query", Assert.Single(server.Requests).Path);
    }

    [Fact]
    public async Task TLS_with_our_own_CA_is_trusted_only_when_configured_or_when_told_to_skip_verification()
    {
        using var certificates = new TestCertificates();
        await using FaultyPrometheus server = await FaultyPrometheus.StartAsync(
            (_, context) => context.Response.WriteAsync(FaultyPrometheus.Vector([])), certificates.Server);
        var endpoint = Endpoint(server.Url) with { MaxAttempts = 1 };

        using (var unknown = new PrometheusClient(endpoint))
        {
            PrometheusAnswer answer = await unknown.QueryAsync("up", End, new CollectingSink(), CancellationToken.None);
            Assert.Equal(PrometheusOutcome.Unreachable, answer.Outcome);
        }

        using (var trusted = new PrometheusClient(endpoint with { CaFile = certificates.CaFile }))
        {
            PrometheusAnswer answer = await trusted.QueryAsync("up", End, new CollectingSink(), CancellationToken.None);
            Assert.True(answer.IsSuccess, answer.Describe());
        }

        using (var insecure = new PrometheusClient(endpoint with { InsecureSkipVerify = true }))
        {
            Assert.True((await insecure.QueryAsync("up", End, new CollectingSink(), CancellationToken.None)).IsSuccess);
        }
    }

    [Fact]
    public void A_CA_file_that_cannot_be_used_is_a_configuration_error()
    {
        string empty = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<PrometheusConfigurationException>(() => new PrometheusClient(new PrometheusEndpoint { Url = new Uri("https://p/"), CaFile = empty }));
            Assert.Contains(empty, e.Message, StringComparison.Ordinal);
            e = Assert.Throws<PrometheusConfigurationException>(() => new PrometheusClient(new PrometheusEndpoint { Url = new Uri("https://p/"), CaFile = empty + ".missing" }));
            Assert.Contains("cannot read the CA bundle", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task NaN_and_infinite_values_are_left_out_of_the_history_with_a_warning()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(200, FaultyPrometheus.Vector(
        [
            (FaultyPrometheus.Container("shop", "web-1", "app"), "NaN"),
            (FaultyPrometheus.Container("shop", "web-2", "app"), "+Inf"),
            (FaultyPrometheus.Container("shop", "web-3", "app"), "-Inf"),
            (FaultyPrometheus.Container("shop", "web-4", "app"), "1.5e-03"),
        ]));
        using var client = new PrometheusClient(Endpoint(server.Url));

        UsageHistoryReadResult read = await new UsageHistoryReader(client, UsageHistorySettings.Default).ReadAsync(End, TimeSpan.FromDays(1), [], CancellationToken.None);

        UsageHistory history = read.History!;
        Assert.Equal(4, history.Count);
        Assert.Null(history.Cpu(history.IndexOf("shop", "web-1", "app")).P95);
        Assert.Null(history.Memory(history.IndexOf("shop", "web-2", "app")).Max);
        Assert.Null(history.Memory(history.IndexOf("shop", "web-3", "app")).P50);
        Assert.Equal(0.0015, history.Cpu(history.IndexOf("shop", "web-4", "app")).P95);
        Assert.Contains(read.Warnings, w => w.Contains("NaN or ±Inf", StringComparison.Ordinal) && w.Contains("cpu p95: 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_token_stops_the_read_after_the_first_query()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(401, "Unauthorized", "text/plain");
        using var client = new PrometheusClient(Endpoint(server.Url));

        UsageHistoryReadResult read = await new UsageHistoryReader(client, UsageHistorySettings.Default).ReadAsync(End, TimeSpan.FromDays(1), [], CancellationToken.None);

        Assert.Null(read.History);
        Assert.True(read.Stopped);
        Assert.Single(server.Requests);
        string warning = Assert.Single(read.Warnings);
        Assert.Contains("HTTP 401", warning, StringComparison.Ordinal);
        Assert.Contains("no usage history is used", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_answers_and_server_warnings_become_warnings()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(200, FaultyPrometheus.Vector(
            [(FaultyPrometheus.Container("shop", "web-1", "app"), "1")], extra: ",\"isPartial\":true,\"warnings\":[\"store eu-1 unavailable\"],\"infos\":[\"PromQL info: metric might not be a counter\"]"));
        using var client = new PrometheusClient(Endpoint(server.Url));

        UsageHistoryReadResult read = await new UsageHistoryReader(client, UsageHistorySettings.Default).ReadAsync(End, TimeSpan.FromDays(1), [], CancellationToken.None);

        Assert.Equal(1, read.History!.Count);
        Assert.Contains(read.Warnings, w => w.Contains("answered partially", StringComparison.Ordinal));
        Assert.Contains(read.Warnings, w => w.Contains("store eu-1 unavailable", StringComparison.Ordinal) && w.Contains("might not be a counter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_query_over_the_limit_is_split_by_namespace_until_it_fits_and_a_namespace_that_never_fits_is_named()
    {
        // Over the limit unless the query names at most one namespace; "big" never fits.
        await using FaultyPrometheus server = await FaultyPrometheus.StartAsync(async (request, context) =>
        {
            string query = request.Query ?? string.Empty;
            if (query.StartsWith("count by (namespace)", StringComparison.Ordinal))
            {
                await context.Response.WriteAsync(FaultyPrometheus.Vector(new[] { "a", "b", "big", "c" }.Select(ns => ($"\"namespace\":\"{ns}\"", "10"))));
                return;
            }

            string[] named = ["a", "b", "big", "c"];
            string? only = named.SingleOrDefault(ns => query.Contains($"namespace=~\"{ns}\"", StringComparison.Ordinal));
            if (only is null or "big")
            {
                context.Response.StatusCode = 422;
                await context.Response.WriteAsync("""{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory in query execution"}""");
                return;
            }

            await context.Response.WriteAsync(FaultyPrometheus.Vector([(FaultyPrometheus.Container(only, "p", "c"), "1")]));
        });
        using var client = new PrometheusClient(Endpoint(server.Url));

        UsageHistoryReadResult read = await new UsageHistoryReader(client, UsageHistorySettings.Default with { Client = new PrometheusClientSettings { MaxConcurrency = 1 } })
            .ReadAsync(End, TimeSpan.FromDays(1), ["a", "b"], CancellationToken.None);

        UsageHistory history = read.History!;
        Assert.Equal(["a", "b", "c"], Enumerable.Range(0, history.Count).Select(history.NamespaceOf));
        Assert.Equal(1, history.Cpu(0).P95);
        Assert.Contains(read.Warnings, w => w.Contains("namespace big", StringComparison.Ordinal) && w.Contains("cpu p95", StringComparison.Ordinal));
        Assert.Contains(read.Warnings, w => w.Contains("split into", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_history_query_answered_with_a_matrix_is_not_used()
    {
        await using FaultyPrometheus server = await FaultyPrometheus.AnsweringAsync(200,
            """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"namespace":"a","pod":"p","container":"c"},"values":[[1,"1"],[2,"2"]]}]}}""");
        using var client = new PrometheusClient(Endpoint(server.Url));

        UsageHistoryReadResult read = await new UsageHistoryReader(client, UsageHistorySettings.Default).ReadAsync(End, TimeSpan.FromDays(1), [], CancellationToken.None);

        Assert.Null(read.History);
        Assert.Contains(read.Warnings, w => w.Contains("returned a matrix, not a vector", StringComparison.Ordinal));
    }

    private static PrometheusEndpoint Endpoint(Uri url) => new()
    {
        Url = url,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        RetryMaxDelay = TimeSpan.FromMilliseconds(50),
        Timeout = TimeSpan.FromSeconds(10),
        TimeoutGrace = TimeSpan.FromSeconds(1),
    };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Collects (first wanted label, value) per series, and scalars.</summary>
internal sealed class CollectingSink(params string[] labels) : IPrometheusSeriesSink
{
    public IReadOnlyList<string> Labels { get; } = labels;

    public List<(string? Label, double Value)> Values { get; } = [];

    public List<(string?[] Labels, PrometheusSample[] Samples)> Series { get; } = [];

    public List<PrometheusSample> Scalars { get; } = [];

    public void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples)
    {
        Series.Add((labels.ToArray(), samples.ToArray()));
        if (samples.Length > 0)
        {
            Values.Add((labels.Length > 0 ? labels[0] : null, samples[^1].Value));
        }
    }

    public void OnScalar(PrometheusSample sample) => Scalars.Add(sample);
}
