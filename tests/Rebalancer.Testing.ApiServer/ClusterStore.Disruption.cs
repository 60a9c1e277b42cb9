using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer;

/// <summary>The disruption controller (<c>pkg/controller/disruption/disruption.go</c>): PDB status from pods and controllers.</summary>
public sealed partial class ClusterStore
{
    /// <summary>How long a pod stays in <c>status.disruptedPods</c> before the controller assumes it will not be deleted.</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    private bool _resyncScheduled;

    /// <summary>When true (default) the emulated disruption controller recomputes PDB status after every change to pods,
    /// PDB specs or workload controllers. When false, statuses change only through evictions and
    /// <see cref="RecomputePdbStatus"/> / <see cref="RecomputeAllPdbStatuses"/> (a stopped controller).</summary>
    public bool PdbControllerEnabled { get; set; } = true;

    /// <summary>Controller lag: with a positive value, recomputation happens this long after the change (on the store's
    /// <see cref="TimeProvider"/>), so clients can see stale status and <c>observedGeneration &lt; generation</c>.</summary>
    public TimeSpan PdbControllerLag { get; set; }

    private static bool AffectsBudgets(ResourceType type, bool statusOnly) =>
        type == ResourceCatalog.Pods
        || (type == ResourceCatalog.PodDisruptionBudgets && !statusOnly)
        || type == ResourceCatalog.ReplicaSets || type == ResourceCatalog.Deployments || type == ResourceCatalog.StatefulSets
        || type == ResourceCatalog.ReplicationControllers;

    /// <summary>Recomputes one PDB's status now, as one controller sync would, whatever <see cref="PdbControllerEnabled"/> says.</summary>
    public JsonObject RecomputePdbStatus(string ns, string name)
    {
        lock (_gate)
        {
            var pdb = State.Get(ResourceCatalog.PodDisruptionBudgets, ns, name)
                ?? throw new KeyNotFoundException($"poddisruptionbudget {ns}/{name} not found");
            var stored = SyncPdb(pdb);
            ProcessDirtyNamespaces();
            return Json.ToNode(stored.Json);
        }
    }

    /// <summary>One controller pass over every PDB.</summary>
    public void RecomputeAllPdbStatuses()
    {
        lock (_gate)
        {
            NamespacePods? pods = null;
            foreach (var pdb in State.List(ResourceCatalog.PodDisruptionBudgets, null).ToList())
            {
                // PDBs come in namespace order and status writes change no pod: one view per namespace.
                if (pods?.Namespace != pdb.Namespace)
                {
                    pods = new NamespacePods(pdb.Namespace, State.List(ResourceCatalog.Pods, pdb.Namespace));
                }

                SyncPdb(pdb, pods);
            }

            _dirtyNamespaces.Clear();
        }
    }

    /// <summary>Edits a PDB's status directly (a status-subresource write: generation and the controller are not involved).</summary>
    public JsonObject SetPdbStatus(string ns, string name, Action<JsonObject> mutateStatus)
    {
        ArgumentNullException.ThrowIfNull(mutateStatus);
        lock (_gate)
        {
            var pdb = State.Get(ResourceCatalog.PodDisruptionBudgets, ns, name)
                ?? throw new KeyNotFoundException($"poddisruptionbudget {ns}/{name} not found");
            var node = Json.ToNode(pdb.Json);
            mutateStatus(node.EnsureObject("status"));
            return Json.ToNode(CommitPut(ResourceCatalog.PodDisruptionBudgets, node, statusOnly: true).Json);
        }
    }

    /// <summary>Runs or schedules the controller for namespaces touched since the last pass (gate held).</summary>
    private void ProcessDirtyNamespaces()
    {
        if (!PdbControllerEnabled || _dirtyNamespaces.Count == 0)
        {
            if (!PdbControllerEnabled)
            {
                _dirtyNamespaces.Clear();
            }

            return;
        }

        if (PdbControllerLag > TimeSpan.Zero)
        {
            ScheduleResync(PdbControllerLag);
            return;
        }

        SyncDirtyNamespaces();
    }

    private void SyncDirtyNamespaces()
    {
        for (int pass = 0; pass < 4 && _dirtyNamespaces.Count > 0; pass++)
        {
            var namespaces = _dirtyNamespaces.ToList();
            _dirtyNamespaces.Clear();
            foreach (string ns in namespaces)
            {
                var pdbs = State.List(ResourceCatalog.PodDisruptionBudgets, ns).ToList();
                if (pdbs.Count == 0)
                {
                    continue;
                }

                // Status writes change no pod, so the namespace's pods are listed and grouped once for all its PDBs.
                var pods = new NamespacePods(ns, State.List(ResourceCatalog.Pods, ns));
                foreach (var pdb in pdbs)
                {
                    SyncPdb(pdb, pods);
                }
            }
        }

        _dirtyNamespaces.Clear();
    }

    private void ScheduleResync(TimeSpan delay)
    {
        if (_resyncScheduled || _shutdown.IsCancellationRequested)
        {
            return;
        }

        _resyncScheduled = true;
        _ = RunLaterAsync(delay, () =>
        {
            _resyncScheduled = false;
            if (PdbControllerEnabled)
            {
                SyncDirtyNamespaces();
            }
        });
    }

    private async Task RunLaterAsync(TimeSpan delay, Action action)
    {
        try
        {
            await Task.Delay(delay, _time, _shutdown.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        lock (_gate)
        {
            action();
        }
    }

    /// <summary>PDBs created without a status are synced once on load (as the controller would on its first pass).</summary>
    private void RunControllerForNewPdbs()
    {
        if (!PdbControllerEnabled)
        {
            return;
        }

        foreach (var pdb in State.List(ResourceCatalog.PodDisruptionBudgets, null).ToList())
        {
            if (!pdb.Json.At("status").IsObject() || pdb.Json.Long("status", "observedGeneration") is null)
            {
                _dirtyNamespaces.Add(pdb.Namespace);
            }
        }
    }

    /// <summary>One <c>trySync</c> of a PDB: writes the status when it changed; on errors <c>failSafe</c>.</summary>
    private StoredObject SyncPdb(StoredObject pdb, NamespacePods? pods = null)
    {
        var now = Now;
        var node = Json.ToNode(pdb.Json);
        var status = node.EnsureObject("status");
        var previous = Json.ToElement(status);
        try
        {
            var computed = ComputeStatus(pdb, pods ?? new NamespacePods(pdb.Namespace, State.List(ResourceCatalog.Pods, pdb.Namespace)), now);
            long generation = pdb.Json.Long("metadata", "generation") ?? 0;
            var fresh = new JsonObject { ["observedGeneration"] = generation };
            if (computed.DisruptedPods.Count > 0)
            {
                var disrupted = new JsonObject();
                foreach (var (pod, time) in computed.DisruptedPods.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    disrupted[pod] = time;
                }

                fresh["disruptedPods"] = disrupted;
            }

            fresh["disruptionsAllowed"] = computed.DisruptionsAllowed;
            fresh["currentHealthy"] = computed.CurrentHealthy;
            fresh["desiredHealthy"] = computed.DesiredHealthy;
            fresh["expectedPods"] = computed.ExpectedPods;
            fresh["conditions"] = status["conditions"]?.DeepClone() ?? new JsonArray();
            UpdateDisruptionAllowedCondition(fresh, now);
            node["status"] = fresh;
            if (computed.RecheckAt is { } recheck)
            {
                var delay = recheck - now;
                string ns = pdb.Namespace;
                _ = RunLaterAsync(delay > TimeSpan.Zero ? delay : TimeSpan.FromMilliseconds(1), () =>
                {
                    if (PdbControllerEnabled && State.Get(ResourceCatalog.PodDisruptionBudgets, ns, pdb.Name) is { } current)
                    {
                        SyncPdb(current);
                    }
                });
            }
        }
        catch (FormatException error)
        {
            // failSafe: disruptionsAllowed = 0, condition SyncFailed; other counters and observedGeneration untouched.
            status["disruptionsAllowed"] = 0;
            SetCondition(status, "False", "SyncFailed", error.Message, now);
        }

        if (Json.DeepEquals(previous, Json.ToElement(node["status"]!)))
        {
            return pdb;
        }

        return CommitPut(ResourceCatalog.PodDisruptionBudgets, node, statusOnly: true);
    }

    private sealed record ComputedStatus(int ExpectedPods, int DesiredHealthy, int CurrentHealthy, int DisruptionsAllowed,
        Dictionary<string, string> DisruptedPods, DateTimeOffset? RecheckAt);

    private ComputedStatus ComputeStatus(StoredObject pdb, NamespacePods namespacePods, DateTimeOffset now)
    {
        var selector = LabelSelector.FromStructured(pdb.Json.At("spec", "selector"));
        var pods = namespacePods.Matching(selector);

        int expected, desired;
        var maxUnavailable = pdb.Json.At("spec", "maxUnavailable");
        var minAvailable = pdb.Json.At("spec", "minAvailable");
        if (maxUnavailable.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            expected = ExpectedScale(pods);
            int unavailable = ScaledValue(maxUnavailable, expected);
            desired = Math.Max(0, expected - unavailable);
        }
        else if (minAvailable.ValueKind == JsonValueKind.Number)
        {
            desired = minAvailable.GetInt32();
            expected = pods.Count;
        }
        else if (minAvailable.ValueKind == JsonValueKind.String)
        {
            expected = ExpectedScale(pods);
            desired = ScaledValue(minAvailable, expected);
        }
        else
        {
            expected = 0;
            desired = 0;
        }

        // buildDisruptedPodMap
        var recorded = pdb.Json.At("status", "disruptedPods").StringMap();
        var disrupted = new Dictionary<string, string>(StringComparer.Ordinal);
        DateTimeOffset? recheck = null;
        foreach (var pod in pods)
        {
            if (pod.Json.At("metadata", "deletionTimestamp").ValueKind == JsonValueKind.String
                || !recorded.TryGetValue(pod.Name, out string? when) || Json.ParseTime(when) is not { } time)
            {
                continue;
            }

            var expectedDeletion = time + DeletionTimeout;
            if (expectedDeletion >= now)
            {
                disrupted[pod.Name] = when;
                recheck = recheck is null || expectedDeletion < recheck ? expectedDeletion : recheck;
            }
        }

        // countHealthyPods
        int healthy = 0;
        foreach (var pod in pods)
        {
            if (pod.Json.At("metadata", "deletionTimestamp").ValueKind == JsonValueKind.String)
            {
                continue;
            }

            if (disrupted.TryGetValue(pod.Name, out string? when) && Json.ParseTime(when) is { } time && time + DeletionTimeout > now)
            {
                continue;
            }

            if (IsPodReady(pod.Json))
            {
                healthy++;
            }
        }

        int allowed = healthy - desired;
        if (expected <= 0 || allowed <= 0)
        {
            allowed = 0;
        }

        return new ComputedStatus(expected, desired, healthy, allowed, disrupted, recheck);
    }

    internal static bool IsPodReady(JsonElement pod) =>
        pod.At("status", "conditions").Items().Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");

    /// <summary><c>intstr.GetScaledValueFromIntOrPercent(x, total, roundUp: true)</c>.</summary>
    internal static int ScaledValue(JsonElement value, int total)
    {
        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetInt32();
        }

        string text = value.GetString() ?? "";
        if (!text.EndsWith('%'))
        {
            throw new FormatException("invalid value for IntOrString: invalid type: string is not a percentage");
        }

        if (!int.TryParse(text[..^1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int percent))
        {
            throw new FormatException($"invalid value \"{text}\": strconv.Atoi: parsing \"{text[..^1]}\": invalid syntax");
        }

        return (int)Math.Ceiling(percent * (double)total / 100);
    }

    /// <summary><c>getExpectedScale</c>: the sum of the scales of the pods' distinct controllers; pods without a controller
    /// are ignored; a controller that is not found (or has no scale) is an error.</summary>
    private int ExpectedScale(List<StoredObject> pods)
    {
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenRefs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var owner = ControllerOf(pod.Json);
            if (owner.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            string refUid = owner.Str("uid") ?? "";
            if (!seenRefs.Add(refUid))
            {
                continue;
            }

            var (uid, scale) = FindScale(pod.Namespace, owner) ?? throw new FormatException($"found no controllers for pod \"{pod.Name}\"");
            scales[uid] = scale;
        }

        return scales.Values.Sum();
    }

    internal static JsonElement ControllerOf(JsonElement obj) =>
        obj.At("metadata", "ownerReferences").Items().FirstOrDefault(r => r.Bool("controller"));

    private (string Uid, int Scale)? FindScale(string ns, JsonElement owner)
    {
        string kind = owner.Str("kind") ?? "";
        string name = owner.Str("name") ?? "";
        string uid = owner.Str("uid") ?? "";
        StoredObject? Find(ResourceType type, string n, string u) =>
            State.Get(type, ns, n) is { } found && (u.Length == 0 || found.Uid == u) ? found : null;
        static int Replicas(StoredObject o) => (int)(o.Json.Long("spec", "replicas") ?? 1);

        switch (kind)
        {
            case "ReplicaSet":
                if (Find(ResourceCatalog.ReplicaSets, name, uid) is not { } rs)
                {
                    return null;
                }

                var rsOwner = ControllerOf(rs.Json);
                if (rsOwner.ValueKind == JsonValueKind.Object && rsOwner.Str("kind") == "Deployment")
                {
                    return Find(ResourceCatalog.Deployments, rsOwner.Str("name") ?? "", rsOwner.Str("uid") ?? "") is { } deployment
                        ? (deployment.Uid ?? "", Replicas(deployment))
                        : null;
                }

                return (rs.Uid ?? "", Replicas(rs));
            case "StatefulSet":
                return Find(ResourceCatalog.StatefulSets, name, uid) is { } sts ? (sts.Uid ?? "", Replicas(sts)) : null;
            case "ReplicationController":
                return Find(ResourceCatalog.ReplicationControllers, name, uid) is { } rc ? (rc.Uid ?? "", Replicas(rc)) : null;
            case "Deployment":
                return Find(ResourceCatalog.Deployments, name, uid) is { } d ? (d.Uid ?? "", Replicas(d)) : null;
            default:
                return null; // DaemonSet, Job, …: no scale subresource
        }
    }

    /// <summary><c>pdbhelper.UpdateDisruptionAllowedCondition</c>.</summary>
    internal static void UpdateDisruptionAllowedCondition(JsonObject status, DateTimeOffset now)
    {
        long allowed = status["disruptionsAllowed"].AsLong() ?? 0;
        if (allowed > 0)
        {
            SetCondition(status, "True", "SufficientPods", "", now);
        }
        else
        {
            SetCondition(status, "False", "InsufficientPods", "", now);
        }
    }

    /// <summary><c>meta.SetStatusCondition</c> for type DisruptionAllowed.</summary>
    private static void SetCondition(JsonObject status, string value, string reason, string message, DateTimeOffset now)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        long? observed = status["observedGeneration"].AsLong();
        var condition = conditions.OfType<JsonObject>().FirstOrDefault(c => c.GetString("type") == "DisruptionAllowed");
        if (condition is null)
        {
            conditions.Add(new JsonObject
            {
                ["type"] = "DisruptionAllowed",
                ["status"] = value,
                ["observedGeneration"] = observed ?? 0,
                ["lastTransitionTime"] = Json.Rfc3339(now),
                ["reason"] = reason,
                ["message"] = message,
            });
            return;
        }

        if (condition.GetString("status") != value)
        {
            condition["status"] = value;
            condition["lastTransitionTime"] = Json.Rfc3339(now);
        }

        condition["reason"] = reason;
        condition["message"] = message;
        condition["observedGeneration"] = observed ?? 0;
    }

    // ------------------------------------------------------------------------------------------------------------------
    // Workload controllers missing from a snapshot

    private int InferControllers(List<JsonElement> pods)
    {
        var groups = new Dictionary<(string Ns, string Kind, string Name), List<JsonElement>>();
        foreach (var element in pods)
        {
            var owner = ControllerOf(element);
            string kind = owner.Str("kind") ?? "";
            if (kind is not ("ReplicaSet" or "StatefulSet" or "DaemonSet" or "Deployment" or "ReplicationController"))
            {
                continue;
            }

            var key = (element.Str("metadata", "namespace") ?? "default", kind, owner.Str("name") ?? "");
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
            }

            list.Add(element);
        }

        int created = 0;
        foreach (var ((ns, kind, name), owned) in groups.OrderBy(g => g.Key))
        {
            var type = ResourceCatalog.Resolve(kind);
            if (State.Get(type, ns, name) is not null)
            {
                continue;
            }

            var first = owned[0];
            var owner = ControllerOf(first);
            var podLabels = owned.Select(p => p.At("metadata", "labels").StringMap()).ToList();
            var common = podLabels[0].Where(kv => podLabels.All(l => l.TryGetValue(kv.Key, out string? v) && v == kv.Value))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            JsonObject? deploymentRef = null;
            if (kind == "ReplicaSet" && common.TryGetValue("pod-template-hash", out string? hash) && name.EndsWith("-" + hash, StringComparison.Ordinal))
            {
                string deploymentName = name[..^(hash.Length + 1)];
                var deployment = State.Get(ResourceCatalog.Deployments, ns, deploymentName);
                if (deployment is null)
                {
                    var selectorLabels = common.Where(kv => kv.Key != "pod-template-hash").ToDictionary(kv => kv.Key, kv => kv.Value);
                    deployment = CommitPut(ResourceCatalog.Deployments, InferredWorkload(ResourceCatalog.Deployments, ns, deploymentName, NewUid(), selectorLabels, owned.Count, first, null));
                    created++;
                }

                deploymentRef = new JsonObject
                {
                    ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = deployment.Name, ["uid"] = deployment.Uid,
                    ["controller"] = true, ["blockOwnerDeletion"] = true,
                };
            }

            CommitPut(type, InferredWorkload(type, ns, name, owner.Str("uid") ?? NewUid(), common, kind == "DaemonSet" ? null : owned.Count, first, deploymentRef));
            created++;
        }

        return created;
    }

    private JsonObject InferredWorkload(ResourceType type, string ns, string name, string uid, Dictionary<string, string> selector,
        int? replicas, JsonElement samplePod, JsonObject? owner)
    {
        var matchLabels = new JsonObject();
        foreach (var (key, value) in selector.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            matchLabels[key] = value;
        }

        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["uid"] = uid,
            ["generation"] = 1,
            ["creationTimestamp"] = samplePod.Str("metadata", "creationTimestamp") ?? Json.Rfc3339(Now),
            ["annotations"] = new JsonObject { [InferredAnnotation] = "true" },
        };
        if (owner is not null)
        {
            metadata["ownerReferences"] = new JsonArray(owner);
        }

        var spec = new JsonObject();
        if (replicas is { } count)
        {
            spec["replicas"] = count;
        }

        spec["selector"] = new JsonObject { ["matchLabels"] = matchLabels };
        spec["template"] = new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = matchLabels.DeepClone() },
            ["spec"] = new JsonObject { ["containers"] = samplePod.At("spec", "containers") is { ValueKind: JsonValueKind.Array } containers ? JsonNode.Parse(containers.GetRawText()) : new JsonArray() },
        };
        var status = new JsonObject { ["observedGeneration"] = 1 };
        if (replicas is { } r)
        {
            status["replicas"] = r;
            status["readyReplicas"] = r;
            status["availableReplicas"] = r;
        }
        else
        {
            status["currentNumberScheduled"] = 0;
            status["desiredNumberScheduled"] = 0;
            status["numberMisscheduled"] = 0;
            status["numberReady"] = 0;
        }

        var obj = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = metadata,
            ["spec"] = spec,
            ["status"] = status,
        };
        return obj;
    }

    internal static string FormatInt(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A namespace's pods in key order, grouped by label set. Pods of one workload share their labels, so a PDB's
    /// selector is evaluated once per distinct set instead of once per pod: a namespace with thousands of pods and
    /// hundreds of PDBs is re-synced after every pod change and eviction.
    /// </summary>
    internal sealed class NamespacePods
    {
        private readonly List<StoredObject> _pods = [];
        private readonly List<int> _setOf = [];
        private readonly List<IReadOnlyDictionary<string, string>> _sets = [];

        public NamespacePods(string ns, IEnumerable<StoredObject> pods)
        {
            Namespace = ns;
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var pod in pods)
            {
                if (!ids.TryGetValue(pod.LabelSetKey, out int id))
                {
                    id = _sets.Count;
                    ids.Add(pod.LabelSetKey, id);
                    _sets.Add(pod.Labels);
                }

                _pods.Add(pod);
                _setOf.Add(id);
            }
        }

        public string Namespace { get; }

        /// <summary>The pods the selector matches, in key order (the order the controller's errors depend on).</summary>
        public List<StoredObject> Matching(LabelSelector selector)
        {
            var matches = new bool[_sets.Count];
            for (int i = 0; i < matches.Length; i++)
            {
                matches[i] = selector.Matches(_sets[i]);
            }

            var result = new List<StoredObject>();
            for (int i = 0; i < _pods.Count; i++)
            {
                if (matches[_setOf[i]])
                {
                    result.Add(_pods[i]);
                }
            }

            return result;
        }
    }
}
