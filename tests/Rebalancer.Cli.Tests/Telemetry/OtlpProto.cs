using System.Buffers.Binary;
using System.Text;

namespace Rebalancer.Cli.Tests.Telemetry;

/// <summary>
/// Decodes the fields the tests assert from OTLP protobuf payloads (opentelemetry-proto, trace/v1 and metrics/v1):
/// a hand-written reader of the protobuf wire format, since the OTLP exporter keeps its generated types internal.
/// Unknown fields are skipped, as protobuf requires.
/// </summary>
internal static class OtlpProto
{
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, object> Attributes, IReadOnlyList<string> LinkedSpanIds, int StatusCode);

    /// <summary>ExportTraceServiceRequest → resource_spans(1) → scope_spans(2) → spans(2); resource attributes by key.</summary>
    public static (List<Span> Spans, Dictionary<string, object> Resource) DecodeTraces(byte[] body)
    {
        var spans = new List<Span>();
        var resource = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (field, resourceSpans) in Fields(body))
        {
            if (field != 1)
            {
                continue;
            }

            foreach (var (f, value) in Fields(Bytes(resourceSpans)))
            {
                if (f == 1)
                {
                    // Resource: attributes(1)
                    foreach (var (rf, attribute) in Fields(Bytes(value)))
                    {
                        if (rf == 1)
                        {
                            (string key, object v) = KeyValue(Bytes(attribute));
                            resource[key] = v;
                        }
                    }
                }
                else if (f == 2)
                {
                    foreach (var (sf, span) in Fields(Bytes(value)))
                    {
                        if (sf == 2)
                        {
                            spans.Add(DecodeSpan(Bytes(span)));
                        }
                    }
                }
            }
        }

        return (spans, resource);
    }

    /// <summary>ExportMetricsServiceRequest → resource_metrics(1) → scope_metrics(2) → metrics(2) → name(1).</summary>
    public static List<string> DecodeMetricNames(byte[] body)
    {
        var names = new List<string>();
        foreach (var (field, resourceMetrics) in Fields(body))
        {
            if (field != 1)
            {
                continue;
            }

            foreach (var (f, scopeMetrics) in Fields(Bytes(resourceMetrics)))
            {
                if (f != 2)
                {
                    continue;
                }

                foreach (var (mf, metric) in Fields(Bytes(scopeMetrics)))
                {
                    if (mf == 2)
                    {
                        names.AddRange(Fields(Bytes(metric)).Where(p => p.Field == 1).Select(p => Encoding.UTF8.GetString(Bytes(p.Value))));
                    }
                }
            }
        }

        return names;
    }

    // Span: trace_id(1) span_id(2) parent_span_id(4) name(5) attributes(9) links(13: trace_id 1, span_id 2) status(15: code 3).
    private static Span DecodeSpan(byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        var links = new List<string>();
        int status = 0;
        foreach (var (field, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(Bytes(value)); break;
                case 2: spanId = Convert.ToHexStringLower(Bytes(value)); break;
                case 4: parent = Convert.ToHexStringLower(Bytes(value)); break;
                case 5: name = Encoding.UTF8.GetString(Bytes(value)); break;
                case 9:
                    (string key, object v) = KeyValue(Bytes(value));
                    attributes[key] = v;
                    break;
                case 13:
                    links.AddRange(Fields(Bytes(value)).Where(p => p.Field == 2).Select(p => Convert.ToHexStringLower(Bytes(p.Value))));
                    break;
                case 15:
                    status = (int)Fields(Bytes(value)).Where(p => p.Field == 3).Select(p => (ulong)p.Value).FirstOrDefault();
                    break;
            }
        }

        return new Span(traceId, spanId, parent, name, attributes, links, status);
    }

    // KeyValue: key(1) value(2: AnyValue string 1, bool 2, int 3, double 4 (fixed64), array 5).
    private static (string Key, object Value) KeyValue(byte[] keyValue)
    {
        string key = "";
        object value = "";
        foreach (var (field, content) in Fields(keyValue))
        {
            if (field == 1)
            {
                key = Encoding.UTF8.GetString(Bytes(content));
            }
            else if (field == 2)
            {
                foreach (var (kind, v) in Fields(Bytes(content)))
                {
                    value = kind switch
                    {
                        1 => Encoding.UTF8.GetString(Bytes(v)),
                        2 => (ulong)v != 0,
                        3 => (long)(ulong)v,
                        4 => BitConverter.UInt64BitsToDouble((ulong)v),
                        _ => v,
                    };
                }
            }
        }

        return (key, value);
    }

    private static byte[] Bytes(object value) => (byte[])value;

    /// <summary>The fields of one message: varints and fixed64 as ulong, fixed32 as uint, length-delimited as byte[].</summary>
    private static List<(int Field, object Value)> Fields(byte[] message)
    {
        var fields = new List<(int, object)>();
        int position = 0;
        while (position < message.Length)
        {
            ulong tag = Varint(message, ref position);
            int field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    fields.Add((field, Varint(message, ref position)));
                    break;
                case 1:
                    fields.Add((field, BinaryPrimitives.ReadUInt64LittleEndian(message.AsSpan(position, 8))));
                    position += 8;
                    break;
                case 2:
                    int length = (int)Varint(message, ref position);
                    fields.Add((field, message.AsSpan(position, length).ToArray()));
                    position += length;
                    break;
                case 5:
                    fields.Add((field, BinaryPrimitives.ReadUInt32LittleEndian(message.AsSpan(position, 4))));
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"unsupported wire type {tag & 7} at byte {position}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = message[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }
}
