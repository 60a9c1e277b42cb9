using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>An immutable stored object: its JSON (with kind, apiVersion, metadata.resourceVersion) and parsed keys.</summary>
internal sealed class StoredObject
{
    private string? _labelSetKey;

    public StoredObject(ResourceType type, JsonElement json)
    {
        Type = type;
        Json = json;
        Namespace = type.Namespaced ? json.Str("metadata", "namespace") ?? "" : "";
        Name = json.Str("metadata", "name") ?? "";
        Labels = json.At("metadata", "labels").StringMap();
        ResourceVersion = json.Long("metadata", "resourceVersion") ?? 0;
        Key = KeyOf(Namespace, Name);
    }

    public ResourceType Type { get; }
    public JsonElement Json { get; }
    public string Namespace { get; }
    public string Name { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public long ResourceVersion { get; }

    /// <summary>Computed once: keys are compared on every lookup and page.</summary>
    public string Key { get; }

    public string? Uid => Json.Str("metadata", "uid");

    /// <summary>The labels as one string (length-prefixed key and value per label, keys sorted; unambiguous even for
    /// labels the store's lax validation lets through), computed on first use: equal label sets have equal keys, so
    /// selectors can be evaluated once per set.</summary>
    public string LabelSetKey => _labelSetKey ??= string.Concat(Labels.OrderBy(l => l.Key, StringComparer.Ordinal)
        .Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key.Length}:{l.Key}{l.Value.Length}:{l.Value}")));

    /// <summary>Sort key as etcd orders objects: by namespace, then name.</summary>
    public static string KeyOf(string ns, string name) => ns.Length == 0 ? name : ns + "/" + name;
}

/// <summary>One immutable revision of the whole store (structural sharing keeps old revisions cheap).</summary>
internal sealed class StoreState
{
    public static readonly StoreState Empty = new(0, ImmutableDictionary<string, ObjectCollection>.Empty);

    public StoreState(long revision, ImmutableDictionary<string, ObjectCollection> resources)
    {
        Revision = revision;
        Resources = resources;
    }

    public long Revision { get; }
    public ImmutableDictionary<string, ObjectCollection> Resources { get; }

    /// <summary>The objects of a type (of its storage type, for a view: they are in the stored shape).</summary>
    public ObjectCollection Of(ResourceType type) =>
        Resources.TryGetValue(type.Storage.Key, out var objects) ? objects : ObjectCollection.Empty;

    public StoredObject? Get(ResourceType type, string ns, string name) =>
        Of(type).Get(StoredObject.KeyOf(type.Namespaced ? ns : "", name));

    /// <summary>Objects of a type, optionally in one namespace, in key order.</summary>
    public IEnumerable<StoredObject> List(ResourceType type, string? ns)
    {
        var all = Of(type);
        var (start, end) = all.Range(type.Namespaced ? ns : null);
        return all.Slice(start, end);
    }

    public StoreState With(long revision, ResourceType type, StoredObject? put, string? removeKey) =>
        new(revision, Resources.SetItem(type.Storage.Key, Of(type).With(put, removeKey)));
}

/// <summary>
/// The objects of one resource type at one revision, in etcd key order (namespace, then name). A hash map answers
/// lookups; a sorted key set with positions (an AVL tree that knows its subtree sizes) lets a namespace or a page of a
/// list start by binary search, so a page costs O(limit · log n) instead of filtering the whole collection (at 150k pods
/// and limit 500 that was O(n²/500) over one full read). Both are immutable and share structure between revisions.
/// </summary>
internal sealed class ObjectCollection
{
    public static readonly ObjectCollection Empty = new(
        ImmutableDictionary.Create<string, StoredObject>(StringComparer.Ordinal),
        ImmutableSortedSet.Create<string>(StringComparer.Ordinal));

    private readonly ImmutableDictionary<string, StoredObject> _byKey;
    private readonly ImmutableSortedSet<string> _keys;

    private ObjectCollection(ImmutableDictionary<string, StoredObject> byKey, ImmutableSortedSet<string> keys)
    {
        _byKey = byKey;
        _keys = keys;
    }

    public int Count => _keys.Count;

    public bool IsEmpty => _keys.Count == 0;

    public StoredObject? Get(string key) => _byKey.TryGetValue(key, out var found) ? found : null;

    /// <summary>The object at position <paramref name="index"/> in key order (O(log n)).</summary>
    public StoredObject At(int index) => _byKey[_keys[index]];

    /// <summary>The position of the first key not less than <paramref name="key"/> (Count when there is none).</summary>
    public int LowerBound(string key)
    {
        int index = _keys.IndexOf(key);
        return index >= 0 ? index : ~index;
    }

    /// <summary>Positions [start, end) of a namespace's objects, or of all objects when <paramref name="ns"/> is null or
    /// empty. Keys are <c>ns/name</c> and neither part contains '/', so a namespace's keys are exactly those in
    /// [<c>ns/</c>, <c>ns0</c>) ('0' follows '/' in ordinal order).</summary>
    public (int Start, int End) Range(string? ns) =>
        string.IsNullOrEmpty(ns) ? (0, _keys.Count) : (LowerBound(ns + "/"), LowerBound(ns + "0"));

    /// <summary>Objects at positions [start, end) in key order.</summary>
    public IEnumerable<StoredObject> Slice(int start, int end)
    {
        if (start == 0 && end == _keys.Count)
        {
            // The whole collection: the set's in-order enumerator is cheaper than one descent per position.
            foreach (string key in _keys)
            {
                yield return _byKey[key];
            }

            yield break;
        }

        for (int i = start; i < end; i++)
        {
            yield return At(i);
        }
    }

    public ObjectCollection With(StoredObject? put, string? removeKey)
    {
        var byKey = _byKey;
        var keys = _keys;
        if (put is not null)
        {
            byKey = byKey.SetItem(put.Key, put);
            keys = keys.Add(put.Key); // no-op (same set) when the key is already there
        }

        if (removeKey is not null)
        {
            byKey = byKey.Remove(removeKey);
            keys = keys.Remove(removeKey);
        }

        return new ObjectCollection(byKey, keys);
    }
}

/// <summary>Watch event types as on the wire.</summary>
internal enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A committed change, kept in the history for watches that start at an older resourceVersion.</summary>
internal sealed record StoreChange(long Revision, ResourceType Type, ChangeType Change, StoredObject? Old, StoredObject Object);
