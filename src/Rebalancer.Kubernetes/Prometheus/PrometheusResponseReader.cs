using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Rebalancer.Kubernetes.Snapshots;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>One sample: Unix seconds and the value (NaN and ±Inf are values Prometheus can return).</summary>
public readonly record struct PrometheusSample(double Timestamp, double Value);

/// <summary>
/// Receives the series of a response as they are read, so a cluster-wide answer is never held as an object graph.
/// <see cref="Labels"/> names the labels the sink wants; every other label is skipped without being decoded.
/// </summary>
public interface IPrometheusSeriesSink
{
    /// <summary>The label names to keep, in the order <see cref="OnSeries"/> passes their values.</summary>
    IReadOnlyList<string> Labels { get; }

    /// <summary>One series of a vector or matrix: the wanted labels' values (null when absent) and its samples.</summary>
    /// <remarks>Both spans are only valid during the call.</remarks>
    void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples);

    /// <summary>The single sample of a scalar or string result (a string's value is NaN unless it is a number).</summary>
    void OnScalar(PrometheusSample sample);
}

/// <summary>What a response body said besides its series.</summary>
internal sealed class PrometheusResponse
{
    public string? Status { get; set; }

    public string? ErrorType { get; set; }

    public string? Error { get; set; }

    public string? ResultType { get; set; }

    public List<string> Warnings { get; } = [];

    public List<string> Infos { get; } = [];

    /// <summary>VictoriaMetrics' <c>isPartial</c>: some storage nodes did not answer.</summary>
    public bool Partial { get; set; }

    public int Series { get; set; }

    public long Samples { get; set; }

    /// <summary>Samples whose value was NaN or ±Inf.</summary>
    public long NonFinite { get; set; }

    /// <summary>Native-histogram samples, which the usage queries never ask for: skipped.</summary>
    public long Histograms { get; set; }

    public bool HasData { get; set; }
}

/// <summary>The body is not a Prometheus API response (not JSON, cut short, or the wrong shape).</summary>
internal sealed class PrometheusFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads a Prometheus HTTP API v1 response (<c>/api/v1/query</c>, <c>/api/v1/query_range</c>) as it streams in:
/// the body is tokenized by <see cref="JsonTape"/> (a <see cref="Utf8JsonReader"/> on a second thread for large
/// bodies) and walked once; each series goes to the sink as soon as its object ends, and the tape's blocks are released
/// series by series, so memory stays a few blocks whatever the answer's size. Keys may come in any order (Prometheus,
/// Thanos Query, Mimir and VictoriaMetrics order them differently); <c>warnings</c>, <c>infos</c> and
/// VictoriaMetrics' <c>isPartial</c> are kept; sample values are strings (<c>"1.5"</c>, <c>"NaN"</c>, <c>"+Inf"</c>)
/// and numbers are accepted too.
/// </summary>
internal static class PrometheusResponseReader
{
    private const int BlockSize = 1 << 16;

    /// <summary>
    /// The tape's limits (16 MiB a token, 64 MiB held at once) apply per series here, since each series' blocks are
    /// released when it ends: a real answer stays far below them.
    /// </summary>
    private const string SizeHint = "a Prometheus series is a few labels and at most 11,000 samples";

    /// <summary>Values of a label kept as shared strings until this many distinct ones (namespaces, containers); pod names go past it.</summary>
    private const int InternLimit = 8192;

    public static PrometheusResponse Read(Stream body, IPrometheusSeriesSink sink)
    {
        using var tape = new JsonTape(body, BlockSize, SizeHint);
        try
        {
            tape.ReadHead();
            tape.Start();
            var state = new ReadState(sink);
            TapeReader r = tape.CreateReader();
            if (!r.Read())
            {
                throw new PrometheusFormatException("the response body is empty");
            }

            if (r.TokenType != JsonTokenType.StartObject)
            {
                throw new PrometheusFormatException("the response is not a JSON object");
            }

            ReadRoot(ref r, tape, state);
            return state.Response;
        }
        catch (JsonException e)
        {
            throw new PrometheusFormatException($"the response is not valid JSON: {e.Message}", e);
        }
        catch (JsonTape.TapeLimitException e)
        {
            throw new PrometheusFormatException(e.Message, e);
        }
    }

    private static void ReadRoot(ref TapeReader r, JsonTape tape, ReadState state)
    {
        PrometheusResponse response = state.Response;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("status"u8))
            {
                response.Status = ReadString(ref r);
            }
            else if (name.SequenceEqual("errorType"u8))
            {
                response.ErrorType = ReadString(ref r);
            }
            else if (name.SequenceEqual("error"u8))
            {
                response.Error = ReadString(ref r);
            }
            else if (name.SequenceEqual("warnings"u8))
            {
                ReadStrings(ref r, response.Warnings);
            }
            else if (name.SequenceEqual("infos"u8))
            {
                ReadStrings(ref r, response.Infos);
            }
            else if (name.SequenceEqual("isPartial"u8))
            {
                Next(ref r);
                response.Partial = r.TokenType == JsonTokenType.True;
            }
            else if (name.SequenceEqual("data"u8))
            {
                Next(ref r);
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    response.HasData = true;
                    ReadData(ref r, tape, state);
                }
                else if (r.TokenType != JsonTokenType.Null)
                {
                    throw new PrometheusFormatException("'data' is not an object");
                }
            }
            else
            {
                Skip(ref r);
            }
        }
    }

    private static void ReadData(ref TapeReader r, JsonTape tape, ReadState state)
    {
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("resultType"u8))
            {
                state.Response.ResultType = ReadString(ref r);
            }
            else if (name.SequenceEqual("result"u8))
            {
                Next(ref r);
                if (r.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (r.TokenType != JsonTokenType.StartArray)
                {
                    throw new PrometheusFormatException("'data.result' is not an array");
                }

                ReadResult(ref r, tape, state);
            }
            else
            {
                Skip(ref r); // stats, analysis…
            }
        }
    }

    private static void ReadResult(ref TapeReader r, JsonTape tape, ReadState state)
    {
        // A scalar or string result is the pair itself: [t, "v"]; a vector or matrix is a list of series objects.
        Next(ref r);
        if (r.TokenType is JsonTokenType.Number)
        {
            double timestamp = Number(ref r);
            Next(ref r);

            // A string result's value is text, not a number: it has no numeric value.
            double value = r.TokenType == JsonTokenType.String && !TryParseValue(r.ValueSpan, out double parsed) ? double.NaN : Value(ref r);
            Next(ref r);
            Expect(ref r, JsonTokenType.EndArray, "a scalar result has two elements");
            state.Response.Samples++;
            state.Sink.OnScalar(new PrometheusSample(timestamp, value));
            return;
        }

        while (r.TokenType != JsonTokenType.EndArray)
        {
            Expect(ref r, JsonTokenType.StartObject, "a result element is not a series object");
            ReadSeries(ref r, state);
            tape.Release(r);
            Next(ref r);
        }
    }

    private static void ReadSeries(ref TapeReader r, ReadState state)
    {
        state.BeginSeries();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("metric"u8))
            {
                Next(ref r);
                if (r.TokenType == JsonTokenType.StartObject)
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> label))
                    {
                        int wanted = state.IndexOf(label);
                        Next(ref r);
                        if (wanted >= 0 && r.TokenType == JsonTokenType.String)
                        {
                            state.SetLabel(wanted, ref r);
                        }
                        else
                        {
                            Skip(ref r);
                        }
                    }
                }
                else
                {
                    Skip(ref r);
                }
            }
            else if (name.SequenceEqual("value"u8))
            {
                Next(ref r);
                state.AddSample(ReadPair(ref r));
            }
            else if (name.SequenceEqual("values"u8))
            {
                Next(ref r);
                Expect(ref r, JsonTokenType.StartArray, "'values' is not an array");
                Next(ref r);
                while (r.TokenType != JsonTokenType.EndArray)
                {
                    state.AddSample(ReadPair(ref r));
                    Next(ref r);
                }
            }
            else if (name.SequenceEqual("histogram"u8) || name.SequenceEqual("histograms"u8))
            {
                state.Response.Histograms++;
                Skip(ref r);
            }
            else
            {
                Skip(ref r);
            }
        }

        state.EndSeries();
    }

    /// <summary>Reads <c>[timestamp, "value"]</c>; the reader is on its start.</summary>
    private static PrometheusSample ReadPair(ref TapeReader r)
    {
        Expect(ref r, JsonTokenType.StartArray, "a sample is not a [timestamp, value] pair");
        Next(ref r);
        double timestamp = Number(ref r);
        Next(ref r);
        double value = Value(ref r);
        Next(ref r);
        Expect(ref r, JsonTokenType.EndArray, "a sample has more than two elements");
        return new PrometheusSample(timestamp, value);
    }

    private static double Number(ref TapeReader r)
    {
        if (r.TokenType == JsonTokenType.Number && Utf8Parser.TryParse(r.ValueSpan, out double value, out int consumed) && consumed == r.ValueSpan.Length)
        {
            return value;
        }

        if (r.TokenType == JsonTokenType.String)
        {
            return ParseValue(r.ValueSpan);
        }

        throw new PrometheusFormatException("a sample's timestamp is not a number");
    }

    private static double Value(ref TapeReader r) => r.TokenType switch
    {
        JsonTokenType.String => ParseValue(r.ValueSpan),
        JsonTokenType.Number => Number(ref r),
        _ => throw new PrometheusFormatException("a sample's value is neither a string nor a number"),
    };

    /// <summary>Prometheus formats values with Go's strconv: decimal, exponent, <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    internal static double ParseValue(ReadOnlySpan<byte> text) =>
        TryParseValue(text, out double value) ? value : throw new PrometheusFormatException($"'{Encoding.UTF8.GetString(text)}' is not a sample value");

    internal static bool TryParseValue(ReadOnlySpan<byte> text, out double value)
    {
        if (Utf8Parser.TryParse(text, out value, out int consumed) && consumed == text.Length)
        {
            return true;
        }

        if (text.SequenceEqual("NaN"u8))
        {
            value = double.NaN;
            return true;
        }

        if (text.SequenceEqual("+Inf"u8) || text.SequenceEqual("Inf"u8) || text.SequenceEqual("+inf"u8) || text.SequenceEqual("inf"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (text.SequenceEqual("-Inf"u8) || text.SequenceEqual("-inf"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        return false;
    }

    private static string? ReadString(ref TapeReader r)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (r.TokenType != JsonTokenType.String)
        {
            Skip(ref r);
            return null;
        }

        return Decode(ref r);
    }

    private static void ReadStrings(ref TapeReader r, List<string> into)
    {
        Next(ref r);
        if (r.TokenType != JsonTokenType.StartArray)
        {
            Skip(ref r);
            return;
        }

        Next(ref r);
        while (r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType == JsonTokenType.String)
            {
                into.Add(Decode(ref r));
            }
            else
            {
                Skip(ref r);
            }

            Next(ref r);
        }
    }

    internal static string Decode(ref TapeReader r)
    {
        if (!r.ValueIsEscaped)
        {
            return Encoding.UTF8.GetString(r.ValueSpan);
        }

        byte[] buffer = new byte[r.ValueSpan.Length];
        int length = r.CopyString(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Moves to the next property of the current object; false at its end.</summary>
    private static bool NextProperty(ref TapeReader r, out ReadOnlySpan<byte> name)
    {
        Next(ref r);
        if (r.TokenType == JsonTokenType.EndObject)
        {
            name = default;
            return false;
        }

        if (r.TokenType != JsonTokenType.PropertyName)
        {
            throw new PrometheusFormatException("expected a property name");
        }

        name = r.ValueSpan;
        return true;
    }

    private static void Next(ref TapeReader r)
    {
        if (!r.Read())
        {
            throw new PrometheusFormatException("the response ended early (the connection was closed or the body cut short)");
        }
    }

    private static void Skip(ref TapeReader r)
    {
        if (!r.TrySkip())
        {
            throw new PrometheusFormatException("the response ended early (the connection was closed or the body cut short)");
        }
    }

    private static void Expect(ref TapeReader r, JsonTokenType type, string message)
    {
        if (r.TokenType != type)
        {
            throw new PrometheusFormatException(message);
        }
    }

    /// <summary>The series being read: wanted label values and samples, reused across series.</summary>
    private sealed class ReadState
    {
        private readonly byte[][] _wanted;
        private readonly string?[] _labels;
        private readonly Utf8Dictionary<string>?[] _interned;
        private readonly List<PrometheusSample> _samples = [];

        public ReadState(IPrometheusSeriesSink sink)
        {
            Sink = sink;
            _wanted = sink.Labels.Select(Encoding.UTF8.GetBytes).ToArray();
            _labels = new string?[_wanted.Length];
            _interned = new Utf8Dictionary<string>?[_wanted.Length];
            for (int i = 0; i < _interned.Length; i++)
            {
                _interned[i] = new Utf8Dictionary<string>();
            }
        }

        public IPrometheusSeriesSink Sink { get; }

        public PrometheusResponse Response { get; } = new();

        public int IndexOf(ReadOnlySpan<byte> label)
        {
            for (int i = 0; i < _wanted.Length; i++)
            {
                if (label.SequenceEqual(_wanted[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        public void SetLabel(int index, ref TapeReader r)
        {
            Utf8Dictionary<string>? interned = _interned[index];
            if (interned is null || r.ValueIsEscaped)
            {
                _labels[index] = Decode(ref r);
                return;
            }

            if (interned.TryGetValue(r.ValueSpan, out string? value))
            {
                _labels[index] = value;
                return;
            }

            value = Decode(ref r);
            if (interned.Count >= InternLimit)
            {
                _interned[index] = null; // a label with this many values (pod names) does not repeat: stop interning it
            }
            else
            {
                interned.Set(r.ValueSpan, value);
            }

            _labels[index] = value;
        }

        public void BeginSeries()
        {
            Array.Clear(_labels);
            _samples.Clear();
        }

        public void AddSample(PrometheusSample sample)
        {
            _samples.Add(sample);
            if (!double.IsFinite(sample.Value))
            {
                Response.NonFinite++;
            }
        }

        public void EndSeries()
        {
            Response.Series++;
            Response.Samples += _samples.Count;
            Sink.OnSeries(_labels, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_samples));
        }
    }
}
