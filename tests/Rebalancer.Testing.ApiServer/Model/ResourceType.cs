using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rebalancer.Testing.ApiServer.Model;

/// <summary>One REST resource the server serves (a group/version/plural with its kind and discovery facts).</summary>
public sealed class ResourceType
{
    internal ResourceType(string group, string version, string plural, string singular, string kind, bool namespaced)
    {
        Group = group;
        Version = version;
        Plural = plural;
        Singular = singular;
        Kind = kind;
        Namespaced = namespaced;
    }

    public string Group { get; }
    public string Version { get; }
    public string Plural { get; }
    public string Singular { get; }
    public string Kind { get; }
    public bool Namespaced { get; }

    public string ListKind => Kind + "List";
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>Store key, unique across groups: <c>pods</c>, <c>poddisruptionbudgets.policy</c>.</summary>
    public string Key => Group.Length == 0 ? Plural : Plural + "." + Group;

    /// <summary>"pods" for the core group, "poddisruptionbudgets.policy" otherwise (the qualified resource of error messages).</summary>
    public string QualifiedResource => Key;

    internal IReadOnlyList<string> Verbs { get; init; } = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    internal IReadOnlyList<string> ShortNames { get; init; } = [];
    internal IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Has a <c>/status</c> subresource: the main resource ignores status changes, <c>/status</c> changes only status.</summary>
    internal bool HasStatusSubresource { get; init; }

    /// <summary><c>metadata.generation</c> is maintained (bumped when <c>spec</c> changes).</summary>
    internal bool HasGeneration { get; init; }

    /// <summary>Objects carry resourceVersion/uid and can be watched (false for metrics.k8s.io).</summary>
    internal bool Versioned { get; init; } = true;

    internal bool ReadOnly { get; init; }

    /// <summary>
    /// The type whose objects hold this type's data. Itself, except for a view: events.k8s.io/v1 Events are core/v1
    /// Events converted on the way in and out (one storage, as in the real server), so either API sees every event.
    /// </summary>
    internal ResourceType Storage => StoredAs ?? this;

    /// <summary>Set on a view: the stored type (see <see cref="Storage"/>).</summary>
    internal ResourceType? StoredAs { get; init; }

    /// <summary>A view's conversions: <c>ToStorage</c> from this type's JSON to the stored type's, <c>FromStorage</c> back.</summary>
    internal Func<JsonObject, JsonObject>? ToStorage { get; init; }

    internal Func<JsonObject, JsonObject>? FromStorage { get; init; }

    internal bool IsView => StoredAs is not null;

    /// <summary>A stored object as this type shows it (itself unless this is a view).</summary>
    internal JsonElement View(JsonElement stored) => FromStorage is { } convert ? Json.ToElement(convert(Json.ToNode(stored))) : stored;

    /// <summary>
    /// <c>AllowUnconditionalUpdate() == false</c> in the resource's registry strategy (Leases): an update (PUT) must carry
    /// <c>metadata.resourceVersion</c>, else 422. Patches are not affected.
    /// </summary>
    internal bool RequiresResourceVersionOnUpdate { get; init; }

    /// <summary><c>AllowCreateOnUpdate() == true</c> (Leases): a PUT of a missing object creates it (201).</summary>
    internal bool CreatesOnUpdate { get; init; }

    /// <summary>The registry strategy's create/update validation: field errors (none when valid).</summary>
    internal Func<JsonObject, IReadOnlyList<FieldError>> Validate { get; init; } = _ => [];

    /// <summary>The kind as errors name it (<c>GroupKind.String()</c>): <c>Event</c>, <c>Event.events.k8s.io</c>, <c>Lease.coordination.k8s.io</c>.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : Kind + "." + Group;

    /// <summary>Resource-specific field selector labels (beyond metadata.name / metadata.namespace).</summary>
    internal IReadOnlyDictionary<string, Func<JsonElement, string>> FieldLabels { get; init; } =
        new Dictionary<string, Func<JsonElement, string>>();

    internal bool SupportsVerb(string verb) => Verbs.Contains(verb);

    /// <summary>The value of a field selector label for an object, or null when the label is not supported.</summary>
    internal string? FieldValue(JsonElement obj, string label)
    {
        if (label == "metadata.name")
        {
            return obj.Str("metadata", "name") ?? "";
        }

        if (label == "metadata.namespace" && Namespaced)
        {
            return obj.Str("metadata", "namespace") ?? "";
        }

        return FieldLabels.TryGetValue(label, out var get) ? get(obj) : null;
    }

    public override string ToString() => Key;
}

/// <summary>The resources served, and lookup by kind / plural / short name.</summary>
internal static class ResourceCatalog
{
    private static string S(JsonElement o, params string[] path) => o.Str(path) ?? "";

    private static string B(JsonElement o, params string[] path) => o.Bool(path) ? "true" : "false";

    public static readonly ResourceType Namespaces = new("", "v1", "namespaces", "namespace", "Namespace", namespaced: false)
    {
        Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
        ShortNames = ["ns"],
        HasStatusSubresource = true,
        FieldLabels = new Dictionary<string, Func<JsonElement, string>> { ["status.phase"] = o => S(o, "status", "phase") },
    };

    public static readonly ResourceType Nodes = new("", "v1", "nodes", "node", "Node", namespaced: false)
    {
        ShortNames = ["no"],
        HasStatusSubresource = true,
        FieldLabels = new Dictionary<string, Func<JsonElement, string>> { ["spec.unschedulable"] = o => B(o, "spec", "unschedulable") },
    };

    public static readonly ResourceType Pods = new("", "v1", "pods", "pod", "Pod", namespaced: true)
    {
        ShortNames = ["po"],
        Categories = ["all"],
        HasStatusSubresource = true,
        FieldLabels = new Dictionary<string, Func<JsonElement, string>>
        {
            ["spec.nodeName"] = o => S(o, "spec", "nodeName"),
            ["spec.host"] = o => S(o, "spec", "nodeName"),
            ["spec.restartPolicy"] = o => S(o, "spec", "restartPolicy"),
            ["spec.schedulerName"] = o => S(o, "spec", "schedulerName"),
            ["spec.serviceAccountName"] = o => S(o, "spec", "serviceAccountName"),
            ["spec.hostNetwork"] = o => B(o, "spec", "hostNetwork"),
            ["status.phase"] = o => S(o, "status", "phase"),
            ["status.podIP"] = o => o.At("status", "podIPs").Items().Select(ip => ip.Str("ip")).FirstOrDefault() ?? S(o, "status", "podIP"),
            // Accepted by the conversion function but absent from the pod's selectable field set: always "".
            ["status.podIPs"] = _ => "",
            ["status.nominatedNodeName"] = o => S(o, "status", "nominatedNodeName"),
        },
    };

    private static readonly Dictionary<string, Func<JsonElement, string>> CoreEventFields = new()
    {
        ["involvedObject.kind"] = o => S(o, "involvedObject", "kind"),
        ["involvedObject.namespace"] = o => S(o, "involvedObject", "namespace"),
        ["involvedObject.name"] = o => S(o, "involvedObject", "name"),
        ["involvedObject.uid"] = o => S(o, "involvedObject", "uid"),
        ["involvedObject.apiVersion"] = o => S(o, "involvedObject", "apiVersion"),
        ["involvedObject.resourceVersion"] = o => S(o, "involvedObject", "resourceVersion"),
        ["involvedObject.fieldPath"] = o => S(o, "involvedObject", "fieldPath"),
        ["reason"] = o => S(o, "reason"),
        ["reportingComponent"] = o => S(o, "reportingComponent"),
        ["source"] = o => S(o, "source", "component"),
        ["type"] = o => S(o, "type"),
    };

    /// <summary>Secrets: only what a client reading one needs (the descheduler's Prometheus token, <c>authToken.secretReference</c>).</summary>
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "secret", "Secret", namespaced: true);

    public static readonly ResourceType Events = new("", "v1", "events", "event", "Event", namespaced: true)
    {
        ShortNames = ["ev"],
        FieldLabels = CoreEventFields,
        Validate = e => EventConversion.Validate(e, strict: false),
    };

    // Leases and events: the run's lease and the events it records (src/Rebalancer.Kubernetes/Live/RunLease.cs, EventRecorder.cs).
    // Core and events.k8s.io Events share one storage (the core type); field selectors of the events.k8s.io view are
    // evaluated on the stored core object, so they name the core fields (the real server converts the labels likewise).
    public static readonly ResourceType EventsV1 = new("events.k8s.io", "v1", "events", "event", "Event", namespaced: true)
    {
        ShortNames = ["ev"],
        StoredAs = Events,
        ToStorage = EventConversion.ToCore,
        FromStorage = EventConversion.ToEventsV1,
        Validate = e => EventConversion.Validate(e, strict: true),
        FieldLabels = new Dictionary<string, Func<JsonElement, string>>
        {
            ["regarding.kind"] = o => S(o, "involvedObject", "kind"),
            ["regarding.namespace"] = o => S(o, "involvedObject", "namespace"),
            ["regarding.name"] = o => S(o, "involvedObject", "name"),
            ["regarding.uid"] = o => S(o, "involvedObject", "uid"),
            ["regarding.apiVersion"] = o => S(o, "involvedObject", "apiVersion"),
            ["regarding.resourceVersion"] = o => S(o, "involvedObject", "resourceVersion"),
            ["regarding.fieldPath"] = o => S(o, "involvedObject", "fieldPath"),
            ["reason"] = o => S(o, "reason"),
            ["reportingController"] = o => S(o, "reportingComponent"),
            ["type"] = o => S(o, "type"),
        },
    };

    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "lease", "Lease", namespaced: true)
    {
        RequiresResourceVersionOnUpdate = true,
        CreatesOnUpdate = true,
        Validate = LeaseValidation.Validate,
    };

    public static readonly ResourceType PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", namespaced: true)
    {
        ShortNames = ["pdb"],
        HasStatusSubresource = true,
        HasGeneration = true,
    };

    public static readonly ResourceType PriorityClasses = new("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", namespaced: false)
    {
        ShortNames = ["pc"],
    };

    public static readonly ResourceType Deployments = new("apps", "v1", "deployments", "deployment", "Deployment", namespaced: true)
    {
        ShortNames = ["deploy"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType ReplicaSets = new("apps", "v1", "replicasets", "replicaset", "ReplicaSet", namespaced: true)
    {
        ShortNames = ["rs"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType StatefulSets = new("apps", "v1", "statefulsets", "statefulset", "StatefulSet", namespaced: true)
    {
        ShortNames = ["sts"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType DaemonSets = new("apps", "v1", "daemonsets", "daemonset", "DaemonSet", namespaced: true)
    {
        ShortNames = ["ds"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType ReplicationControllers = new("", "v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", namespaced: true)
    {
        ShortNames = ["rc"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    // ---- The inventory kinds Rebalancer lists besides pods and nodes (batch/v1, autoscaling/v2, core storage and policy
    // objects); the apps/v1 workloads are above. One block, so other additions stay apart.
    public static readonly ResourceType Jobs = new("batch", "v1", "jobs", "job", "Job", namespaced: true)
    {
        Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
        FieldLabels = new Dictionary<string, Func<JsonElement, string>> { ["status.successful"] = o => (o.Long("status", "succeeded") ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    public static readonly ResourceType CronJobs = new("batch", "v1", "cronjobs", "cronjob", "CronJob", namespaced: true)
    {
        ShortNames = ["cj"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType HorizontalPodAutoscalers = new("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", namespaced: true)
    {
        ShortNames = ["hpa"], Categories = ["all"], HasStatusSubresource = true, HasGeneration = true,
    };

    public static readonly ResourceType PersistentVolumes = new("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", namespaced: false)
    {
        ShortNames = ["pv"], HasStatusSubresource = true,
    };

    public static readonly ResourceType PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", namespaced: true)
    {
        ShortNames = ["pvc"], HasStatusSubresource = true,
    };

    public static readonly ResourceType LimitRanges = new("", "v1", "limitranges", "limitrange", "LimitRange", namespaced: true)
    {
        ShortNames = ["limits"],
    };

    public static readonly ResourceType ResourceQuotas = new("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", namespaced: true)
    {
        ShortNames = ["quota"], HasStatusSubresource = true,
    };

    private static readonly ResourceType[] InventoryKinds = [Jobs, CronJobs, HorizontalPodAutoscalers, PersistentVolumes, PersistentVolumeClaims, LimitRanges, ResourceQuotas];

    // ---- end of the inventory kinds

    public static readonly ResourceType NodeMetrics = new("metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", namespaced: false)
    {
        Verbs = ["get", "list"], Versioned = false, ReadOnly = true,
    };

    public static readonly ResourceType PodMetrics = new("metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", namespaced: true)
    {
        Verbs = ["get", "list"], Versioned = false, ReadOnly = true,
    };

    public static readonly IReadOnlyList<ResourceType> All =
    [
        Namespaces, Nodes, Pods, Secrets, Events, ReplicationControllers, EventsV1, PodDisruptionBudgets, PriorityClasses,
        Deployments, ReplicaSets, StatefulSets, DaemonSets, NodeMetrics, PodMetrics,
        Leases, .. InventoryKinds,
    ];

    /// <summary>Groups in discovery order with their single served version.</summary>
    public static readonly IReadOnlyList<(string Group, string Version)> Groups =
    [
        ("apps", "v1"), ("events.k8s.io", "v1"), ("autoscaling", "v2"), ("batch", "v1"), ("policy", "v1"), ("scheduling.k8s.io", "v1"),
        ("coordination.k8s.io", "v1"), ("metrics.k8s.io", "v1beta1"),
    ];

    public static ResourceType? ByGroupVersionPlural(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    /// <summary>By apiVersion + kind of an object (policy/v1beta1 PDBs are stored as policy/v1).</summary>
    public static ResourceType? ByApiVersionKind(string? apiVersion, string? kind)
    {
        if (kind is null)
        {
            return null;
        }

        string group = apiVersion is null || !apiVersion.Contains('/', StringComparison.Ordinal) ? "" : apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)];
        return All.FirstOrDefault(r => r.Kind == kind && r.Group == group) ?? All.FirstOrDefault(r => r.Kind == kind);
    }

    /// <summary>Lookup by a kubectl-style name: kind (<c>Pod</c>), plural, singular, short name, or <c>plural.group</c>.</summary>
    public static ResourceType Resolve(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var r in All)
        {
            if (string.Equals(r.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return r;
            }
        }

        foreach (var r in All)
        {
            if (string.Equals(r.Kind, name, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Plural, name, StringComparison.OrdinalIgnoreCase)
                || string.Equals(r.Singular, name, StringComparison.OrdinalIgnoreCase) || r.ShortNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return r;
            }
        }

        throw new ArgumentException($"unknown resource type '{name}'", nameof(name));
    }
}
