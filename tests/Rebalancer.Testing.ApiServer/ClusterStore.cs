using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer;

/// <summary>
/// The server's in-memory objects. Every write commits a new global resourceVersion (like etcd's revision), keeps the
/// previous revisions for consistent paged lists and watches from an older resourceVersion, and notifies watchers.
/// Resource names accept a kind (<c>Pod</c>), a plural (<c>pods</c>), a short name (<c>pdb</c>) or <c>plural.group</c>.
/// </summary>
public sealed partial class ClusterStore : IDisposable
{
    private const string InferredAnnotation = "testing.rebalancer.io/inferred";

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly int _historyLimit;
    private readonly SlidingList<StoreState> _history = new();
    private readonly SlidingList<StoreChange> _changes = new();
    private readonly List<WatchSubscription> _watchers = [];
    private readonly HashSet<string> _dirtyNamespaces = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private StoreState _state = StoreState.Empty;
    private long _revision = 1000;
    private long _compactedRevision;
    private int _uidCounter;
    private bool _disposed;

    public ClusterStore(TimeProvider? timeProvider = null, int historyLimit = 20_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyLimit, 1);
        _time = timeProvider ?? TimeProvider.System;
        _historyLimit = historyLimit;
        _history.Add(StoreState.Empty);
    }

    /// <summary>The latest committed resourceVersion.</summary>
    public long ResourceVersion => Volatile.Read(ref _state).Revision;

    /// <summary>True when NodeMetrics or PodMetrics were loaded: metrics.k8s.io is then served and discovered.</summary>
    public bool HasMetrics
    {
        get
        {
            var state = Volatile.Read(ref _state);
            return !state.Of(ResourceCatalog.NodeMetrics).IsEmpty || !state.Of(ResourceCatalog.PodMetrics).IsEmpty;
        }
    }

    /// <summary>Whether loading creates missing ReplicaSets/Deployments/StatefulSets/DaemonSets named by pods' controller
    /// references (replicas = pods found), so percentage/maxUnavailable budgets and <c>kubectl drain</c>'s DaemonSet check work
    /// on plain pod snapshots. Inferred objects carry the annotation <c>testing.rebalancer.io/inferred: "true"</c>.</summary>
    public bool InferWorkloadControllers { get; set; } = true;

    internal TimeProvider Time => _time;

    internal StoreState State => Volatile.Read(ref _state);

    internal DateTimeOffset Now => _time.GetUtcNow();

    // ------------------------------------------------------------------------------------------------------------------
    // Loading

    /// <summary>Loads a kubectl-shaped JSON file (a <c>List</c>, typed lists, single objects; several documents one after another).</summary>
    /// <returns>The number of objects stored.</returns>
    public int LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    public int LoadJson(string json) => Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    public int Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Sized up front when the length is known (files): growing by doubling would copy a large snapshot several times.
        using var buffer = stream.CanSeek ? new MemoryStream(checked((int)(stream.Length - stream.Position))) : new MemoryStream();
        stream.CopyTo(buffer);

        // Parsed in place and kept (not cloned) until every object has been rewritten into its own stored element: a
        // snapshot of 150k pods is ~800 MB, and each copy of it costs as much again.
        var documents = ParseDocuments(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        try
        {
            return LoadDocuments(documents);
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    private int LoadDocuments(List<JsonDocument> documents)
    {
        int stored = 0;
        lock (_gate)
        {
            var pods = new List<JsonElement>();
            foreach (var document in documents)
            {
                foreach (var (type, item, kind, apiVersion) in Flatten(document.RootElement))
                {
                    var obj = type.IsView
                        ? CommitLoaded(type.Storage, Json.ToElement(type.ToStorage!(Json.ToNode(item))), type.Storage.Kind, type.Storage.ApiVersion)
                        : CommitLoaded(type, item, kind, apiVersion);
                    stored++;
                    if (type == ResourceCatalog.Pods)
                    {
                        pods.Add(obj.Json);
                    }
                }
            }

            if (InferWorkloadControllers)
            {
                stored += InferControllers(pods);
            }

            RunControllerForNewPdbs();
            ProcessDirtyNamespaces();
        }

        return stored;
    }

    private static List<JsonDocument> ParseDocuments(ReadOnlySpan<byte> utf8)
    {
        var documents = new List<JsonDocument>();
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
            while (reader.Read())
            {
                documents.Add(JsonDocument.ParseValue(ref reader));
            }
        }
        catch
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }

            throw;
        }

        return documents;
    }

    /// <summary>Objects of a document with their kind/apiVersion (list items get them from the list when they lack them).</summary>
    private static IEnumerable<(ResourceType Type, JsonElement Item, string Kind, string ApiVersion)> Flatten(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a snapshot document must be a JSON object");
        }

        string? kind = document.Str("kind");
        string? apiVersion = document.Str("apiVersion");
        if (document.TryGetProperty("items", out var items) && kind is not null && kind.EndsWith("List", StringComparison.Ordinal))
        {
            string? itemKind = kind == "List" ? null : kind[..^"List".Length];
            foreach (var item in items.Items())
            {
                string? k = item.Str("kind") ?? itemKind;
                string? v = item.Str("apiVersion") ?? apiVersion;
                if (ResourceCatalog.ByApiVersionKind(v, k) is { } type)
                {
                    yield return (type, item, type.Kind, type.ApiVersion);
                }
            }

            yield break;
        }

        if (ResourceCatalog.ByApiVersionKind(apiVersion, kind) is { } single)
        {
            yield return (single, document, single.Kind, single.ApiVersion);
        }
    }

    /// <summary>Stores a loaded object in one rewrite pass (kind/apiVersion first; uid, creationTimestamp, generation filled
    /// in when missing; the loaded resourceVersion replaced by a new revision). Gate held.</summary>
    private StoredObject CommitLoaded(ResourceType type, JsonElement item, string kind, string apiVersion)
    {
        var metadata = item.At("metadata");
        var set = new Dictionary<string, object?>(StringComparer.Ordinal);
        long revision = ++_revision;
        if (type.Versioned)
        {
            if (string.IsNullOrEmpty(metadata.Str("uid")))
            {
                set["uid"] = NewUid();
            }

            if (type.HasGeneration && metadata.Long("generation") is null)
            {
                set["generation"] = 1L;
            }

            set["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        }

        if (string.IsNullOrEmpty(metadata.Str("creationTimestamp")))
        {
            set["creationTimestamp"] = Json.Rfc3339(Now);
        }

        if (type.Namespaced && string.IsNullOrEmpty(metadata.Str("namespace")))
        {
            set["namespace"] = "default";
        }

        var element = Json.Rewrite(item, kind, apiVersion, set);
        return CommitStored(new StoredObject(type, element), revision, statusOnly: false);
    }

    private static JsonObject Normalize(ResourceType type, JsonObject obj)
    {
        // Keys first, as the API server writes them.
        var normalized = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion };
        foreach (var (key, value) in obj.ToList())
        {
            if (key is "kind" or "apiVersion")
            {
                continue;
            }

            obj.Remove(key);
            normalized[key] = value;
        }

        return normalized;
    }

    /// <summary>Fills uid, creationTimestamp, generation for a new object (gate held).</summary>
    private void PrepareNew(ResourceType type, JsonObject obj, bool keepResourceVersion)
    {
        var metadata = obj.EnsureObject("metadata");
        if (!type.Versioned)
        {
            metadata["creationTimestamp"] ??= Json.Rfc3339(Now);
            return;
        }

        if (string.IsNullOrEmpty(metadata.GetString("uid")))
        {
            metadata["uid"] = NewUid();
        }

        if (string.IsNullOrEmpty(metadata.GetString("creationTimestamp")))
        {
            metadata["creationTimestamp"] = Json.Rfc3339(Now);
        }

        if (type.HasGeneration && metadata["generation"] is null)
        {
            metadata["generation"] = 1;
        }

        if (!keepResourceVersion)
        {
            metadata.Remove("resourceVersion");
        }
    }

    internal string NewUid()
    {
        int n = Interlocked.Increment(ref _uidCounter);
        return Guid.CreateVersion7(Now).ToString()[..24] + n.ToString("x12", CultureInfo.InvariantCulture);
    }

    /// <summary>Creates (Active) Namespace objects for <c>default</c> and every namespace that stored objects use but that has none.</summary>
    public int EnsureNamespaces()
    {
        lock (_gate)
        {
            var wanted = new SortedSet<string>(StringComparer.Ordinal) { "default" };
            foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced && t.Versioned))
            {
                foreach (var obj in State.List(type, null))
                {
                    wanted.Add(obj.Namespace);
                }
            }

            int created = 0;
            foreach (string ns in wanted.Where(n => n.Length > 0 && State.Get(ResourceCatalog.Namespaces, "", n) is null))
            {
                var obj = new JsonObject
                {
                    ["kind"] = "Namespace",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = ns,
                        ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns },
                        ["annotations"] = new JsonObject { [InferredAnnotation] = "true" },
                    },
                    ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                };
                PrepareNew(ResourceCatalog.Namespaces, obj, keepResourceVersion: false);
                CommitPut(ResourceCatalog.Namespaces, obj);
                created++;
            }

            return created;
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Reads

    public JsonObject? Get(string resource, string? ns, string name)
    {
        var type = ResourceCatalog.Resolve(resource);
        var found = State.Get(type, ns ?? "", name);
        return found is null ? null : Json.ToNode(type.View(found.Json));
    }

    public T? Get<T>(string? ns, string name)
        where T : class, IKubernetesObject
    {
        var type = TypeOf<T>();
        var found = State.Get(type, ns ?? "", name);
        return found is null ? null : KubernetesJson.Deserialize<T>(type.View(found.Json).GetRawText());
    }

    /// <summary>The objects of a type in key order; <c>events</c> are the core/v1 shape, <c>events.events.k8s.io</c> (or
    /// <c>List&lt;Eventsv1Event&gt;</c>) the same events in the events.k8s.io/v1 shape.</summary>
    public IReadOnlyList<JsonObject> List(string resource, string? ns = null)
    {
        var type = ResourceCatalog.Resolve(resource);
        return State.List(type, ns).Select(o => Json.ToNode(type.View(o.Json))).ToList();
    }

    public IReadOnlyList<T> List<T>(string? ns = null)
        where T : class, IKubernetesObject
    {
        var type = TypeOf<T>();
        return State.List(type, ns).Select(o => KubernetesJson.Deserialize<T>(type.View(o.Json).GetRawText())).ToList();
    }

    public int Count(string resource, string? ns = null) => State.List(ResourceCatalog.Resolve(resource), ns).Count();

    private static ResourceType TypeOf<T>()
    {
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{typeof(T).Name} has no KubernetesEntity attribute");
        string apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : entity.Group + "/" + entity.ApiVersion;
        return ResourceCatalog.ByApiVersionKind(apiVersion, entity.Kind) ?? throw new ArgumentException($"{entity.Kind} is not served");
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Writes (test API)

    /// <summary>Creates or replaces a whole object (status included). uid is kept from the stored object when absent;
    /// a changed <c>spec</c> bumps <c>metadata.generation</c> where the resource has one.</summary>
    public JsonObject Put(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var type = ResourceCatalog.ByApiVersionKind(obj.GetString("apiVersion"), obj.GetString("kind"))
            ?? throw new ArgumentException("the object needs a served apiVersion and kind", nameof(obj));
        var copy = Normalize(type, (JsonObject)obj.DeepClone());
        lock (_gate)
        {
            var stored = PutLocked(type, copy);
            ProcessDirtyNamespaces();
            return Json.ToNode(type.View(stored.Json));
        }
    }

    public JsonObject Put(string json) => Put(JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("not a JSON object", nameof(json)));

    public T Put<T>(T obj)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        var node = (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(obj))!;
        var entity = typeof(T).GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is not null)
        {
            node["kind"] ??= entity.Kind;
            node["apiVersion"] ??= string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : entity.Group + "/" + entity.ApiVersion;
        }

        return KubernetesJson.Deserialize<T>(Put(node).ToJsonString());
    }

    internal StoredObject PutLocked(ResourceType type, JsonObject obj)
    {
        var metadata = obj.EnsureObject("metadata");
        string ns = type.Namespaced ? metadata.GetString("namespace") ?? "default" : "";
        if (type.Namespaced)
        {
            metadata["namespace"] = ns;
        }

        var existing = State.Get(type, ns, metadata.GetString("name") ?? throw new ArgumentException("metadata.name is required"));
        if (existing is null)
        {
            PrepareNew(type, obj, keepResourceVersion: false);
        }
        else
        {
            if (string.IsNullOrEmpty(metadata.GetString("uid")) && existing.Uid is { } uid)
            {
                metadata["uid"] = uid;
            }

            metadata["creationTimestamp"] ??= existing.Json.Str("metadata", "creationTimestamp");
            if (type.HasGeneration)
            {
                long generation = existing.Json.Long("metadata", "generation") ?? 1;
                bool specChanged = !Json.DeepEquals(existing.Json.At("spec"), Json.ToElement(obj["spec"] ?? new JsonObject()));
                metadata["generation"] = specChanged ? generation + 1 : metadata["generation"].AsLong() ?? generation;
            }
        }

        return CommitPut(type, obj);
    }

    /// <summary>Mutates a copy of the stored object and commits it (status included; a changed spec bumps generation).</summary>
    public JsonObject Update(string resource, string? ns, string name, Action<JsonObject> mutate)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        var type = ResourceCatalog.Resolve(resource);
        lock (_gate)
        {
            var existing = State.Get(type, ns ?? "", name) ?? throw new KeyNotFoundException($"{type.Key} {ns}/{name} not found");
            var node = Json.ToNode(existing.Json);
            mutate(node);
            var stored = PutLocked(type, node);
            ProcessDirtyNamespaces();
            return Json.ToNode(stored.Json);
        }
    }

    public bool Delete(string resource, string? ns, string name)
    {
        var type = ResourceCatalog.Resolve(resource);
        lock (_gate)
        {
            var existing = State.Get(type, ns ?? "", name);
            if (existing is null)
            {
                return false;
            }

            DeleteLocked(existing);
            ProcessDirtyNamespaces();
            return true;
        }
    }

    /// <summary>Increments <c>metadata.generation</c> (as a spec edit would) without touching status: until the PDB
    /// controller observes it, evictions get 429 "still being processed".</summary>
    public JsonObject BumpGeneration(string resource, string? ns, string name) =>
        Update(resource, ns, name, obj =>
        {
            var metadata = obj.EnsureObject("metadata");
            metadata["generation"] = (metadata["generation"].AsLong() ?? 1) + 1;
        });

    /// <summary>Sets the pod's Ready condition (and ContainersReady) to True/False.</summary>
    public JsonObject SetPodReady(string ns, string name, bool ready) =>
        Update("pods", ns, name, pod =>
        {
            var status = pod.EnsureObject("status");
            var conditions = status["conditions"] as JsonArray ?? [];
            status["conditions"] = conditions;
            foreach (string type in new[] { "Ready", "ContainersReady" })
            {
                var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => c.GetString("type") == type);
                if (condition is null)
                {
                    condition = new JsonObject { ["type"] = type };
                    conditions.Add(condition);
                }

                string value = ready ? "True" : "False";
                if (condition.GetString("status") != value)
                {
                    condition["lastTransitionTime"] = Json.Rfc3339(Now);
                }

                condition["status"] = value;
            }
        });

    public JsonObject SetPodPhase(string ns, string name, string phase) =>
        Update("pods", ns, name, pod => pod.EnsureObject("status")["phase"] = phase);

    /// <summary>Forgets all history: every older continue token and watch resourceVersion now gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedRevision = _state.Revision;
            _changes.Clear();
            _history.Clear();
            _history.Add(_state);
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Commit primitives (gate held)

    internal StoredObject CommitPut(ResourceType type, JsonObject obj, bool statusOnly = false)
    {
        if (type.IsView)
        {
            obj = type.ToStorage!(obj);
            type = type.Storage;
        }

        long revision = ++_revision;
        var metadata = obj.EnsureObject("metadata");
        if (type.Versioned)
        {
            metadata["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        }

        return CommitStored(new StoredObject(type, Json.ToElement(obj)), revision, statusOnly);
    }

    private StoredObject CommitStored(StoredObject stored, long revision, bool statusOnly)
    {
        var type = stored.Type;
        var old = _state.Get(type, stored.Namespace, stored.Name);
        Publish(_state.With(revision, type, stored, null), new StoreChange(revision, type, old is null ? ChangeType.Added : ChangeType.Modified, old, stored), statusOnly);
        return stored;
    }

    internal StoredObject DeleteLocked(StoredObject existing)
    {
        long revision = ++_revision;
        var node = Json.ToNode(existing.Json);
        if (existing.Type.Versioned)
        {
            node.EnsureObject("metadata")["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        }

        var tombstone = new StoredObject(existing.Type, Json.ToElement(node));
        Publish(_state.With(revision, existing.Type, null, existing.Key), new StoreChange(revision, existing.Type, ChangeType.Deleted, existing, tombstone), statusOnly: false);
        if (existing.Type == ResourceCatalog.Pods && State.Get(ResourceCatalog.PodMetrics, existing.Namespace, existing.Name) is { } metrics)
        {
            DeleteLocked(metrics); // metrics-server stops reporting a pod that is gone
        }

        return tombstone;
    }

    /// <summary>How long a deleted pod stays (with <c>metadata.deletionTimestamp</c> set, phase unchanged) before it is removed,
    /// as the kubelet's graceful termination would. Zero (default): pods are removed at once.</summary>
    public TimeSpan PodDeletionDelay { get; set; }

    /// <summary>An API delete (gate held): pods may linger as terminating (<see cref="PodDeletionDelay"/>); deleting a
    /// namespace removes everything in it (the namespace controller's job, done at once).</summary>
    internal StoredObject DeleteObject(StoredObject existing)
    {
        if (existing.Type == ResourceCatalog.Namespaces)
        {
            foreach (var type in ResourceCatalog.All.Where(t => t.Namespaced))
            {
                foreach (var obj in State.List(type, existing.Name).ToList())
                {
                    DeleteLocked(obj);
                }
            }

            return DeleteLocked(existing);
        }

        var delay = PodDeletionDelay;
        if (existing.Type != ResourceCatalog.Pods || delay <= TimeSpan.Zero)
        {
            return DeleteLocked(existing);
        }

        if (existing.Json.Str("metadata", "deletionTimestamp") is not null)
        {
            return existing;
        }

        var node = Json.ToNode(existing.Json);
        var metadata = node.EnsureObject("metadata");
        metadata["deletionTimestamp"] = Json.Rfc3339(Now + delay);
        metadata["deletionGracePeriodSeconds"] = (long)Math.Ceiling(delay.TotalSeconds);
        var terminating = CommitPut(ResourceCatalog.Pods, node);
        string ns = existing.Namespace, name = existing.Name, uid = existing.Uid ?? "";
        _ = RunLaterAsync(delay, () =>
        {
            if (State.Get(ResourceCatalog.Pods, ns, name) is { } current && current.Uid == uid)
            {
                DeleteLocked(current);
                ProcessDirtyNamespaces();
            }
        });
        return terminating;
    }

    private void Publish(StoreState next, StoreChange change, bool statusOnly)
    {
        Volatile.Write(ref _state, next);
        _history.Add(next);
        _changes.Add(change);
        if (_changes.Count > _historyLimit)
        {
            _changes.RemoveFirst(_changes.Count - _historyLimit - 1);
            _compactedRevision = _changes[0].Revision;
            _changes.RemoveFirst(1);

            // Revisions are ascending: drop the states older than the compacted revision.
            int drop = 0;
            while (drop < _history.Count && _history[drop].Revision < _compactedRevision)
            {
                drop++;
            }

            _history.RemoveFirst(drop);
        }

        foreach (var watcher in _watchers)
        {
            watcher.Offer(change);
        }

        if (change.Type.Namespaced && AffectsBudgets(change.Type, statusOnly))
        {
            _dirtyNamespaces.Add(change.Object.Namespace);
        }
    }

    /// <summary>The state as of <paramref name="revision"/>, or null when that revision was compacted away.</summary>
    internal StoreState? StateAt(long revision)
    {
        lock (_gate)
        {
            if (revision < _compactedRevision)
            {
                return null;
            }

            if (revision >= _state.Revision)
            {
                return _state;
            }

            int found = _history.LastAtMost(revision, s => s.Revision);
            return found < 0 ? null : _history[found];
        }
    }

    internal long CompactedRevision
    {
        get
        {
            lock (_gate)
            {
                return _compactedRevision;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> under the store's lock, then lets the PDB controller react.</summary>
    internal T Transaction<T>(Func<T> action)
    {
        lock (_gate)
        {
            var result = action();
            ProcessDirtyNamespaces();
            return result;
        }
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Watches

    internal WatchSubscription Subscribe(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, long? fromRevision)
    {
        var subscription = new WatchSubscription(type, ns, labels, fields);
        lock (_gate)
        {
            if (fromRevision is null)
            {
                foreach (var obj in _state.List(type, ns))
                {
                    subscription.OfferInitial(obj);
                }
            }
            else if (fromRevision < _compactedRevision)
            {
                subscription.Fail(fromRevision.Value, _compactedRevision);
                return subscription;
            }
            else
            {
                // Changes are in revision order: start after the last one the watcher has already seen.
                for (int i = _changes.LastAtMost(fromRevision.Value, c => c.Revision) + 1; i < _changes.Count; i++)
                {
                    var change = _changes[i];
                    if (change.Type == type.Storage)
                    {
                        subscription.Offer(change);
                    }
                }
            }

            _watchers.Add(subscription);
        }

        return subscription;
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watchers.Remove(subscription);
        }

        subscription.Complete();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var watcher in _watchers)
            {
                watcher.Complete();
            }

            _watchers.Clear();
        }

        _shutdown.Cancel();
        _shutdown.Dispose();
    }
}
