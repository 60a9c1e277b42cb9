using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Prometheus;
using Rebalancer.Testing.Prometheus;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>The client against the real Prometheus of the fixture: instant and range queries, GET and POST, errors it really sends.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class PrometheusClientRealTests(PrometheusFixture prometheus)
{
    [PrometheusFact]
    public async Task An_instant_query_returns_one_sample_per_node_at_the_given_time()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        var sink = new CollectingSink("instance");

        PrometheusAnswer answer = await client.QueryAsync(HistoryDatasetOptions.NodeMetric, DemoHistory.End, sink, CancellationToken.None);

        Assert.True(answer.IsSuccess, answer.Describe());
        Assert.Equal("vector", answer.ResultType);
        IReadOnlyList<HistoryNode> nodes = DemoHistory.Nodes(prometheus.Snapshot);
        Assert.Equal(nodes.Count, answer.Series);
        Assert.Equal(nodes.ToDictionary(n => n.Name, n => n.Ratio), sink.Values.ToDictionary(v => v.Label!, v => v.Value));
        Assert.All(sink.Series, s => Assert.Equal(DemoHistory.End.ToUnixTimeSeconds(), s.Samples.Single().Timestamp));
    }

    [PrometheusFact]
    public async Task A_range_query_returns_a_matrix_with_one_sample_per_step()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        var sink = new CollectingSink("instance");

        PrometheusAnswer answer = await client.QueryRangeAsync(
            $"max({HistoryDatasetOptions.NodeMetric})", DemoHistory.End - TimeSpan.FromHours(1), DemoHistory.End, TimeSpan.FromMinutes(5), sink, CancellationToken.None);

        Assert.True(answer.IsSuccess, answer.Describe());
        Assert.Equal("matrix", answer.ResultType);
        Assert.Equal(13, Assert.Single(sink.Series).Samples.Length);
    }

    [PrometheusFact]
    public async Task A_long_query_is_posted_as_a_form_and_answered()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url, MaxGetLength = 100 });
        string query = string.Join(" or ", DemoHistory.Nodes(prometheus.Snapshot).Select(n => $"{HistoryDatasetOptions.NodeMetric}{{instance=\"{n.Name}\"}}"));
        var sink = new CollectingSink("instance");

        PrometheusAnswer answer = await client.QueryAsync(query, DemoHistory.End, sink, CancellationToken.None);

        Assert.True(query.Length > 2000);
        Assert.True(answer.IsSuccess, answer.Describe());
        Assert.Equal(prometheus.Snapshot.Nodes.Count, sink.Values.Count);
    }

    [PrometheusFact]
    public async Task A_scalar_and_a_PromQL_error_come_back_as_Prometheus_sends_them()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        var sink = new CollectingSink();

        PrometheusAnswer scalar = await client.QueryAsync($"scalar(count({HistoryDatasetOptions.NodeMetric}))", DemoHistory.End, sink, CancellationToken.None);
        Assert.Equal("scalar", scalar.ResultType);
        Assert.Equal(prometheus.Snapshot.Nodes.Count, sink.Scalars.Single().Value);

        PrometheusAnswer error = await client.QueryAsync("sum(", DemoHistory.End, sink, CancellationToken.None);
        Assert.Equal(PrometheusOutcome.BadQuery, error.Outcome);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("bad_data", error.ErrorType);
        Assert.Contains("parse error", error.Describe(), StringComparison.Ordinal);
    }

    [PrometheusFact]
    public async Task The_usage_reader_answers_node_queries_and_reads_the_history_in_one_go()
    {
        using var client = new PrometheusClient(new PrometheusEndpoint { Url = prometheus.Url });
        var request = new PrometheusReadRequest
        {
            End = DemoHistory.End,
            HistoryWindow = TimeSpan.FromHours(6),
            NodeQueries = [HistoryDatasetOptions.NodeMetric, "sum("],
        };

        PrometheusReadResult result = await PrometheusUsageReader.ReadAsync(client, UsageHistorySettings.Default, request, CancellationToken.None);

        NodeMetricQueryResult nodes = result.Inputs.NodeMetrics[HistoryDatasetOptions.NodeMetric];
        Assert.Null(nodes.Error);
        Assert.Equal("vector", nodes.ResultType);
        Assert.Equal(prometheus.Snapshot.Nodes.Count, nodes.Samples.Count);
        Assert.Contains("bad_data", result.Inputs.NodeMetrics["sum("].Error, StringComparison.Ordinal);
        Assert.True(result.Inputs.History!.Count > 300);
        Assert.Equal(prometheus.Url.GetLeftPart(UriPartial.Authority), result.Inputs.Source);
    }
}
