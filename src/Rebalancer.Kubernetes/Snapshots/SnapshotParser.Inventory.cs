using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Snapshots.Inventory;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// The inventory kinds (Deployments… ResourceQuotas). They are few per cluster, so instead of growing the hand-written
/// parser they go through KubernetesClient's models (<see cref="InventoryReader"/>). The tape has already tokenized and
/// validated the object; its tokens are written back out as JSON, keeping only the fields the inventory reads
/// (<see cref="InventoryFields"/>: a pod template's env, probes and volumes are most of a Deployment), into one reused
/// buffer that the model deserializer reads. Pods and Nodes never come here: <see cref="ParseObject"/> reaches this only
/// for kinds it does not parse itself.
/// </summary>
internal sealed partial class SnapshotParser
{
    private static readonly JsonWriterOptions ProjectionOptions = new()
    {
        // Strings are re-escaped only where JSON needs it; the deserializer reads them back to the same text.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly Utf8Dictionary<string> _segments = new();
    private readonly List<ulong> _propertyHashes = [];
    private InventoryReader? _inventory;
    private ArrayBufferWriter<byte>? _projection;
    private Utf8JsonWriter? _projectionWriter;

    /// <summary>Reads an object of an inventory kind into the builder; false for any other kind (left unread).</summary>
    private bool TryParseInventoryObject(ref TapeReader r, string kind)
    {
        if (!InventoryReader.IsInventoryKind(kind, out _))
        {
            return false;
        }

        _inventory ??= new InventoryReader(_builder);
        _projection ??= new ArrayBufferWriter<byte>(1 << 14);
        _projection.ResetWrittenCount();
        if (_projectionWriter is null)
        {
            _projectionWriter = new Utf8JsonWriter(_projection, ProjectionOptions);
        }
        else
        {
            _projectionWriter.Reset(_projection);
        }

        Project(ref r, InventoryFields.Of(kind, retiredRevision: kind == "ReplicaSet" && IsRetiredRevision(r)), _projectionWriter);
        _projectionWriter.Flush();
        try
        {
            _inventory.Read(kind, _projection.WrittenSpan);
        }
        catch (InventoryValueException e)
        {
            throw new SnapshotFormatException(_source, Below(e.FieldPath), e.Problem, e.Value, e.InnerException ?? e);
        }
        catch (SnapshotValueException e)
        {
            // The builder's value rules (InventoryRules): its field is the Kubernetes path below the object.
            throw new SnapshotFormatException(_source, Below(e.Field), e.Problem, e.Value, e);
        }

        return true;
    }

    /// <summary>The path of <paramref name="field"/> (dotted, with brackets) below the current object.</summary>
    private string Below(string field)
    {
        string at = _path.ToString();
        return field.Length == 0 ? at
            : at == "$" ? field
            : field[0] == '[' ? at + field : at + "." + field;
    }

    /// <summary>
    /// Whether the ReplicaSet starting at <paramref name="probe"/> (a copy: the caller's reader does not move) is an old
    /// revision of its owner: it has an owner reference and <c>spec.replicas</c> is 0 (<see cref="InventoryFields"/>). The
    /// probe compares raw tokens and reports no error: what it does not recognise (an escaped name, a truncated object)
    /// keeps the template, and the projection that follows reports any error at its path.
    /// </summary>
    private static bool IsRetiredRevision(TapeReader probe)
    {
        bool owned = false;
        bool scaledToZero = false;
        while (!(owned && scaledToZero))
        {
            if (!probe.Read() || probe.TokenType != JsonTokenType.PropertyName)
            {
                return false;
            }

            // Each part is looked into on a copy; the probe then skips the part only if it must look further.
            TapeReader part = probe;
            if (probe.ValueSpan.SequenceEqual("metadata"u8))
            {
                owned = ValueOf(ref part, "ownerReferences"u8) == JsonTokenType.StartArray && part.Read() && part.TokenType != JsonTokenType.EndArray;
                if (!owned)
                {
                    return false;
                }
            }
            else if (probe.ValueSpan.SequenceEqual("spec"u8))
            {
                scaledToZero = ValueOf(ref part, "replicas"u8) == JsonTokenType.Number && part.TryGetInt32(out int replicas) && replicas == 0;
                if (!scaledToZero)
                {
                    return false;
                }
            }

            if (!(owned && scaledToZero) && !probe.TrySkip())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// From a property name whose value should be an object, moves to the value of that object's property
    /// <paramref name="name"/> and returns its token type; <see cref="JsonTokenType.None"/> when the value is not an
    /// object or has no such property.
    /// </summary>
    private static JsonTokenType ValueOf(ref TapeReader probe, ReadOnlySpan<byte> name)
    {
        if (!probe.Read() || probe.TokenType != JsonTokenType.StartObject)
        {
            return JsonTokenType.None;
        }

        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
        {
            if (probe.ValueSpan.SequenceEqual(name))
            {
                return probe.Read() ? probe.TokenType : JsonTokenType.None;
            }

            if (!probe.TrySkip())
            {
                break;
            }
        }

        return JsonTokenType.None;
    }

    /// <summary>Writes the object starting at the current token, keeping the properties <paramref name="fields"/> names.</summary>
    private void Project(ref TapeReader r, FieldTree fields, Utf8JsonWriter w)
    {
        w.WriteStartObject();
        int first = _propertyHashes.Count;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (!fields.TryGetChild(name, out FieldTree child))
            {
                Skip(ref r);
                continue;
            }

            string segment = PathSegment(name);
            _path.Push(segment);
            NotSeenBefore(name, first);
            WriteUtf8(w, name, propertyName: true);
            Next(ref r);
            ProjectValue(ref r, child, w);
            _path.Pop();
        }

        _propertyHashes.RemoveRange(first, _propertyHashes.Count - first);
        w.WriteEndObject();
    }

    /// <summary>
    /// A property kept twice in one object is an error (the deserializer would keep the last value without a word). The
    /// names of the object being written are remembered as 64-bit hashes from <paramref name="first"/> on; objects
    /// have few properties, so a linear scan is cheaper than the serializer's own duplicate check, which doubled the
    /// time to deserialize a Deployment in a one-off measurement.
    /// </summary>
    private void NotSeenBefore(ReadOnlySpan<byte> name, int first)
    {
        // FNV-1a: names are short, and a plain loop is fast from its first call (no vector paths waiting for tier 1).
        ulong hash = 14_695_981_039_346_656_037;
        foreach (byte b in name)
        {
            hash = (hash ^ b) * 1_099_511_628_211;
        }

        for (int i = first; i < _propertyHashes.Count; i++)
        {
            if (_propertyHashes[i] == hash)
            {
                throw Error("a property that appears twice in one object");
            }
        }

        _propertyHashes.Add(hash);
    }

    /// <summary>Writes the value at the current token: objects through their tree, array elements each through it, scalars as they are.</summary>
    private void ProjectValue(ref TapeReader r, FieldTree fields, Utf8JsonWriter w)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                Project(ref r, fields, w);
                break;
            case JsonTokenType.StartArray:
                w.WriteStartArray();
                for (int i = 0; NextElement(ref r); i++)
                {
                    _path.PushIndex(i);
                    ProjectValue(ref r, fields, w);
                    _path.Pop();
                }

                w.WriteEndArray();
                break;
            case JsonTokenType.String:
                WriteUtf8(w, Utf8Value(ref r), propertyName: false);
                break;
            case JsonTokenType.Number:
                w.WriteRawValue(r.ValueSpan, skipInputValidation: true);
                break;
            case JsonTokenType.True or JsonTokenType.False:
                w.WriteBooleanValue(r.TokenType == JsonTokenType.True);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    /// <summary>
    /// Writes a string or property name; text that is not valid UTF-8 is an error here (the tokenizer does not check
    /// string contents, and the writer would replace the bad bytes without a word).
    /// </summary>
    private void WriteUtf8(Utf8JsonWriter w, ReadOnlySpan<byte> utf8, bool propertyName)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            throw Error("text that is not valid UTF-8");
        }

        if (propertyName)
        {
            w.WritePropertyName(utf8);
        }
        else
        {
            w.WriteStringValue(utf8);
        }
    }

    /// <summary>
    /// The path segment of a property name, decoded once: the names of these objects (field names, label and annotation
    /// keys) repeat from object to object. The cache is bounded; past it, names are decoded each time.
    /// </summary>
    private string PathSegment(ReadOnlySpan<byte> name)
    {
        if (!_segments.TryGetValue(name, out string? segment))
        {
            segment = System.Text.Encoding.UTF8.GetString(name);
            if (_segments.Count < 16_384)
            {
                _segments.Set(name, segment);
            }
        }

        return segment;
    }

    /// <summary>A typed list of an inventory kind (<c>DeploymentList</c>) says the kind was read, even when it has no items.</summary>
    private void NoteListKind(string? itemKind)
    {
        if (itemKind is not null && InventoryReader.IsInventoryKind(itemKind, out InventoryKinds flag))
        {
            _builder.Inventory.MarkRead(flag);
        }
    }
}
