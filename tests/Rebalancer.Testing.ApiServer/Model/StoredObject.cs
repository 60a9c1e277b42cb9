using System.Collections.Immutable;
using System.Text.Json;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>An immutable stored object: its JSON (with kind, apiVersion, metadata.resourceVersion) and parsed keys.</summary>
internal sealed class StoredObject
{
    public StoredObject(ResourceType type, JsonElement json)
    {
        Type = type;
        Json = json;
        Namespace = type.Namespaced ? json.Str("metadata", "namespace") ?? "" : "";
        Name = json.Str("metadata", "name") ?? "";
        Labels = json.At("metadata", "labels").StringMap();
        ResourceVersion = json.Long("metadata", "resourceVersion") ?? 0;
    }

    public ResourceType Type { get; }
    public JsonElement Json { get; }
    public string Namespace { get; }
    public string Name { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    public long ResourceVersion { get; }

    public string Key => KeyOf(Namespace, Name);

    public string? Uid => Json.Str("metadata", "uid");

    /// <summary>Sort key as etcd orders objects: by namespace, then name.</summary>
    public static string KeyOf(string ns, string name) => ns.Length == 0 ? name : ns + "/" + name;
}

/// <summary>One immutable revision of the whole store (structural sharing keeps old revisions cheap).</summary>
internal sealed class StoreState
{
    public static readonly StoreState Empty = new(0, ImmutableDictionary<string, ImmutableSortedDictionary<string, StoredObject>>.Empty);

    public StoreState(long revision, ImmutableDictionary<string, ImmutableSortedDictionary<string, StoredObject>> resources)
    {
        Revision = revision;
        Resources = resources;
    }

    public long Revision { get; }
    public ImmutableDictionary<string, ImmutableSortedDictionary<string, StoredObject>> Resources { get; }

    public ImmutableSortedDictionary<string, StoredObject> Of(ResourceType type) =>
        Resources.TryGetValue(type.Key, out var objects) ? objects : ImmutableSortedDictionary.Create<string, StoredObject>(StringComparer.Ordinal);

    public StoredObject? Get(ResourceType type, string ns, string name) =>
        Of(type).TryGetValue(StoredObject.KeyOf(type.Namespaced ? ns : "", name), out var found) ? found : null;

    /// <summary>Objects of a type, optionally in one namespace, in key order.</summary>
    public IEnumerable<StoredObject> List(ResourceType type, string? ns)
    {
        var all = Of(type);
        if (string.IsNullOrEmpty(ns) || !type.Namespaced)
        {
            return all.Values;
        }

        string prefix = ns + "/";
        return all.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(kv => kv.Value);
    }

    public StoreState With(long revision, ResourceType type, StoredObject? put, string? removeKey)
    {
        var objects = Of(type);
        if (put is not null)
        {
            objects = objects.SetItem(put.Key, put);
        }

        if (removeKey is not null)
        {
            objects = objects.Remove(removeKey);
        }

        return new StoreState(revision, Resources.SetItem(type.Key, objects));
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
