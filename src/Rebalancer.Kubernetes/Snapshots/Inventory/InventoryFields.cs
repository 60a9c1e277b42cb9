namespace Rebalancer.Kubernetes.Snapshots.Inventory;

/// <summary>
/// The fields of an object to keep, as a tree of property names: a property not in the tree is dropped with its value; a
/// leaf keeps its whole value; for an array the node applies to each element. Array elements are never dropped, so
/// indices (and the field paths of errors) are those of the source.
/// </summary>
internal sealed class FieldTree
{
    /// <summary>Keeps the whole value.</summary>
    public static readonly FieldTree Whole = new(null, null);

    private readonly Utf8Dictionary<FieldTree>? _children;
    private readonly byte[]? _except;

    private FieldTree(Utf8Dictionary<FieldTree>? children, byte[]? except)
    {
        _children = children;
        _except = except;
    }

    /// <summary>True for a node that keeps every property of its object (<see cref="Whole"/>, <see cref="AllExcept"/>).</summary>
    public bool KeepsAll => _children is null;

    /// <summary>An object with only these properties.</summary>
    public static FieldTree Of(params (string Name, FieldTree Tree)[] children)
    {
        var map = new Utf8Dictionary<FieldTree>();
        foreach ((string name, FieldTree tree) in children)
        {
            map.Set(System.Text.Encoding.UTF8.GetBytes(name), tree);
        }

        return new FieldTree(map, null);
    }

    /// <summary>Properties that are leaves (their whole value kept).</summary>
    public static FieldTree Leaves(params string[] names) => Of([.. names.Select(n => (n, Whole))]);

    /// <summary>Every property of the object but one (a map such as annotations, without a huge entry nobody reads).</summary>
    public static FieldTree AllExcept(string name) => new(null, System.Text.Encoding.UTF8.GetBytes(name));

    /// <summary>The node of property <paramref name="name"/>, or false when the property is dropped.</summary>
    public bool TryGetChild(ReadOnlySpan<byte> name, out FieldTree child)
    {
        if (_children is null)
        {
            child = Whole;
            return _except is null || !name.SequenceEqual(_except);
        }

        return _children.TryGetValue(name, out child!);
    }
}

/// <summary>
/// What <see cref="InventoryReader"/> reads of each kind. An inventory object is projected onto its tree before it is
/// deserialized: pod templates carry env, probes, volumes and affinities the inventory does not keep, and turning them
/// into KubernetesClient objects would cost several times the rest (measured in docs/benchmarks.md).
/// </summary>
internal static class InventoryFields
{
    private static readonly FieldTree Metadata = FieldTree.Of(
        ("name", FieldTree.Whole), ("namespace", FieldTree.Whole), ("uid", FieldTree.Whole), ("creationTimestamp", FieldTree.Whole),
        ("labels", FieldTree.Whole), ("annotations", FieldTree.AllExcept("kubectl.kubernetes.io/last-applied-configuration")),
        ("ownerReferences", FieldTree.Whole));

    private static readonly FieldTree Container = FieldTree.Leaves("name", "image", "restartPolicy", "resources");

    private static readonly FieldTree Template = FieldTree.Of(
        ("metadata", FieldTree.Of(("labels", FieldTree.Whole), ("annotations", FieldTree.AllExcept("kubectl.kubernetes.io/last-applied-configuration")))),
        ("spec", FieldTree.Of(("containers", Container), ("initContainers", Container))));

    private static readonly FieldTree Apps = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Of(("replicas", FieldTree.Whole), ("selector", FieldTree.Whole), ("template", Template))),
        ("status", FieldTree.Leaves("replicas", "readyReplicas", "availableReplicas", "currentNumberScheduled", "numberReady", "numberAvailable",
            "desiredNumberScheduled")));

    /// <summary>
    /// A ReplicaSet that is an old revision of its owner (an owner reference, <c>spec.replicas: 0</c>) without its pod
    /// template: it runs no pods, its owner's template is the workload's, and a Deployment keeps up to ten of them
    /// (<c>revisionHistoryLimit</c>), whose templates would be most of the inventory's cost. A current revision, and a
    /// ReplicaSet without an owner, keep theirs: when the owner is missing from the snapshot, or is a kind outside the
    /// inventory (an Argo Rollout), the ReplicaSet's template is the only one there is.
    /// </summary>
    private static readonly FieldTree RetiredReplicaSet = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Of(("replicas", FieldTree.Whole), ("selector", FieldTree.Whole))),
        ("status", FieldTree.Leaves("replicas", "readyReplicas", "availableReplicas")));

    private static readonly FieldTree Job = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Of(("selector", FieldTree.Whole), ("template", Template), ("completions", FieldTree.Whole), ("parallelism", FieldTree.Whole),
            ("suspend", FieldTree.Whole), ("ttlSecondsAfterFinished", FieldTree.Whole))),
        ("status", FieldTree.Leaves("startTime", "completionTime", "conditions", "active", "succeeded", "failed")));

    private static readonly FieldTree CronJob = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Of(("schedule", FieldTree.Whole), ("timeZone", FieldTree.Whole), ("suspend", FieldTree.Whole),
            ("successfulJobsHistoryLimit", FieldTree.Whole), ("failedJobsHistoryLimit", FieldTree.Whole),
            ("jobTemplate", FieldTree.Of(("spec", FieldTree.Of(("ttlSecondsAfterFinished", FieldTree.Whole), ("template", Template))))))),
        ("status", FieldTree.Leaves("lastScheduleTime", "lastSuccessfulTime", "active")));

    private static readonly FieldTree Hpa = FieldTree.Of(
        ("metadata", Metadata), ("spec", FieldTree.Whole), ("status", FieldTree.Leaves("currentReplicas", "desiredReplicas")));

    private static readonly FieldTree Volume = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Leaves("claimRef", "capacity", "storageClassName", "persistentVolumeReclaimPolicy", "accessModes")),
        ("status", FieldTree.Leaves("phase", "lastPhaseTransitionTime")));

    private static readonly FieldTree Claim = FieldTree.Of(
        ("metadata", Metadata),
        ("spec", FieldTree.Leaves("volumeName", "resources", "storageClassName", "accessModes")),
        ("status", FieldTree.Leaves("phase", "capacity")));

    private static readonly FieldTree LimitRange = FieldTree.Of(("metadata", Metadata), ("spec", FieldTree.Whole));

    private static readonly FieldTree Quota = FieldTree.Of(("metadata", Metadata), ("spec", FieldTree.Whole), ("status", FieldTree.Leaves("used")));

    /// <summary>The tree of an inventory kind (<c>Deployment</c>…); <paramref name="retiredRevision"/>: a ReplicaSet that is an old revision.</summary>
    public static FieldTree Of(string kind, bool retiredRevision = false) => kind switch
    {
        "ReplicaSet" when retiredRevision => RetiredReplicaSet,
        "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" => Apps,
        "Job" => Job,
        "CronJob" => CronJob,
        "HorizontalPodAutoscaler" => Hpa,
        "PersistentVolume" => Volume,
        "PersistentVolumeClaim" => Claim,
        "LimitRange" => LimitRange,
        "ResourceQuota" => Quota,
        _ => throw new ArgumentException($"{kind} is not an inventory kind", nameof(kind)),
    };
}
