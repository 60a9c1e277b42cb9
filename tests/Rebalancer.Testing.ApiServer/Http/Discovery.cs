using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>Legacy (unaggregated) discovery: <c>/api</c>, <c>/api/v1</c>, <c>/apis</c>, <c>/apis/{g}</c>, <c>/apis/{g}/{v}</c>, and <c>/version</c>.
/// Requests for aggregated discovery (Accept <c>…;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList</c>) get plain
/// <c>application/json</c>, which clients take as "fall back to legacy discovery".</summary>
internal static class Discovery
{
    public static Task VersionAsync(HttpContext context, TestApiServerOptions options)
    {
        string gitVersion = options.GitVersion;
        string[] parts = gitVersion.TrimStart('v').Split('.', '-', '+');
        return Responses.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("major", parts.ElementAtOrDefault(0) ?? "1");
            w.WriteString("minor", parts.ElementAtOrDefault(1) ?? "32");
            w.WriteString("gitVersion", gitVersion);
            w.WriteString("gitCommit", "0000000000000000000000000000000000000000");
            w.WriteString("gitTreeState", "clean");
            w.WriteString("buildDate", "2025-01-01T00:00:00Z");
            w.WriteString("goVersion", "go1.23.6");
            w.WriteString("compiler", "gc");
            w.WriteString("platform", "linux/amd64");
            w.WriteEndObject();
        });
    }

    public static Task ApiVersionsAsync(HttpContext context) =>
        Responses.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIVersions");
            w.WriteStartArray("versions");
            w.WriteStringValue("v1");
            w.WriteEndArray();
            w.WriteStartArray("serverAddressByClientCIDRs");
            w.WriteStartObject();
            w.WriteString("clientCIDR", "0.0.0.0/0");
            w.WriteString("serverAddress", context.Request.Host.Value);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static IEnumerable<(string Group, string Version)> ServedGroups(ClusterStore store) =>
        ResourceCatalog.Groups.Where(g => g.Group != "metrics.k8s.io" || store.HasMetrics);

    private static void WriteGroup(Utf8JsonWriter w, string group, string version, bool withKind)
    {
        w.WriteStartObject();
        if (withKind)
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
        }

        w.WriteString("name", group);
        w.WriteStartArray("versions");
        w.WriteStartObject();
        w.WriteString("groupVersion", group + "/" + version);
        w.WriteString("version", version);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("preferredVersion");
        w.WriteString("groupVersion", group + "/" + version);
        w.WriteString("version", version);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public static Task GroupListAsync(HttpContext context, ClusterStore store) =>
        Responses.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIGroupList");
            w.WriteString("apiVersion", "v1");
            w.WriteStartArray("groups");
            foreach (var (group, version) in ServedGroups(store))
            {
                WriteGroup(w, group, version, withKind: false);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static Task GroupAsync(HttpContext context, ClusterStore store, string group)
    {
        var served = ServedGroups(store).FirstOrDefault(g => g.Group == group);
        return served.Group is null
            ? Responses.WriteStatusAsync(context, KubeStatus.NotFoundPath())
            : Responses.WriteJsonAsync(context, 200, w => WriteGroup(w, served.Group, served.Version, withKind: true));
    }

    /// <summary>The APIResourceList of a group version; false when the group version is not served.</summary>
    public static bool TryResourceList(ClusterStore store, string group, string version, out byte[] body)
    {
        body = [];
        if (group.Length > 0 && !ServedGroups(store).Any(g => g.Group == group && g.Version == version))
        {
            return false;
        }

        if (group.Length == 0 && version != "v1")
        {
            return false;
        }

        var resources = ResourceCatalog.All.Where(r => r.Group == group && r.Version == version).ToList();
        body = Json.Serialize(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "APIResourceList");
            w.WriteString("apiVersion", "v1");
            w.WriteString("groupVersion", group.Length == 0 ? version : group + "/" + version);
            w.WriteStartArray("resources");
            foreach (var r in resources.OrderBy(r => r.Plural, StringComparer.Ordinal))
            {
                WriteResource(w, r.Plural, r.Singular, r.Namespaced, r.Kind, r.Verbs, r.ShortNames, r.Categories, null, null);
                if (r == ResourceCatalog.Pods)
                {
                    WriteResource(w, "pods/eviction", "", true, "Eviction", ["create"], [], [], "policy", "v1");
                }

                if (r.HasStatusSubresource)
                {
                    WriteResource(w, r.Plural + "/status", "", r.Namespaced, r.Kind, ["get", "patch", "update"], [], [], null, null);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
        return true;
    }

    private static void WriteResource(Utf8JsonWriter w, string name, string singular, bool namespaced, string kind, IReadOnlyList<string> verbs,
        IReadOnlyList<string> shortNames, IReadOnlyList<string> categories, string? group, string? version)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("singularName", singular);
        w.WriteBoolean("namespaced", namespaced);
        if (group is not null)
        {
            w.WriteString("group", group);
            w.WriteString("version", version);
        }

        w.WriteString("kind", kind);
        w.WriteStartArray("verbs");
        foreach (string verb in verbs)
        {
            w.WriteStringValue(verb);
        }

        w.WriteEndArray();
        if (shortNames.Count > 0)
        {
            w.WriteStartArray("shortNames");
            foreach (string s in shortNames)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        if (categories.Count > 0)
        {
            w.WriteStartArray("categories");
            foreach (string c in categories)
            {
                w.WriteStringValue(c);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }
}
