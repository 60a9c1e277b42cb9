namespace Rebalancer.Core.Model.Inventory;

/// <summary>How a workload's identity was found.</summary>
public enum WorkloadResolution : byte
{
    /// <summary>The top owner is an object of the inventory (<see cref="WorkloadRef.ObjectRow"/> is its row).</summary>
    InSnapshot,

    /// <summary>
    /// An owner reference names an object of an inventory kind (a ReplicaSet, a Deployment…) that the snapshot does not
    /// hold, or holds with another uid (a deleted and recreated owner): the workload is that reference's kind and name,
    /// and <see cref="WorkloadRef.ObjectRow"/> the highest object found below it (-1 when none).
    /// </summary>
    Missing,

    /// <summary>
    /// The top owner's kind is outside the inventory (an Argo Rollout, a prometheus-operator Prometheus, a Tekton
    /// TaskRun…): the workload is that reference's kind and name, the object that holds the pod template.
    /// <see cref="WorkloadRef.ObjectRow"/> is the highest inventory object below it (a Rollout's ReplicaSet), or -1 when
    /// the pod's own controller is of such a kind.
    /// </summary>
    External,
}

/// <summary>One workload: the top owner pods and inventory objects resolve to.</summary>
/// <param name="Kind">The top owner's kind; <see cref="WorkloadKind.Other"/> for a kind outside the inventory.</param>
/// <param name="KindName">For <see cref="WorkloadKind.Other"/>, the owner reference's kind id; 0 otherwise.</param>
/// <param name="Uid">The top owner's uid id (from the object, or from the owner reference); 0 when unknown.</param>
/// <param name="ObjectKind">The kind of <paramref name="ObjectRow"/>.</param>
/// <param name="ObjectRow">The highest inventory object on the chain (the top owner itself when <see cref="WorkloadResolution.InSnapshot"/>), or -1.</param>
public readonly record struct WorkloadRef(
    WorkloadKind Kind,
    int KindName,
    int Namespace,
    int Name,
    int Uid,
    WorkloadResolution Resolution,
    WorkloadKind ObjectKind,
    int ObjectRow)
{
    public bool InSnapshot => Resolution == WorkloadResolution.InSnapshot;

    /// <summary>The kind as Kubernetes spells it: <c>Deployment</c>, or the owner reference's kind for <see cref="WorkloadKind.Other"/>.</summary>
    public string KindText(StringTable strings)
    {
        ArgumentNullException.ThrowIfNull(strings);
        return Kind == WorkloadKind.Other ? strings[KindName] : Kind.ToString();
    }
}

/// <summary>
/// Pod → workload resolution, computed once per snapshot (<see cref="ClusterSnapshot.Workloads"/>). A pod's workload is
/// its top owner: its controller reference is followed through the inventory (Pod → ReplicaSet → Deployment,
/// Pod → Job → CronJob, Pod → StatefulSet, Pod → DaemonSet, a bare ReplicaSet or Job is its own top) until an object
/// has no controller. Where the chain leaves the inventory the reference found there is the workload:
/// <see cref="WorkloadResolution.Missing"/> for an absent object of an inventory kind, <see cref="WorkloadResolution.External"/>
/// for a kind the inventory does not hold. Pods without an owner (bare pods) and mirror pods (owned by their Node)
/// have none. Every inventory workload object also resolves, so a Deployment scaled to zero is a workload without pods.
/// <para>
/// Owner references are matched by namespace, kind and name, and by uid when both sides have one (a reference to a
/// deleted owner whose name was reused is dangling, as the garbage collector treats it). Workloads are ordered by
/// namespace, kind and name (ordinal); pods within a workload by pod index. See docs/design/0002-snapshot-layout.md.
/// </para>
/// </summary>
public sealed class WorkloadIndex
{
    /// <summary>Owner chains longer than this (or cycles) stop at the last object reached.</summary>
    private const int MaxDepth = 8;

    private static readonly string[] KindNames = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"];

    private readonly WorkloadRef[] _workloads;
    private readonly int[] _podWorkload;
    private readonly int[] _podStart;
    private readonly int[] _pods;
    private readonly int[][] _objectWorkload;
    private readonly Dictionary<(WorkloadKind, int, int, int), int> _byIdentity;
    private readonly int[] _hpaTarget;
    private readonly int[] _hpaStart;
    private readonly int[] _hpas;
    private readonly int[] _jobCronJob;
    private readonly int[] _cronJobStart;
    private readonly int[] _cronJobJobs;

    internal WorkloadIndex(ClusterSnapshot snapshot)
    {
        var resolver = new Resolver(snapshot);
        ClusterInventory inventory = snapshot.Inventory;
        PodTable pods = snapshot.Pods;

        // Resolve every workload object, then every pod, into provisional ids (first-seen order).
        int[][] objectWorkload = new int[(int)WorkloadKind.Other][];
        for (var kind = WorkloadKind.Deployment; kind < WorkloadKind.Other; kind++)
        {
            objectWorkload[(int)kind] = new int[inventory.CountOf(kind)];
            for (int row = 0; row < objectWorkload[(int)kind].Length; row++)
            {
                objectWorkload[(int)kind][row] = resolver.ResolveObject(kind, row);
            }
        }

        int[] podWorkload = new int[pods.Count];
        for (int p = 0; p < podWorkload.Length; p++)
        {
            podWorkload[p] = resolver.ResolvePod(p);
        }

        // Renumber in namespace, kind, name order.
        List<WorkloadRef> found = resolver.Found;
        StringTable strings = snapshot.Strings;
        int[] order = [.. Enumerable.Range(0, found.Count)];
        Array.Sort(order, (a, b) => Compare(strings, found[a], found[b]));
        int[] renumber = new int[found.Count];
        _workloads = new WorkloadRef[found.Count];
        for (int i = 0; i < order.Length; i++)
        {
            renumber[order[i]] = i;
            _workloads[i] = found[order[i]];
        }

        _byIdentity = new Dictionary<(WorkloadKind, int, int, int), int>(_workloads.Length);
        for (int w = 0; w < _workloads.Length; w++)
        {
            _byIdentity.Add(Identity(_workloads[w]), w);
        }

        foreach (int[] rows in objectWorkload)
        {
            Renumber(rows, renumber);
        }

        Renumber(podWorkload, renumber);
        _objectWorkload = objectWorkload;
        _podWorkload = podWorkload;
        (_podStart, _pods) = Group(podWorkload, _workloads.Length);

        IReadOnlyList<HorizontalPodAutoscalerObject> hpas = inventory.HorizontalPodAutoscalers;
        _hpaTarget = new int[hpas.Count];
        for (int h = 0; h < hpas.Count; h++)
        {
            _hpaTarget[h] = HpaTarget(resolver, hpas[h]);
        }

        (_hpaStart, _hpas) = Group(_hpaTarget, _workloads.Length);

        IReadOnlyList<JobObject> jobs = inventory.Jobs;
        _jobCronJob = new int[jobs.Count];
        for (int j = 0; j < jobs.Count; j++)
        {
            _jobCronJob[j] = resolver.OwnerRow(jobs[j].Meta, WorkloadKind.CronJob);
        }

        (_cronJobStart, _cronJobJobs) = Group(_jobCronJob, inventory.CronJobs.Count);
    }

    /// <summary>Number of workloads.</summary>
    public int Count => _workloads.Length;

    public IReadOnlyList<WorkloadRef> Workloads => _workloads;

    public WorkloadRef this[int workload] => _workloads[workload];

    /// <summary>The workload of <paramref name="pod"/>, or -1 for a pod without one (bare, or a mirror pod).</summary>
    public int WorkloadOf(int pod) => _podWorkload[pod];

    /// <summary>The pods of <paramref name="workload"/> (every phase), in pod index order.</summary>
    public ReadOnlySpan<int> PodsOf(int workload) => _pods.AsSpan(_podStart[workload], _podStart[workload + 1] - _podStart[workload]);

    /// <summary>The workload an inventory object belongs to (a ReplicaSet's Deployment, a Job's CronJob, a Deployment itself).</summary>
    public int WorkloadOfObject(WorkloadKind kind, int row) => _objectWorkload[(int)kind][row];

    /// <summary>The workload with this identity, or -1. <paramref name="kindName"/> is the kind id for <see cref="WorkloadKind.Other"/>, otherwise ignored.</summary>
    public int Find(WorkloadKind kind, int kindName, int @namespace, int name) =>
        _byIdentity.TryGetValue((kind, kind == WorkloadKind.Other ? kindName : 0, @namespace, name), out int w) ? w : -1;

    /// <summary>
    /// The workload an HPA scales (its <c>scaleTargetRef</c>, resolved like an owner reference: an HPA on a Deployment
    /// scales that Deployment's workload), or -1 when the target is not in the snapshot.
    /// </summary>
    public int HpaTarget(int hpa) => _hpaTarget[hpa];

    /// <summary>The HPAs (rows) that scale <paramref name="workload"/>, in row order.</summary>
    public ReadOnlySpan<int> HpasOf(int workload) => _hpas.AsSpan(_hpaStart[workload], _hpaStart[workload + 1] - _hpaStart[workload]);

    /// <summary>The CronJob (row) that owns <paramref name="job"/>, or -1.</summary>
    public int CronJobOf(int job) => _jobCronJob[job];

    /// <summary>The Jobs (rows) owned by <paramref name="cronJob"/>, in row order.</summary>
    public ReadOnlySpan<int> JobsOf(int cronJob) =>
        _cronJobJobs.AsSpan(_cronJobStart[cronJob], _cronJobStart[cronJob + 1] - _cronJobStart[cronJob]);

    private static (WorkloadKind, int, int, int) Identity(in WorkloadRef w) => (w.Kind, w.KindName, w.Namespace, w.Name);

    private static int Compare(StringTable strings, in WorkloadRef a, in WorkloadRef b)
    {
        int c = string.CompareOrdinal(strings[a.Namespace], strings[b.Namespace]);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.KindText(strings), b.KindText(strings));
        }

        return c != 0 ? c : string.CompareOrdinal(strings[a.Name], strings[b.Name]);
    }

    private static void Renumber(int[] ids, int[] renumber)
    {
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] >= 0)
            {
                ids[i] = renumber[ids[i]];
            }
        }
    }

    /// <summary>Compressed rows: for each group, the items whose group id is it, in item order (-1 items left out).</summary>
    private static (int[] Start, int[] Items) Group(int[] groupOf, int groups)
    {
        int[] start = new int[groups + 1];
        foreach (int g in groupOf)
        {
            if (g >= 0)
            {
                start[g + 1]++;
            }
        }

        for (int g = 0; g < groups; g++)
        {
            start[g + 1] += start[g];
        }

        int[] items = new int[start[groups]];
        int[] fill = start[..^1];
        for (int i = 0; i < groupOf.Length; i++)
        {
            if (groupOf[i] >= 0)
            {
                items[fill[groupOf[i]]++] = i;
            }
        }

        return (start, items);
    }

    private int HpaTarget(Resolver resolver, HorizontalPodAutoscalerObject hpa)
    {
        WorkloadKind kind = resolver.KindOf(hpa.TargetKind);
        if (kind != WorkloadKind.Other)
        {
            int row = resolver.Inventory.Find(kind, hpa.Meta.Namespace, hpa.TargetName);
            return row >= 0 ? _objectWorkload[(int)kind][row] : Find(kind, 0, hpa.Meta.Namespace, hpa.TargetName);
        }

        return Find(WorkloadKind.Other, hpa.TargetKind, hpa.Meta.Namespace, hpa.TargetName);
    }

    /// <summary>Walks owner references; collects the distinct workloads in first-seen order.</summary>
    private sealed class Resolver
    {
        private readonly PodTable _pods;
        private readonly int[] _kindIds = new int[KindNames.Length];
        private readonly int _nodeKind;
        private readonly Dictionary<(WorkloadKind, int, int, int), int> _ids = [];
        private readonly Dictionary<(int Namespace, int Kind, int Name, int Uid), int> _byReference = [];

        public Resolver(ClusterSnapshot snapshot)
        {
            _pods = snapshot.Pods;
            Inventory = snapshot.Inventory;
            for (int k = 0; k < KindNames.Length; k++)
            {
                // Find, not Intern: the snapshot's string table is not changed by an index built from it.
                _kindIds[k] = snapshot.Strings.Find(KindNames[k]);
            }

            _nodeKind = snapshot.Strings.Find("Node");
        }

        public ClusterInventory Inventory { get; }

        public List<WorkloadRef> Found { get; } = [];

        public WorkloadKind KindOf(int kindId)
        {
            int k = kindId > 0 ? Array.IndexOf(_kindIds, kindId) : -1;
            return k < 0 ? WorkloadKind.Other : (WorkloadKind)k;
        }

        public int ResolvePod(int pod)
        {
            if (!_pods.TryGetController(pod, out OwnerRef owner) || owner.Kind == _nodeKind || owner.Kind == 0)
            {
                return -1;
            }

            // Pods of one controller resolve alike: one walk per controller, not per pod.
            var key = (_pods.Namespace[pod], owner.Kind, owner.Name, owner.Uid);
            if (!_byReference.TryGetValue(key, out int workload))
            {
                workload = Walk(_pods.Namespace[pod], owner, WorkloadKind.Other, -1);
                _byReference.Add(key, workload);
            }

            return workload;
        }

        public int ResolveObject(WorkloadKind kind, int row)
        {
            ObjectMeta meta = Inventory.MetaOf(kind, row);
            return meta.TryGetController(out OwnerRef owner) && owner.Kind != _nodeKind && owner.Kind != 0
                ? Walk(meta.Namespace, owner, kind, row)
                : Add(new WorkloadRef(kind, 0, meta.Namespace, meta.Name, meta.Uid, WorkloadResolution.InSnapshot, kind, row));
        }

        /// <summary>The row of the <paramref name="kind"/> object that controls <paramref name="meta"/>, or -1.</summary>
        public int OwnerRow(ObjectMeta meta, WorkloadKind kind) =>
            meta.TryGetController(out OwnerRef owner) && KindOf(owner.Kind) == kind ? Lookup(kind, meta.Namespace, owner) : -1;

        /// <summary>Follows <paramref name="owner"/> upwards from the object (<paramref name="kind"/>, <paramref name="row"/>) it was found on (-1: a pod).</summary>
        private int Walk(int ns, OwnerRef owner, WorkloadKind kind, int row)
        {
            for (int depth = 0; depth < MaxDepth; depth++)
            {
                WorkloadKind ownerKind = KindOf(owner.Kind);
                if (ownerKind == WorkloadKind.Other)
                {
                    return Add(new WorkloadRef(WorkloadKind.Other, owner.Kind, ns, owner.Name, owner.Uid, WorkloadResolution.External, kind, row));
                }

                int ownerRow = Lookup(ownerKind, ns, owner);
                if (ownerRow < 0)
                {
                    return Add(new WorkloadRef(ownerKind, 0, ns, owner.Name, owner.Uid, WorkloadResolution.Missing, kind, row));
                }

                (kind, row) = (ownerKind, ownerRow);
                if (!Inventory.MetaOf(kind, row).TryGetController(out owner) || owner.Kind == _nodeKind || owner.Kind == 0)
                {
                    break;
                }
            }

            ObjectMeta top = Inventory.MetaOf(kind, row);
            return Add(new WorkloadRef(kind, 0, ns, top.Name, top.Uid, WorkloadResolution.InSnapshot, kind, row));
        }

        private int Lookup(WorkloadKind kind, int ns, OwnerRef owner)
        {
            int row = Inventory.Find(kind, ns, owner.Name);
            if (row < 0)
            {
                return -1;
            }

            int uid = Inventory.MetaOf(kind, row).Uid;
            return owner.Uid != 0 && uid != 0 && owner.Uid != uid ? -1 : row;
        }

        private int Add(WorkloadRef workload)
        {
            if (!_ids.TryGetValue(Identity(workload), out int id))
            {
                id = Found.Count;
                Found.Add(workload);
                _ids.Add(Identity(workload), id);
            }

            return id;
        }
    }
}
