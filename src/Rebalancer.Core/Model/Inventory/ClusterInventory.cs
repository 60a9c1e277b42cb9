namespace Rebalancer.Core.Model.Inventory;

/// <summary>
/// The workload and housekeeping objects of a snapshot: apps/v1 Deployments, ReplicaSets, StatefulSets and DaemonSets,
/// batch/v1 Jobs and CronJobs, autoscaling/v2 HorizontalPodAutoscalers, v1 PersistentVolumes, PersistentVolumeClaims,
/// LimitRanges and ResourceQuotas. Each kind is an array sorted by namespace then name (ordinal), one object per name.
/// Which pods belong to which workload is <see cref="ClusterSnapshot.Workloads"/>; which pods mount which claims is
/// <see cref="ClusterSnapshot.Volumes"/>. See docs/design/0002-snapshot-layout.md, "Inventory".
/// </summary>
public sealed class ClusterInventory
{
    private readonly Dictionary<(int Namespace, int Name), int>[] _byKind;
    private readonly Dictionary<(int, int), int> _claims;
    private readonly Dictionary<int, int> _volumes;

    /// <summary>
    /// An inventory from finished arrays. The caller vouches for the order (namespace then name, ordinal) and that every
    /// id is in range (<see cref="InventoryBuilder.Build"/> sorts; the compact snapshot reader checks); a duplicate
    /// name within a kind throws.
    /// </summary>
    public ClusterInventory(
        InventoryKinds kindsRead,
        WorkloadObject[] deployments,
        WorkloadObject[] replicaSets,
        WorkloadObject[] statefulSets,
        WorkloadObject[] daemonSets,
        JobObject[] jobs,
        CronJobObject[] cronJobs,
        HorizontalPodAutoscalerObject[] horizontalPodAutoscalers,
        PersistentVolumeObject[] persistentVolumes,
        PersistentVolumeClaimObject[] persistentVolumeClaims,
        LimitRangeObject[] limitRanges,
        ResourceQuotaObject[] resourceQuotas)
    {
        KindsRead = kindsRead;
        Deployments = deployments;
        ReplicaSets = replicaSets;
        StatefulSets = statefulSets;
        DaemonSets = daemonSets;
        Jobs = jobs;
        CronJobs = cronJobs;
        HorizontalPodAutoscalers = horizontalPodAutoscalers;
        PersistentVolumes = persistentVolumes;
        PersistentVolumeClaims = persistentVolumeClaims;
        LimitRanges = limitRanges;
        ResourceQuotas = resourceQuotas;
        _byKind =
        [
            Index(deployments, d => d.Meta, "Deployment"),
            Index(replicaSets, d => d.Meta, "ReplicaSet"),
            Index(statefulSets, d => d.Meta, "StatefulSet"),
            Index(daemonSets, d => d.Meta, "DaemonSet"),
            Index(jobs, j => j.Meta, "Job"),
            Index(cronJobs, c => c.Meta, "CronJob"),
        ];
        _claims = Index(persistentVolumeClaims, c => c.Meta, "PersistentVolumeClaim");
        _volumes = new Dictionary<int, int>(persistentVolumes.Length);
        for (int i = 0; i < persistentVolumes.Length; i++)
        {
            if (!_volumes.TryAdd(persistentVolumes[i].Meta.Name, i))
            {
                throw new ArgumentException($"PersistentVolume name id {persistentVolumes[i].Meta.Name} appears twice", nameof(persistentVolumes));
            }
        }

        Index(horizontalPodAutoscalers, h => h.Meta, "HorizontalPodAutoscaler");
        Index(limitRanges, l => l.Meta, "LimitRange");
        Index(resourceQuotas, q => q.Meta, "ResourceQuota");
    }

    public static ClusterInventory Empty { get; } = new(InventoryKinds.None, [], [], [], [], [], [], [], [], [], [], []);

    /// <summary>
    /// The kinds the source held: a list of the kind was read (live), or the file had an object or a typed list of it.
    /// A kind not read is unknown, not empty: an analysis that needs it says so instead of reporting that none exist.
    /// </summary>
    public InventoryKinds KindsRead { get; }

    public IReadOnlyList<WorkloadObject> Deployments { get; }

    public IReadOnlyList<WorkloadObject> ReplicaSets { get; }

    public IReadOnlyList<WorkloadObject> StatefulSets { get; }

    public IReadOnlyList<WorkloadObject> DaemonSets { get; }

    public IReadOnlyList<JobObject> Jobs { get; }

    public IReadOnlyList<CronJobObject> CronJobs { get; }

    public IReadOnlyList<HorizontalPodAutoscalerObject> HorizontalPodAutoscalers { get; }

    public IReadOnlyList<PersistentVolumeObject> PersistentVolumes { get; }

    public IReadOnlyList<PersistentVolumeClaimObject> PersistentVolumeClaims { get; }

    public IReadOnlyList<LimitRangeObject> LimitRanges { get; }

    public IReadOnlyList<ResourceQuotaObject> ResourceQuotas { get; }

    /// <summary>Objects of all kinds.</summary>
    public int Count => Deployments.Count + ReplicaSets.Count + StatefulSets.Count + DaemonSets.Count + Jobs.Count + CronJobs.Count
        + HorizontalPodAutoscalers.Count + PersistentVolumes.Count + PersistentVolumeClaims.Count + LimitRanges.Count + ResourceQuotas.Count;

    public bool WasRead(InventoryKinds kinds) => (KindsRead & kinds) == kinds;

    /// <summary>The apps/v1 objects of <paramref name="kind"/> (Deployment, ReplicaSet, StatefulSet or DaemonSet).</summary>
    public IReadOnlyList<WorkloadObject> AppsObjects(WorkloadKind kind) => kind switch
    {
        WorkloadKind.Deployment => Deployments,
        WorkloadKind.ReplicaSet => ReplicaSets,
        WorkloadKind.StatefulSet => StatefulSets,
        WorkloadKind.DaemonSet => DaemonSets,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an apps/v1 kind"),
    };

    /// <summary>The row of the <paramref name="kind"/> object named <paramref name="name"/> in <paramref name="namespace"/> (ids), or -1.</summary>
    public int Find(WorkloadKind kind, int @namespace, int name) =>
        kind != WorkloadKind.Other && _byKind[(int)kind].TryGetValue((@namespace, name), out int row) ? row : -1;

    /// <summary>The metadata of a workload-kind object.</summary>
    public ObjectMeta MetaOf(WorkloadKind kind, int row) => kind switch
    {
        WorkloadKind.Job => Jobs[row].Meta,
        WorkloadKind.CronJob => CronJobs[row].Meta,
        _ => AppsObjects(kind)[row].Meta,
    };

    /// <summary>The number of objects of a workload kind.</summary>
    public int CountOf(WorkloadKind kind) => kind switch
    {
        WorkloadKind.Job => Jobs.Count,
        WorkloadKind.CronJob => CronJobs.Count,
        WorkloadKind.Other => 0,
        _ => AppsObjects(kind).Count,
    };

    /// <summary>The row of a PersistentVolumeClaim, or -1.</summary>
    public int FindClaim(int @namespace, int name) => _claims.TryGetValue((@namespace, name), out int row) ? row : -1;

    /// <summary>The row of a PersistentVolume by name id, or -1.</summary>
    public int FindVolume(int name) => _volumes.TryGetValue(name, out int row) ? row : -1;

    private static Dictionary<(int, int), int> Index<T>(T[] objects, Func<T, ObjectMeta> meta, string kind)
    {
        var index = new Dictionary<(int, int), int>(objects.Length);
        for (int i = 0; i < objects.Length; i++)
        {
            ObjectMeta m = meta(objects[i]);
            if (!index.TryAdd((m.Namespace, m.Name), i))
            {
                throw new ArgumentException($"{kind} (namespace id {m.Namespace}, name id {m.Name}) appears twice", nameof(objects));
            }
        }

        return index;
    }
}
