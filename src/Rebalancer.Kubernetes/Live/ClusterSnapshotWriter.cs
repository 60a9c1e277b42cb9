using System.Text.Json;

namespace Rebalancer.Kubernetes.Live;

/// <summary>What <see cref="ClusterSnapshotWriter.WriteAsync"/> wrote.</summary>
public sealed record SnapshotWriteResult(IReadOnlyDictionary<string, long> ObjectsByResource, bool MetricsAvailable, IReadOnlyList<string> Warnings, long Bytes, int Restarts);

/// <summary>
/// Writes a live cluster as a snapshot file that <c>rebalancer plan --snapshot</c> and kubectl read: one
/// <c>v1 List</c> of nodes, namespaces, PriorityClasses, PodDisruptionBudgets, the inventory kinds (PersistentVolumeClaims…
/// ReplicaSets, as <see cref="ClusterReader"/> lists them) and pods (each item with its
/// <c>apiVersion</c> and <c>kind</c>, which API list items lack), then a <c>NodeMetricsList</c> and a
/// <c>PodMetricsList</c> document when the metrics API exists. Items are copied byte for byte from the API's pages
/// with a <see cref="Utf8JsonWriter"/>; one page is held at a time, never the cluster.
/// </summary>
public sealed class ClusterSnapshotWriter
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 512 };

    private readonly ClusterReaderOptions _options;
    private readonly IProgress<ReadProgress>? _progress;
    private readonly PageFetcher _fetcher;

    public ClusterSnapshotWriter(KubernetesConnection connection, ClusterReaderOptions? options = null, IProgress<ReadProgress>? progress = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _options = options ?? new ClusterReaderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PageSize, 1);
        _progress = progress;
        _fetcher = new PageFetcher(connection, _options, timeProvider ?? TimeProvider.System);
    }

    /// <summary>
    /// Writes the snapshot to <paramref name="output"/>. When a continue token expires (410) the output is truncated and
    /// everything is written again, once per list; that needs a seekable stream (a file), otherwise the 410 fails.
    /// </summary>
    /// <exception cref="ClusterReadException">A list failed.</exception>
    public async Task<SnapshotWriteResult> WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var restarted = new HashSet<string>(StringComparer.Ordinal);
        var notes = new List<string>();
        long start = output.CanSeek ? output.Position : 0;
        while (true)
        {
            var state = new WriteState();
            try
            {
                await WriteOnceAsync(output, state, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return new SnapshotWriteResult(state.Objects, state.MetricsAvailable, [.. notes, .. state.Warnings], (output.CanSeek ? output.Position : 0) - start, notes.Count);
            }
            catch (ClusterReadException e) when (e.Expired && output.CanSeek)
            {
                if (!restarted.Add(e.Resource))
                {
                    throw new ClusterReadException(e.Resource, e.Page, e.ContinueToken, e.StatusCode,
                        e.Detail + " — the continue token expired again after the snapshot was restarted from scratch", expired: true, e);
                }

                notes.Add($"{e.Resource}: the continue token of page {e.Page} expired (HTTP 410); the snapshot was written again from scratch");
                output.SetLength(start);
                output.Position = start;
            }
        }
    }

    private async Task WriteOnceAsync(Stream output, WriteState state, CancellationToken cancellationToken)
    {
        await using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", "v1");
            writer.WriteString("kind", "List");
            writer.WriteStartObject("metadata");
            writer.WriteString("resourceVersion", string.Empty);
            writer.WriteEndObject();
            writer.WriteStartArray("items");
            foreach (ApiResource resource in ApiResource.Core(_options.IncludePersistentVolumeClaims))
            {
                bool present;
                try
                {
                    present = await CopyListAsync(resource, writer, state, cancellationToken).ConfigureAwait(false);
                }
                catch (ClusterReadException e) when (resource.Inventory && e.IsForbiddenFirstPage)
                {
                    // Nothing of the list was written: its first page failed before any item was copied.
                    state.Warnings.Add(resource.Forbidden);
                    continue;
                }

                if (!present)
                {
                    state.Warnings.Add(resource.NotServed);
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
        await WriteEmptyInventoryListsAsync(output, state, cancellationToken).ConfigureAwait(false);
        if (_options.Metrics == MetricsRequirement.Skip)
        {
            return;
        }

        // Each metrics list is fetched before anything is written, so an absent API leaves no half document.
        foreach ((ApiResource resource, string listKind) in new[] { (ApiResource.NodeMetrics, "NodeMetricsList"), (ApiResource.PodMetrics, "PodMetricsList") })
        {
            List<byte[]>? pages;
            try
            {
                pages = await FetchWholeListAsync(resource, cancellationToken).ConfigureAwait(false);
            }
            catch (ClusterReadException e) when (!e.Expired && _options.Metrics != MetricsRequirement.Required)
            {
                state.Warnings.Add($"the metrics API (metrics.k8s.io/v1beta1) failed: {e.Message}; the snapshot has no metrics");
                return;
            }

            if (pages is null)
            {
                if (_options.Metrics == MetricsRequirement.Required)
                {
                    throw new ClusterReadException($"the metrics API (metrics.k8s.io/v1beta1) is not available (HTTP 404); {_options.MetricsRequiredBy ?? "metrics were required"}");
                }

                state.Warnings.Add("the metrics API (metrics.k8s.io/v1beta1) is not available (HTTP 404: is metrics-server installed?); the snapshot has no metrics");
                return;
            }

            await using (var writer = new Utf8JsonWriter(output))
            {
                writer.WriteStartObject();
                writer.WriteString("apiVersion", resource.ApiVersion);
                writer.WriteString("kind", listKind);
                writer.WriteStartObject("metadata");
                writer.WriteEndObject();
                writer.WriteStartArray("items");
                long count = 0;
                foreach (byte[] page in pages)
                {
                    count += CopyItems(page, resource, writer, out _);
                }

                state.Objects[resource.Name] = count;
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            output.WriteByte((byte)'\n');
        }

        state.MetricsAvailable = true;
    }

    /// <summary>
    /// An inventory kind that was listed but has no objects leaves no trace in a v1 List; an empty typed list of it
    /// (<c>{"kind":"JobList","items":[]}</c>, which kubectl reads too) records that it was read, so the snapshot file
    /// tells "no Jobs" from "Jobs not read" as the live read does.
    /// </summary>
    private static async Task WriteEmptyInventoryListsAsync(Stream output, WriteState state, CancellationToken cancellationToken)
    {
        foreach (ApiResource resource in ApiResource.Core(requirePersistentVolumeClaims: false).Where(r => r.Inventory))
        {
            if (state.Objects.TryGetValue(resource.Name, out long count) && count == 0)
            {
                await using var writer = new Utf8JsonWriter(output);
                writer.WriteStartObject();
                writer.WriteString("apiVersion", resource.ApiVersion);
                writer.WriteString("kind", resource.Kind + "List");
                writer.WriteStartObject("metadata");
                writer.WriteString("resourceVersion", string.Empty);
                writer.WriteEndObject();
                writer.WriteStartArray("items");
                writer.WriteEndArray();
                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.WriteByte((byte)'\n');
            }
        }
    }

    /// <summary>Copies every page of a list into the open <c>items</c> array; false when the resource is absent.</summary>
    private async Task<bool> CopyListAsync(ApiResource resource, Utf8JsonWriter writer, WriteState state, CancellationToken cancellationToken)
    {
        string? continueToken = null;
        int page = 0;
        long objects = 0;
        long bytes = 0;
        using var buffer = new MemoryStream();
        do
        {
            page++;
            if (!await FetchPageAsync(resource, continueToken, page, buffer, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            int length = (int)buffer.Length;
            string? next;
            try
            {
                objects += CopyItems(buffer.GetBuffer().AsSpan(0, length), resource, writer, out next);
            }
            catch (JsonException e)
            {
                throw new ClusterReadException(resource.Name, page, continueToken, 200, "the response is not valid JSON: " + e.Message, innerException: e);
            }

            if (next is not null && next == continueToken)
            {
                throw new ClusterReadException(resource.Name, page, continueToken, null, "the server returned the same continue token again; stopping to avoid an endless list");
            }

            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            bytes += length;
            continueToken = next;
            _progress?.Report(new ReadProgress(resource.Name, page, objects, bytes, continueToken is null));
        }
        while (continueToken is not null);

        state.Objects[resource.Name] = objects;
        return true;
    }

    /// <summary>All pages of a small list (metrics), each as its own buffer; null when the resource is absent.</summary>
    private async Task<List<byte[]>?> FetchWholeListAsync(ApiResource resource, CancellationToken cancellationToken)
    {
        var pages = new List<byte[]>();
        string? continueToken = null;
        int page = 0;
        long objects = 0;
        long bytes = 0;
        using var buffer = new MemoryStream();
        do
        {
            page++;
            if (!await FetchPageAsync(resource, continueToken, page, buffer, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            byte[] copy = buffer.ToArray();
            string? next;
            try
            {
                objects += CountItems(copy, out next);
            }
            catch (JsonException e)
            {
                throw new ClusterReadException(resource.Name, page, continueToken, 200, "the response is not valid JSON: " + e.Message, innerException: e);
            }

            pages.Add(copy);
            bytes += copy.Length;
            continueToken = next is not null && next != continueToken ? next : null;
            _progress?.Report(new ReadProgress(resource.Name, page, objects, bytes, continueToken is null));
        }
        while (continueToken is not null);

        return pages;
    }

    /// <summary>Reads one page's body into <paramref name="buffer"/> (cleared first); false when the resource is absent.</summary>
    private async Task<bool> FetchPageAsync(ApiResource resource, string? continueToken, int page, MemoryStream buffer, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = await _fetcher.GetAsync(resource, continueToken, page, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return false;
        }

        using (response)
        {
            buffer.SetLength(0);
            try
            {
                Stream content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using var body = new PageBodyStream(response, content, _options.BodyIdleTimeout, cancellationToken);
                await body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is TimeoutException || KubernetesConnection.IsTransportError(e)))
            {
                throw new ClusterReadException(resource.Name, page, continueToken, (int)response.StatusCode,
                    "the connection failed while the page was read: " + KubernetesConnection.TransportMessage(e), innerException: e);
            }
            catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
        }

        return true;
    }

    /// <summary>
    /// Copies the <c>items</c> of one list page into the writer, each with <c>apiVersion</c> and <c>kind</c> first and its
    /// other properties as raw JSON; returns the number of items and the page's <c>metadata.continue</c>.
    /// </summary>
    private static int CopyItems(ReadOnlySpan<byte> page, ApiResource resource, Utf8JsonWriter writer, out string? continueToken)
    {
        var reader = new Utf8JsonReader(page, ReaderOptions);
        continueToken = null;
        int count = 0;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                continueToken = ReadContinue(ref reader);
            }
            else if (reader.ValueTextEquals("items"u8))
            {
                if (Next(ref reader) == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new JsonException("items is not an array");
                }

                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    CopyItem(ref reader, page, resource, writer);
                    count++;
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    throw new JsonException("an item is not an object");
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return count;
    }

    private static int CountItems(ReadOnlySpan<byte> page, out string? continueToken)
    {
        var reader = new Utf8JsonReader(page, ReaderOptions);
        continueToken = null;
        int count = 0;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                continueToken = ReadContinue(ref reader);
            }
            else if (reader.ValueTextEquals("items"u8) && Next(ref reader) == JsonTokenType.StartArray)
            {
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    reader.Skip();
                    count++;
                }
            }
            else
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    reader.Read();
                }

                reader.Skip();
            }
        }

        return count;
    }

    private static void CopyItem(ref Utf8JsonReader reader, ReadOnlySpan<byte> page, ApiResource resource, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("apiVersion", resource.ApiVersion);
        writer.WriteString("kind", resource.Kind);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            bool drop = reader.ValueTextEquals("apiVersion"u8) || reader.ValueTextEquals("kind"u8);
            string? name = drop ? null : reader.GetString();
            Next(ref reader);
            int start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (name is not null)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(page[start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>At a <c>metadata</c> property name: reads the object and returns its non-empty <c>continue</c>.</summary>
    private static string? ReadContinue(ref Utf8JsonReader reader)
    {
        string? token = null;
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            bool isContinue = reader.ValueTextEquals("continue"u8);
            Next(ref reader);
            if (isContinue && reader.TokenType == JsonTokenType.String)
            {
                token = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return string.IsNullOrEmpty(token) ? null : token;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the JSON ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new JsonException($"expected {type}, found {reader.TokenType}");
        }
    }

    private sealed class WriteState
    {
        public Dictionary<string, long> Objects { get; } = new(StringComparer.Ordinal);

        public List<string> Warnings { get; } = [];

        public bool MetricsAvailable { get; set; }
    }
}
