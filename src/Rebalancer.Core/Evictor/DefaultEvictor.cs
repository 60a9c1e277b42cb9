using Rebalancer.Core.Model;

namespace Rebalancer.Core.Evictor;

/// <summary>A reason a pod may not be evicted: the machine code and the human detail.</summary>
public readonly record struct Protection(string Reason, string Detail);

/// <summary>
/// The DefaultEvictor's Filter (descheduler-semantics §2.3) compiled against one snapshot. Stateless after construction:
/// nodeFit is not here, because Rebalancer evaluates it against the cumulative projection (see PlanningContext).
/// </summary>
public sealed class DefaultEvictor
{
    /// <summary>scheduling.SystemCriticalPriority: system-cluster-critical and system-node-critical are at or above it.</summary>
    public const int SystemCriticalPriority = 2_000_000_000;

    private readonly ClusterSnapshot _snapshot;
    private readonly LabelSelector? _labelSelector;
    private readonly LabelSelector? _namespaceSelector;
    private readonly LabelSelector? _nodeSelector;
    private readonly int? _priorityThreshold;
    private readonly string? _priorityThresholdUnresolved;
    private readonly Dictionary<int, int> _podsPerOwnerUid = [];
    private readonly HashSet<int> _protectedStorageClasses = [];
    private readonly Func<int, bool> _hasPdb;
    private readonly long _now;

    public DefaultEvictor(ClusterSnapshot snapshot, DefaultEvictorSettings settings, DateTimeOffset now, Func<int, bool> hasPdb, List<string> warnings)
    {
        _snapshot = snapshot;
        Settings = settings;
        _now = now.ToUnixTimeMilliseconds();
        _hasPdb = hasPdb;
        _labelSelector = settings.LabelSelector?.Compile(snapshot.Strings);
        _namespaceSelector = settings.NamespaceLabelSelector?.Compile(snapshot.Strings);
        _nodeSelector = settings.NodeSelector?.Compile(snapshot.Strings);
        if (_namespaceSelector is not null && snapshot.Namespaces.Count == 0)
        {
            warnings.Add("namespaceLabelSelector is set but the snapshot has no Namespace objects: no pod can match it");
        }

        if (settings.PriorityThresholdValue is int value)
        {
            _priorityThreshold = value;
        }
        else if (settings.PriorityThresholdName is string name)
        {
            int id = snapshot.Strings.Find(name);
            if (id >= 0 && snapshot.PriorityClasses.TryGetValue(id, out PriorityClassInfo info))
            {
                _priorityThreshold = info.Value;
            }
            else
            {
                // The descheduler fails to start here; a snapshot may simply lack PriorityClasses, so protect conservatively.
                _priorityThreshold = int.MinValue;
                _priorityThresholdUnresolved = name;
                warnings.Add($"priorityThreshold.name '{name}' is not a PriorityClass in the snapshot: every pod with a priority is treated as protected");
            }
        }

        if (settings.MinReplicas > 1)
        {
            PodTable pods = snapshot.Pods;
            for (int p = 0; p < pods.Count; p++)
            {
                ReadOnlySpan<OwnerRef> owners = pods.OwnersOf(p);
                if (owners.Length == 1)
                {
                    _podsPerOwnerUid[owners[0].Uid] = _podsPerOwnerUid.GetValueOrDefault(owners[0].Uid) + 1;
                }
            }
        }

        foreach (string storageClass in settings.ProtectedStorageClasses)
        {
            _protectedStorageClasses.Add(snapshot.Strings.Find(storageClass));
        }
    }

    public DefaultEvictorSettings Settings { get; }

    /// <summary>The label selector restricting nodeFit's candidate nodes (DefaultEvictor's own nodeSelector), or null.</summary>
    public LabelSelector? NodeSelector => _nodeSelector;

    /// <summary>Filter: null when the pod is evictable, else the first protection that applies (in the descheduler's order).</summary>
    public Protection? Filter(int pod)
    {
        PodTable pods = _snapshot.Pods;
        PodFlags flags = pods.Flags[pod];
        if ((flags & PodFlags.EvictAnnotation) != 0)
        {
            return null; // descheduler.alpha.kubernetes.io/evict bypasses every protection; PDBs still apply.
        }

        if (Settings.NoEvictionPolicy == NoEvictionPolicy.Mandatory && (flags & PodFlags.PreferNoEviction) != 0)
        {
            return new Protection(SkipReasons.PreferNoEviction, "annotated descheduler.alpha.kubernetes.io/prefer-no-eviction and noEvictionPolicy is Mandatory");
        }

        if ((flags & PodFlags.Mirror) != 0)
        {
            return new Protection(SkipReasons.Mirror, "mirror pod (kubernetes.io/config.mirror)");
        }

        if ((flags & PodFlags.Static) != 0)
        {
            return new Protection(SkipReasons.Static, "static pod (kubernetes.io/config.source is not api)");
        }

        if ((flags & PodFlags.Terminating) != 0)
        {
            return new Protection(SkipReasons.Terminating, "already terminating (deletionTimestamp set)");
        }

        return Constraints(pod, flags);
    }

    /// <summary>PreEvictionFilter apart from nodeFit: the namespace label selector.</summary>
    public Protection? PreEvictionFilter(int pod)
    {
        if (_namespaceSelector is null)
        {
            return null;
        }

        int ns = _snapshot.Namespaces.IndexOf(_snapshot.Pods.Namespace[pod]);
        if (ns >= 0 && _namespaceSelector.Matches(_snapshot.Namespaces.Labels[ns]))
        {
            return null;
        }

        return new Protection(SkipReasons.NamespaceLabelSelector,
            $"namespace {_snapshot.Strings[_snapshot.Pods.Namespace[pod]]} does not match namespaceLabelSelector {Settings.NamespaceLabelSelector}");
    }

    private Protection? Constraints(int pod, PodFlags flags)
    {
        PodTable pods = _snapshot.Pods;
        bool hasPriority = (flags & PodFlags.HasPriority) != 0;
        int priority = pods.Priority[pod];
        if (Settings.Protects(PodProtections.SystemCriticalPods) && hasPriority)
        {
            if (priority >= SystemCriticalPriority)
            {
                return new Protection(SkipReasons.SystemCritical, $"system-critical priority {priority} >= {SystemCriticalPriority}");
            }

            if (_priorityThreshold is int threshold && priority >= threshold)
            {
                return new Protection(SkipReasons.PriorityThreshold, _priorityThresholdUnresolved is null
                    ? $"priority {priority} >= priorityThreshold {threshold}"
                    : $"has a priority and priorityThreshold.name '{_priorityThresholdUnresolved}' is not a PriorityClass in the snapshot");
            }
        }

        bool bare = pods.OwnerStart[pod] == pods.OwnerStart[pod + 1];
        if (bare)
        {
            if (Settings.Protects(PodProtections.FailedBarePods))
            {
                return new Protection(SkipReasons.Bare, "bare pod (no ownerReferences): nothing would recreate it");
            }

            if (pods.Phase[pod] != PodPhase.Failed)
            {
                return new Protection(SkipReasons.Bare, "bare pod that has not failed: nothing would recreate it");
            }
        }

        if (Settings.Protects(PodProtections.PodsWithLocalStorage) && (flags & (PodFlags.EmptyDirVolume | PodFlags.HostPathVolume)) != 0)
        {
            return new Protection(SkipReasons.LocalStorage, "uses local storage (emptyDir or hostPath volume)");
        }

        if (Settings.Protects(PodProtections.DaemonSetPods) && (flags & PodFlags.DaemonSetOwned) != 0)
        {
            return new Protection(SkipReasons.DaemonSet, "owned by a DaemonSet");
        }

        if (Settings.Protects(PodProtections.PodsWithPVC) && (flags & PodFlags.PvcVolume) != 0 && HasProtectedClaim(pod))
        {
            return new Protection(SkipReasons.Pvc, _protectedStorageClasses.Count == 0
                ? "uses a PersistentVolumeClaim"
                : "uses a PersistentVolumeClaim of a protected storage class");
        }

        if (Settings.Protects(PodProtections.PodsWithoutPDB) && !_hasPdb(pod))
        {
            return new Protection(SkipReasons.WithoutPdb, "no PodDisruptionBudget selects it");
        }

        if (Settings.Protects(PodProtections.PodsWithResourceClaims) && (flags & PodFlags.ResourceClaims) != 0)
        {
            return new Protection(SkipReasons.ResourceClaims, "uses dynamic resource claims");
        }

        if (Settings.Protects(PodProtections.SafeToEvictAnnotation) && (flags & PodFlags.SafeToEvictFalse) != 0)
        {
            return new Protection(SkipReasons.SafeToEvict, "annotated cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\"");
        }

        if (Settings.Protects(PodProtections.DoNotDisruptAnnotation) && (flags & PodFlags.DoNotDisrupt) != 0)
        {
            return new Protection(SkipReasons.DoNotDisrupt, "annotated karpenter.sh/do-not-disrupt: \"true\"");
        }

        if (_labelSelector is not null && !_labelSelector.Matches(pods.Labels[pod]))
        {
            return new Protection(SkipReasons.LabelSelector, $"labels do not match the evictor's labelSelector {Settings.LabelSelector}");
        }

        if (Settings.MinReplicas > 1)
        {
            ReadOnlySpan<OwnerRef> owners = pods.OwnersOf(pod);
            if (owners.Length == 1)
            {
                int count = _podsPerOwnerUid.GetValueOrDefault(owners[0].Uid);
                if (count < Settings.MinReplicas)
                {
                    return new Protection(SkipReasons.MinReplicas,
                        $"{_snapshot.Strings[owners[0].Kind]} {_snapshot.Strings[owners[0].Name]} has {count} pod(s) < minReplicas {Settings.MinReplicas}");
                }
            }
        }

        if (Settings.MinPodAge is TimeSpan minAge)
        {
            long start = pods.StartTime[pod];
            if (start == UnixTime.None)
            {
                return new Protection(SkipReasons.MinPodAge, "has no startTime yet (minPodAge)");
            }

            TimeSpan age = TimeSpan.FromMilliseconds(_now - start);
            if (age < minAge)
            {
                return new Protection(SkipReasons.MinPodAge, $"age {Format(age)} < minPodAge {Format(minAge)}");
            }
        }

        return null;
    }

    private bool HasProtectedClaim(int pod)
    {
        if (_protectedStorageClasses.Count == 0)
        {
            return true;
        }

        int ns = _snapshot.Pods.Namespace[pod];
        foreach (int claim in _snapshot.Pods.PvcClaimsOf(pod))
        {
            // A claim we cannot resolve to a storage class protects the pod, as in the descheduler.
            if (!_snapshot.PvcStorageClasses.TryGetValue((ns, claim), out int storageClass) || _protectedStorageClasses.Contains(storageClass))
            {
                return true;
            }
        }

        return _snapshot.Pods.PvcClaimsOf(pod).Length == 0;
    }

    private static string Format(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#}h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#}m" : $"{span.TotalSeconds:0}s";
}
