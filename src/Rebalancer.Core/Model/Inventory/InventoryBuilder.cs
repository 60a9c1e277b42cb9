namespace Rebalancer.Core.Model.Inventory;

/// <summary>
/// Collects inventory objects in any order (<see cref="SnapshotBuilder.Inventory"/>); <see cref="Build"/> sorts each
/// kind by namespace then name so the inventory does not depend on the order of the source. An object whose kind,
/// namespace and name were already added is refused (<c>Add</c> returns false) so the loader can report where; an object
/// that breaks a value rule (<see cref="InventoryRules"/>) throws <see cref="SnapshotValueException"/> and is not kept.
/// </summary>
public sealed class InventoryBuilder
{
    private readonly StringTable _strings;
    private readonly List<WorkloadObject>[] _apps = [[], [], [], []];
    private readonly List<JobObject> _jobs = [];
    private readonly List<CronJobObject> _cronJobs = [];
    private readonly List<HorizontalPodAutoscalerObject> _hpas = [];
    private readonly List<PersistentVolumeObject> _volumes = [];
    private readonly List<PersistentVolumeClaimObject> _claims = [];
    private readonly List<LimitRangeObject> _limitRanges = [];
    private readonly List<ResourceQuotaObject> _quotas = [];
    private readonly HashSet<(InventoryKinds Kind, int Namespace, int Name)> _names = [];
    private readonly InventoryRules _rules;
    private InventoryKinds _read;

    internal InventoryBuilder(StringTable strings, ResourceCatalog resources)
    {
        _strings = strings;
        _rules = new InventoryRules(strings, resources);
    }

    /// <summary>Objects added so far.</summary>
    public int Count => _names.Count;

    /// <summary>Records that the source held a list of these kinds, even an empty one (adding an object marks its kind too).</summary>
    public void MarkRead(InventoryKinds kinds) => _read |= kinds;

    public bool Add(WorkloadObject workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        (InventoryKinds flag, List<WorkloadObject> list) = workload.Kind switch
        {
            WorkloadKind.Deployment => (InventoryKinds.Deployments, _apps[0]),
            WorkloadKind.ReplicaSet => (InventoryKinds.ReplicaSets, _apps[1]),
            WorkloadKind.StatefulSet => (InventoryKinds.StatefulSets, _apps[2]),
            WorkloadKind.DaemonSet => (InventoryKinds.DaemonSets, _apps[3]),
            _ => throw new ArgumentException($"{workload.Kind} is not an apps/v1 kind", nameof(workload)),
        };
        return Add(list, workload, workload.Meta, flag, _rules.Check);
    }

    public bool Add(JobObject job) => Add(_jobs, job, job.Meta, InventoryKinds.Jobs, _rules.Check);

    public bool Add(CronJobObject cronJob) => Add(_cronJobs, cronJob, cronJob.Meta, InventoryKinds.CronJobs, _rules.Check);

    public bool Add(HorizontalPodAutoscalerObject hpa) => Add(_hpas, hpa, hpa.Meta, InventoryKinds.HorizontalPodAutoscalers, _rules.Check);

    public bool Add(PersistentVolumeObject volume) => Add(_volumes, volume, volume.Meta, InventoryKinds.PersistentVolumes, InventoryRules.Check);

    public bool Add(PersistentVolumeClaimObject claim) => Add(_claims, claim, claim.Meta, InventoryKinds.PersistentVolumeClaims, InventoryRules.Check);

    public bool Add(LimitRangeObject limitRange) => Add(_limitRanges, limitRange, limitRange.Meta, InventoryKinds.LimitRanges, _rules.Check);

    public bool Add(ResourceQuotaObject quota) => Add(_quotas, quota, quota.Meta, InventoryKinds.ResourceQuotas, _rules.Check);

    public ClusterInventory Build() => new(
        _read,
        Sorted(_apps[0], w => w.Meta),
        Sorted(_apps[1], w => w.Meta),
        Sorted(_apps[2], w => w.Meta),
        Sorted(_apps[3], w => w.Meta),
        Sorted(_jobs, j => j.Meta),
        Sorted(_cronJobs, c => c.Meta),
        Sorted(_hpas, h => h.Meta),
        Sorted(_volumes, v => v.Meta),
        Sorted(_claims, c => c.Meta),
        Sorted(_limitRanges, l => l.Meta),
        Sorted(_quotas, q => q.Meta));

    /// <summary>The order every inventory array is kept in: namespace, then name, ordinal.</summary>
    public static int Compare(StringTable strings, ObjectMeta a, ObjectMeta b)
    {
        ArgumentNullException.ThrowIfNull(strings);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int byNamespace = a.Namespace == b.Namespace ? 0 : string.CompareOrdinal(strings[a.Namespace], strings[b.Namespace]);
        return byNamespace != 0 ? byNamespace : a.Name == b.Name ? 0 : string.CompareOrdinal(strings[a.Name], strings[b.Name]);
    }

    /// <summary>Checks <paramref name="item"/>'s values (throwing), then adds it unless its name was added before.</summary>
    private bool Add<T>(List<T> list, T item, ObjectMeta meta, InventoryKinds kind, Action<T> check)
    {
        ArgumentNullException.ThrowIfNull(item);
        check(item);
        _read |= kind;
        if (!_names.Add((kind, meta.Namespace, meta.Name)))
        {
            return false;
        }

        list.Add(item);
        return true;
    }

    private T[] Sorted<T>(List<T> list, Func<T, ObjectMeta> meta)
    {
        T[] items = [.. list];
        // Names are unique per kind, so an unstable sort is still deterministic.
        Array.Sort(items, (a, b) => Compare(_strings, meta(a), meta(b)));
        return items;
    }
}
