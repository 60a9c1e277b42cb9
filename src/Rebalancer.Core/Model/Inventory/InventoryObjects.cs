namespace Rebalancer.Core.Model.Inventory;

// The workload and housekeeping objects of a cluster (docs/design/0002-snapshot-layout.md, "Inventory"). They are few
// next to pods (a Deployment stands for many pods), so they are plain objects rather than columns; strings are interned
// ids of the snapshot's StringTable, instants Unix milliseconds (UnixTime.None when absent), container resources
// ResourceCatalog ids at the catalog's scale (cpu in millicores, everything else in units).

/// <summary>The kinds of the inventory, as flags: <see cref="ClusterInventory.KindsRead"/> says which ones the source held.</summary>
[Flags]
public enum InventoryKinds
{
    None = 0,
    Deployments = 1 << 0,
    ReplicaSets = 1 << 1,
    StatefulSets = 1 << 2,
    DaemonSets = 1 << 3,
    Jobs = 1 << 4,
    CronJobs = 1 << 5,
    HorizontalPodAutoscalers = 1 << 6,
    PersistentVolumes = 1 << 7,
    PersistentVolumeClaims = 1 << 8,
    LimitRanges = 1 << 9,
    ResourceQuotas = 1 << 10,
    All = (1 << 11) - 1,
}

/// <summary>The owning kinds a pod is resolved through (<see cref="WorkloadIndex"/>), plus <see cref="Other"/> for every kind outside the inventory.</summary>
public enum WorkloadKind : byte
{
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,

    /// <summary>A kind the inventory does not hold (an Argo Rollout, a prometheus-operator <c>Prometheus</c>, a Tekton TaskRun…).</summary>
    Other,
}

/// <summary>Interned key/value pairs of one object (labels or annotations), in source order.</summary>
public sealed class KeyValues
{
    public static readonly KeyValues Empty = new([], []);

    public KeyValues(int[] keys, int[] values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        if (keys.Length != values.Length)
        {
            throw new ArgumentException("keys and values must have the same length", nameof(values));
        }

        Keys = keys;
        Values = values;
    }

    public int[] Keys { get; }

    public int[] Values { get; }

    public int Count => Keys.Length;

    /// <summary>The pairs as a <see cref="LabelView"/>, for <see cref="LabelSelector.Matches"/> and lookups.</summary>
    public LabelView View => new(Keys, Values, 0, Keys.Length);

    /// <summary>The value id of <paramref name="key"/>, or -1 when absent.</summary>
    public int Get(int key) => View.Get(key);

    public static KeyValues From(IReadOnlyList<(int Key, int Value)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            return Empty;
        }

        int[] keys = new int[pairs.Count];
        int[] values = new int[pairs.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            (keys[i], values[i]) = pairs[i];
        }

        return new KeyValues(keys, values);
    }
}

/// <summary>Identity and metadata every inventory object has.</summary>
public sealed record ObjectMeta
{
    /// <summary>Namespace id; 0 for cluster-scoped kinds (PersistentVolumes).</summary>
    public int Namespace { get; init; }

    public int Name { get; init; }

    /// <summary><c>metadata.uid</c> id; 0 when the source has none (hand-written files).</summary>
    public int Uid { get; init; }

    public long CreationTime { get; init; } = UnixTime.None;

    public KeyValues Labels { get; init; } = KeyValues.Empty;

    /// <summary>Annotations, without <c>kubectl.kubernetes.io/last-applied-configuration</c> (a copy of the whole object).</summary>
    public KeyValues Annotations { get; init; } = KeyValues.Empty;

    public OwnerRef[] Owners { get; init; } = [];

    /// <summary>The controller reference (or the first owner when none is marked controller), as <see cref="PodTable.TryGetController"/> picks it.</summary>
    public bool TryGetController(out OwnerRef owner)
    {
        foreach (OwnerRef o in Owners)
        {
            if (o.Controller)
            {
                owner = o;
                return true;
            }
        }

        if (Owners.Length > 0)
        {
            owner = Owners[0];
            return true;
        }

        owner = default;
        return false;
    }
}

/// <summary>One container of a pod template, with the requests and limits it declares (not the pod's effective requests).</summary>
public sealed record ContainerTemplate
{
    public int Name { get; init; }

    public int Image { get; init; }

    public ContainerKind Kind { get; init; }

    /// <summary>ResourceCatalog ids at the catalog's scale, by resource name (a ResourceList is a map).</summary>
    public ResourceAmount[] Requests { get; init; } = [];

    public ResourceAmount[] Limits { get; init; } = [];

    /// <summary>The request of <paramref name="resource"/>, or null when the container declares none.</summary>
    public long? Request(int resource) => Find(Requests, resource);

    public long? Limit(int resource) => Find(Limits, resource);

    private static long? Find(ResourceAmount[] amounts, int resource)
    {
        foreach (ResourceAmount amount in amounts)
        {
            if (amount.Resource == resource)
            {
                return amount.Amount;
            }
        }

        return null;
    }
}

/// <summary>A pod template (<c>spec.template</c>): its labels and annotations and its containers, init containers and sidecars in spec order (init containers first).</summary>
public sealed record PodTemplate
{
    public static readonly PodTemplate Empty = new();

    public KeyValues Labels { get; init; } = KeyValues.Empty;

    public KeyValues Annotations { get; init; } = KeyValues.Empty;

    public ContainerTemplate[] Containers { get; init; } = [];
}

/// <summary>An apps/v1 Deployment, ReplicaSet, StatefulSet or DaemonSet.</summary>
public sealed record WorkloadObject
{
    public required WorkloadKind Kind { get; init; }

    public required ObjectMeta Meta { get; init; }

    /// <summary><c>spec.replicas</c>; null when absent (the API server defaults it to 1) and for DaemonSets, which have none.</summary>
    public int? Replicas { get; init; }

    /// <summary><c>status.replicas</c>; for a DaemonSet <c>status.currentNumberScheduled</c>.</summary>
    public int StatusReplicas { get; init; }

    /// <summary><c>status.readyReplicas</c>; for a DaemonSet <c>status.numberReady</c>.</summary>
    public int ReadyReplicas { get; init; }

    /// <summary><c>status.availableReplicas</c>; for a DaemonSet <c>status.numberAvailable</c>.</summary>
    public int AvailableReplicas { get; init; }

    /// <summary>A DaemonSet's <c>status.desiredNumberScheduled</c> (the nodes it should run on); 0 for the other kinds.</summary>
    public int DesiredScheduled { get; init; }

    /// <summary><c>spec.selector</c>; <see cref="LabelSelector.Nothing"/> when absent.</summary>
    public LabelSelector Selector { get; init; } = LabelSelector.Nothing;

    /// <summary>
    /// <c>spec.template</c>. A ReplicaSet with an owner (a Deployment's revision) is read without it: its owner's
    /// template is the workload's (<see cref="PodTemplate.Empty"/> here).
    /// </summary>
    public PodTemplate Template { get; init; } = PodTemplate.Empty;
}

/// <summary>How a Job ended, from its terminal condition.</summary>
public enum JobFinish : byte
{
    /// <summary>No <c>Complete</c> or <c>Failed</c> condition with status True: running, suspended or not started.</summary>
    None,
    Complete,
    Failed,
}

/// <summary>A batch/v1 Job.</summary>
public sealed record JobObject
{
    public required ObjectMeta Meta { get; init; }

    public LabelSelector Selector { get; init; } = LabelSelector.Nothing;

    public PodTemplate Template { get; init; } = PodTemplate.Empty;

    public int? Completions { get; init; }

    public int? Parallelism { get; init; }

    public bool Suspend { get; init; }

    /// <summary><c>spec.ttlSecondsAfterFinished</c>; null when the Job is never cleaned up by the TTL controller.</summary>
    public int? TtlSecondsAfterFinished { get; init; }

    public long StartTime { get; init; } = UnixTime.None;

    /// <summary><c>status.completionTime</c> (set for Complete only).</summary>
    public long CompletionTime { get; init; } = UnixTime.None;

    public JobFinish Finish { get; init; }

    /// <summary><c>lastTransitionTime</c> of the <c>Complete</c> or <c>Failed</c> condition; <see cref="UnixTime.None"/> when not finished or not stated.</summary>
    public long FinishTime { get; init; } = UnixTime.None;

    public int Active { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }
}

/// <summary>A batch/v1 CronJob.</summary>
public sealed record CronJobObject
{
    /// <summary>The API server's default of <c>successfulJobsHistoryLimit</c>.</summary>
    public const int DefaultSuccessfulJobsHistoryLimit = 3;

    /// <summary>The API server's default of <c>failedJobsHistoryLimit</c>.</summary>
    public const int DefaultFailedJobsHistoryLimit = 1;

    public required ObjectMeta Meta { get; init; }

    /// <summary><c>spec.schedule</c> id (cron syntax, as written).</summary>
    public int Schedule { get; init; }

    /// <summary><c>spec.timeZone</c> id; 0 when absent (the controller's local time).</summary>
    public int TimeZone { get; init; }

    public bool Suspend { get; init; }

    /// <summary>As written; null when absent (then <see cref="DefaultSuccessfulJobsHistoryLimit"/> applies).</summary>
    public int? SuccessfulJobsHistoryLimit { get; init; }

    public int? FailedJobsHistoryLimit { get; init; }

    public int EffectiveSuccessfulJobsHistoryLimit => SuccessfulJobsHistoryLimit ?? DefaultSuccessfulJobsHistoryLimit;

    public int EffectiveFailedJobsHistoryLimit => FailedJobsHistoryLimit ?? DefaultFailedJobsHistoryLimit;

    public long LastScheduleTime { get; init; } = UnixTime.None;

    public long LastSuccessfulTime { get; init; } = UnixTime.None;

    /// <summary><c>spec.jobTemplate.spec.ttlSecondsAfterFinished</c>: the TTL of the Jobs it creates.</summary>
    public int? JobTtlSecondsAfterFinished { get; init; }

    /// <summary><c>spec.jobTemplate.spec.template</c>.</summary>
    public PodTemplate JobTemplate { get; init; } = PodTemplate.Empty;

    /// <summary>Jobs listed in <c>status.active</c>.</summary>
    public int ActiveJobs { get; init; }
}

/// <summary>Where an HPA metric comes from (autoscaling/v2 <c>MetricSourceType</c>); only resource metrics are kept in full.</summary>
public enum HpaMetricSource : byte
{
    /// <summary>A resource of the whole pod (<c>type: Resource</c>).</summary>
    Resource,

    /// <summary>A resource of one container (<c>type: ContainerResource</c>).</summary>
    ContainerResource,
}

public enum HpaTargetType : byte
{
    Utilization,
    AverageValue,
    Value,
}

/// <summary>A cpu or memory metric an HPA scales on.</summary>
/// <param name="Resource">ResourceCatalog id (cpu, memory).</param>
/// <param name="Container">Container name id for <see cref="HpaMetricSource.ContainerResource"/>; 0 for <see cref="HpaMetricSource.Resource"/>.</param>
/// <param name="AverageUtilization">Percent of the request, for <see cref="HpaTargetType.Utilization"/>.</param>
/// <param name="Value">The target at the catalog's scale, for <see cref="HpaTargetType.AverageValue"/> and <see cref="HpaTargetType.Value"/>.</param>
public readonly record struct HpaResourceMetric(HpaMetricSource Source, int Resource, int Container, HpaTargetType Target, int AverageUtilization, long Value);

/// <summary>An autoscaling/v2 HorizontalPodAutoscaler.</summary>
public sealed record HorizontalPodAutoscalerObject
{
    public required ObjectMeta Meta { get; init; }

    /// <summary><c>spec.scaleTargetRef.kind</c> id.</summary>
    public int TargetKind { get; init; }

    public int TargetName { get; init; }

    /// <summary><c>spec.scaleTargetRef.apiVersion</c> id (0 when absent).</summary>
    public int TargetApiVersion { get; init; }

    /// <summary><c>spec.minReplicas</c>; 1 when absent, as the API server defaults it.</summary>
    public int MinReplicas { get; init; } = 1;

    public int MaxReplicas { get; init; }

    /// <summary>
    /// The Resource and ContainerResource metrics, in spec order. An HPA without <c>spec.metrics</c> scales on cpu at 80%
    /// utilization (the API server's default), and has that metric here.
    /// </summary>
    public HpaResourceMetric[] ResourceMetrics { get; init; } = [];

    /// <summary>Metrics of other types (Pods, Object, External): counted, not kept.</summary>
    public int OtherMetrics { get; init; }

    public int CurrentReplicas { get; init; }

    public int DesiredReplicas { get; init; }
}

/// <summary>A PersistentVolume's <c>status.phase</c>.</summary>
public enum VolumePhase : byte
{
    /// <summary>Absent from the source.</summary>
    Unknown,
    Pending,
    Available,
    Bound,
    Released,
    Failed,
}

public enum ReclaimPolicy : byte
{
    /// <summary>Absent from the source.</summary>
    Unknown,
    Retain,
    Delete,
    Recycle,
}

/// <summary>A PersistentVolumeClaim's <c>status.phase</c>.</summary>
public enum ClaimPhase : byte
{
    /// <summary>Absent from the source.</summary>
    Unknown,
    Pending,
    Bound,
    Lost,
}

[Flags]
public enum AccessModes : byte
{
    None = 0,
    ReadWriteOnce = 1 << 0,
    ReadOnlyMany = 1 << 1,
    ReadWriteMany = 1 << 2,
    ReadWriteOncePod = 1 << 3,
}

/// <summary>A PersistentVolume's <c>spec.claimRef</c>.</summary>
public readonly record struct ClaimReference(int Namespace, int Name, int Uid);

/// <summary>A v1 PersistentVolume (cluster-scoped: <see cref="ObjectMeta.Namespace"/> is 0).</summary>
public sealed record PersistentVolumeObject
{
    public required ObjectMeta Meta { get; init; }

    public VolumePhase Phase { get; init; }

    /// <summary><c>spec.claimRef</c>; null when the volume is not bound or reserved.</summary>
    public ClaimReference? ClaimRef { get; init; }

    /// <summary><c>spec.capacity.storage</c> in bytes; null when absent.</summary>
    public long? Capacity { get; init; }

    /// <summary><c>spec.storageClassName</c> id; 0 when none.</summary>
    public int StorageClass { get; init; }

    public ReclaimPolicy ReclaimPolicy { get; init; }

    public AccessModes AccessModes { get; init; }

    /// <summary>
    /// <c>status.lastPhaseTransitionTime</c> (Kubernetes 1.31+); <see cref="UnixTime.None"/> when the server does not set
    /// it, which means the time of the phase is unknown (not "now", not the creation time).
    /// </summary>
    public long LastPhaseTransitionTime { get; init; } = UnixTime.None;
}

/// <summary>A v1 PersistentVolumeClaim.</summary>
public sealed record PersistentVolumeClaimObject
{
    public required ObjectMeta Meta { get; init; }

    public ClaimPhase Phase { get; init; }

    /// <summary><c>spec.volumeName</c> id; 0 when not bound.</summary>
    public int VolumeName { get; init; }

    /// <summary><c>spec.resources.requests.storage</c> in bytes; null when absent.</summary>
    public long? RequestedStorage { get; init; }

    /// <summary><c>status.capacity.storage</c> in bytes (the bound volume's size); null when absent (not bound).</summary>
    public long? Capacity { get; init; }

    /// <summary><c>spec.storageClassName</c> id; 0 when none (absent or empty).</summary>
    public int StorageClass { get; init; }

    public AccessModes AccessModes { get; init; }
}

/// <summary>
/// A quantity under a name that is not a ResourceCatalog resource (a quota's <c>requests.cpu</c>, a LimitRange's
/// <c>storage</c>): cpu-like names (<c>cpu</c>, <c>requests.cpu</c>, <c>limits.cpu</c>) and ratios at
/// <see cref="Quantity.Milli"/>, everything else in units rounded up, as Kubernetes' <c>Value()</c> does.
/// </summary>
/// <param name="Name">Interned resource name.</param>
/// <param name="Scale">0 (units) or <see cref="Quantity.Milli"/>.</param>
public readonly record struct NamedQuantity(int Name, long Amount, int Scale);

/// <summary>One entry of a LimitRange's <c>spec.limits</c>.</summary>
public sealed record LimitRangeItem
{
    /// <summary><c>type</c> id: Container, Pod or PersistentVolumeClaim.</summary>
    public int Type { get; init; }

    public NamedQuantity[] Default { get; init; } = [];

    public NamedQuantity[] DefaultRequest { get; init; } = [];

    public NamedQuantity[] Min { get; init; } = [];

    public NamedQuantity[] Max { get; init; } = [];

    /// <summary>Ratios, always at <see cref="Quantity.Milli"/> (1.5 is 1500).</summary>
    public NamedQuantity[] MaxLimitRequestRatio { get; init; } = [];
}

/// <summary>A v1 LimitRange.</summary>
public sealed record LimitRangeObject
{
    public required ObjectMeta Meta { get; init; }

    public LimitRangeItem[] Limits { get; init; } = [];
}

/// <summary>A v1 ResourceQuota.</summary>
public sealed record ResourceQuotaObject
{
    public required ObjectMeta Meta { get; init; }

    /// <summary><c>spec.hard</c>, by name (as every <see cref="NamedQuantity"/> list).</summary>
    public NamedQuantity[] Hard { get; init; } = [];

    /// <summary><c>status.used</c> (what the quota controller counted).</summary>
    public NamedQuantity[] Used { get; init; } = [];

    /// <summary><c>spec.scopes</c> ids (BestEffort, NotTerminating…); <c>scopeSelector</c> is not kept.</summary>
    public int[] Scopes { get; init; } = [];
}
