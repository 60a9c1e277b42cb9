using System.Text;
using Rebalancer.Kubernetes.Prometheus;

namespace Rebalancer.Kubernetes.Tests.Prometheus;

/// <summary>
/// The streaming reader against the response shapes of Prometheus, Thanos Query, Mimir and VictoriaMetrics: key order,
/// value spelling, result types, extra fields. These are bodies, not HTTP: the transport is tested against real servers.
/// </summary>
public sealed class PrometheusResponseReaderTests
{
    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"n1","job":"node"},"value":[1795773600.123,"0.25"]}]}}""")]
    [InlineData("""{"data":{"result":[{"value":[1795773600.123,"0.25"],"metric":{"job":"node","instance":"n1"}}],"resultType":"vector"},"status":"success"}""")]
    [InlineData("""{"status":"success","isPartial":false,"data":{"resultType":"vector","result":[{"metric":{"instance":"n1"},"value":[1795773600.123,"0.25"]}]},"stats":{"seriesFetched":"1","executionTimeMsec":0}}""")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"instance":"n1"},"value":[1795773600.123,"2.5e-01"]}],"stats":{"timings":{"evalTotalTime":0.01}}},"warnings":[]}""")]
    [InlineData("""  {"status" : "success", "data" : {"resultType" : "vector", "result" : [ {"metric" : {"instance" : "n\u0031"}, "value" : [ 1795773600.123 , "0.25" ] } ] } }  """)]
    public void Shapes_of_every_server_read_the_same(string body)
    {
        var sink = new CollectingSink("instance");
        PrometheusResponse response = Read(body, sink);

        Assert.Equal("success", response.Status);
        Assert.Equal("vector", response.ResultType);
        Assert.Equal(1, response.Series);
        (string?[] labels, PrometheusSample[] samples) = Assert.Single(sink.Series);
        Assert.Equal("n1", Assert.Single(labels));
        Assert.Equal([new PrometheusSample(1795773600.123, 0.25)], samples);
    }

    [Theory]
    [InlineData("NaN", double.NaN)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("1e+06", 1e6)]
    [InlineData("-0.5", -0.5)]
    [InlineData("17", 17.0)]
    public void Values_are_strings_in_Go_formatting(string text, double expected)
    {
        var sink = new CollectingSink();
        PrometheusResponse response = Read("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"" + text + "\"]}]}}", sink);

        Assert.Equal(expected, sink.Values.Single().Value);
        Assert.Equal(double.IsFinite(expected) ? 0 : 1, response.NonFinite);
    }

    [Fact]
    public void A_matrix_delivers_every_series_with_its_samples_in_order()
    {
        var sink = new CollectingSink("pod");
        PrometheusResponse response = Read(
            """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"pod":"a"},"values":[[1,"1"],[2,"2"],[3,"3"]]},{"metric":{"pod":"b"},"values":[]}]}}""", sink);

        Assert.Equal("matrix", response.ResultType);
        Assert.Equal(2, response.Series);
        Assert.Equal(3, response.Samples);
        Assert.Equal([1.0, 2.0, 3.0], sink.Series[0].Samples.Select(s => s.Value));
        Assert.Empty(sink.Series[1].Samples);
    }

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"scalar","result":[1795773600,"42"]}}""", "scalar", 42.0)]
    [InlineData("""{"status":"success","data":{"resultType":"string","result":[1795773600,"hello"]}}""", "string", double.NaN)]
    public void Scalar_and_string_results_are_one_sample(string body, string type, double value)
    {
        var sink = new CollectingSink();
        PrometheusResponse response = Read(body, sink);

        Assert.Equal(type, response.ResultType);
        Assert.Equal(value, Assert.Single(sink.Scalars).Value);
        Assert.Empty(sink.Series);
    }

    [Fact]
    public void Warnings_infos_partial_errors_and_native_histograms_are_kept()
    {
        var sink = new CollectingSink();
        PrometheusResponse response = Read(
            """{"status":"success","isPartial":true,"warnings":["w1","w2"],"infos":["i1"],"data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{"count":"3","sum":"1"}]}]}}""", sink);

        Assert.True(response.Partial);
        Assert.Equal(["w1", "w2"], response.Warnings);
        Assert.Equal(["i1"], response.Infos);
        Assert.Equal(1, response.Histograms);

        PrometheusResponse error = Read("""{"status":"error","errorType":"bad_data","error":"parse error at char 3"}""", sink);
        Assert.Equal(("error", "bad_data", "parse error at char 3"), (error.Status, error.ErrorType, error.Error));
    }

    [Fact]
    public void Only_wanted_labels_are_decoded_and_escapes_are_honoured()
    {
        var sink = new CollectingSink("namespace", "pod", "missing");
        Read("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x","pod":"we\"b","namespace":"shop","other":{"nested":[1,2]}},"value":[1,"1"]}]}}""", sink);

        string?[] labels = Assert.Single(sink.Series).Labels;
        Assert.Equal(("shop", "we\"b", (string?)null), (labels[0], labels[1], labels[2]));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}""", "ended early")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1]}]}}""", "sample")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":{}}}""", "not an array")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]},]}}""", "valid JSON")]
    public void A_body_that_is_not_an_API_response_is_a_format_error(string body, string message)
    {
        var e = Assert.Throws<PrometheusFormatException>(() => Read(body, new CollectingSink()));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_answer_streams_series_by_series()
    {
        // ~20 MB: many blocks of the tape; every series arrives and the counts add up.
        var body = new StringBuilder("""{"status":"success","data":{"resultType":"vector","result":[""");
        const int Series = 150_000;
        for (int i = 0; i < Series; i++)
        {
            body.Append(i == 0 ? "" : ",")
                .Append("{\"metric\":{\"namespace\":\"ns").Append(i % 50)
                .Append("\",\"pod\":\"pod-").Append(i)
                .Append("\",\"container\":\"app\"},\"value\":[1795773600,\"0.").Append(i % 1000).Append("\"]}");
        }

        body.Append("]}}");
        var sink = new CountingSink();
        PrometheusResponse response = PrometheusResponseReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body.ToString())), sink);

        Assert.Equal(Series, response.Series);
        Assert.Equal(Series, sink.Count);
        Assert.Equal(50, sink.Namespaces.Count);
    }

    private static PrometheusResponse Read(string body, IPrometheusSeriesSink sink) =>
        PrometheusResponseReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(body)), sink);

    private sealed class CountingSink : IPrometheusSeriesSink
    {
        public IReadOnlyList<string> Labels { get; } = ["namespace", "pod", "container"];

        public int Count { get; private set; }

        public HashSet<string> Namespaces { get; } = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);

        public void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples)
        {
            Count++;
            Namespaces.Add(labels[0]!); // by reference: repeated namespaces arrive as one shared string
        }

        public void OnScalar(PrometheusSample sample)
        {
        }
    }
}
