using Rebalancer.Core.Model;

namespace Rebalancer.Testing.Builders;

/// <summary>Customises one test pod; every method returns the builder so calls chain.</summary>
public sealed class PodBuilder(TestCluster cluster, PodRecord pod)
{
    private int Id(string value) => cluster.Strings.Intern(value);

    public PodRecord Record => pod;

    public TestCluster Cluster => cluster;

    public PodBuilder Namespace(string value)
    {
        pod.Namespace = Id(value);
        return this;
    }

    public PodBuilder Label(string key, string value)
    {
        pod.Labels.Add((Id(key), Id(value)));
        return this;
    }

    public PodBuilder Annotation(string key, string value)
    {
        pod.Annotations.Add((Id(key), Id(value)));
        pod.Flags |= key switch
        {
            "descheduler.alpha.kubernetes.io/evict" => PodFlags.EvictAnnotation,
            "descheduler.alpha.kubernetes.io/prefer-no-eviction" => PodFlags.PreferNoEviction,
            "kubernetes.io/config.mirror" => PodFlags.Mirror,
            "kubernetes.io/config.source" when value != "api" => PodFlags.Static,
            "cluster-autoscaler.kubernetes.io/safe-to-evict" when value == "false" => PodFlags.SafeToEvictFalse,
            "cluster-autoscaler.kubernetes.io/safe-to-evict" when value == "true" => PodFlags.SafeToEvictTrue,
            "karpenter.sh/do-not-disrupt" when value == "true" => PodFlags.DoNotDisrupt,
            _ => PodFlags.None,
        };
        return this;
    }

    public PodBuilder Owner(string kind, string name, string? uid = null, bool controller = true)
    {
        pod.Owners.Add(new OwnerRef(Id(kind), Id(name), Id(uid ?? $"{kind}/{name}"), controller));
        return this;
    }

    /// <summary>Replaces the container images (one regular container per image).</summary>
    public PodBuilder Images(params string[] images)
    {
        List<ResourceAmount> requests = pod.Containers.Count > 0 ? [.. pod.Containers[0].Requests] : [];
        pod.Containers.Clear();
        for (int i = 0; i < images.Length; i++)
        {
            ContainerRecord container = pod.AddContainer(ContainerKind.Regular);
            container.Name = Id($"c{i}");
            container.Image = Id(images[i]);
            if (i == 0)
            {
                container.Requests.AddRange(requests);
            }
        }

        return this;
    }

    public PodBuilder Container(ContainerKind kind, string image, params (string Resource, long Amount)[] requests)
    {
        ContainerRecord container = pod.AddContainer(kind);
        container.Name = Id($"c{pod.Containers.Count}");
        container.Image = Id(image);
        foreach ((string resource, long amount) in requests)
        {
            container.Requests.Add(new ResourceAmount(cluster.Builder.Resources.GetOrAdd(resource), amount));
        }

        return this;
    }

    public PodBuilder Request(string resource, long amount)
    {
        pod.Containers[0].Requests.Add(new ResourceAmount(cluster.Builder.Resources.GetOrAdd(resource), amount));
        return this;
    }

    /// <summary>Sets limits equal to requests on every container: a Guaranteed pod.</summary>
    public PodBuilder Guaranteed()
    {
        foreach (ContainerRecord container in pod.Containers)
        {
            container.Limits.Clear();
            container.Limits.AddRange(container.Requests);
        }

        return this;
    }

    public PodBuilder BestEffort()
    {
        foreach (ContainerRecord container in pod.Containers)
        {
            container.Requests.Clear();
            container.Limits.Clear();
        }

        return this;
    }

    public PodBuilder Phase(PodPhase phase)
    {
        pod.Phase = phase;
        return this;
    }

    public PodBuilder NotReady()
    {
        pod.Flags &= ~PodFlags.Ready;
        return this;
    }

    public PodBuilder Terminating()
    {
        pod.Flags |= PodFlags.Terminating;
        pod.DeletionTime = pod.CreationTime;
        return this;
    }

    public PodBuilder Priority(int value, string? className = null)
    {
        pod.Priority = value;
        pod.Flags |= PodFlags.HasPriority;
        if (className is not null)
        {
            pod.PriorityClassName = Id(className);
        }

        return this;
    }

    public PodBuilder SystemCritical() => Priority(2_000_000_000, "system-cluster-critical").Namespace("kube-system");

    public PodBuilder DaemonSet(string name) => Owner("DaemonSet", name);

    public PodBuilder EmptyDir()
    {
        pod.Flags |= PodFlags.EmptyDirVolume;
        return this;
    }

    public PodBuilder HostPath()
    {
        pod.Flags |= PodFlags.HostPathVolume;
        return this;
    }

    public PodBuilder Pvc(string claim)
    {
        pod.Flags |= PodFlags.PvcVolume;
        pod.PvcClaims.Add(Id(claim));
        return this;
    }

    public PodBuilder ResourceClaims()
    {
        pod.Flags |= PodFlags.ResourceClaims;
        return this;
    }

    public PodBuilder Started(DateTimeOffset at)
    {
        pod.StartTime = UnixTime.FromDateTimeOffset(at);
        pod.CreationTime = pod.StartTime;
        return this;
    }

    public PodBuilder NotStarted()
    {
        pod.StartTime = UnixTime.None;
        return this;
    }

    public PodBuilder Restarts(int restarts, bool init = false)
    {
        pod.ContainerStatuses.Add(new ContainerStatus(Id("main"), init, restarts, 0, 0, 0, false, true));
        return this;
    }

    /// <summary>Sets <c>metadata.creationTimestamp</c> only (<see cref="Started"/> sets the start time too).</summary>
    public PodBuilder Created(DateTimeOffset at)
    {
        pod.CreationTime = UnixTime.FromDateTimeOffset(at);
        return this;
    }

    /// <summary>Sets <c>status.reason</c> (e.g. NodeAffinity, Shutdown, Evicted).</summary>
    public PodBuilder StatusReason(string reason)
    {
        pod.StatusReason = Id(reason);
        return this;
    }

    /// <summary>
    /// Adds a container status: its restarts and current state — waiting with <paramref name="waiting"/>, or terminated
    /// with <paramref name="terminated"/> and/or <paramref name="exitCode"/>.
    /// </summary>
    public PodBuilder ContainerState(int restarts = 0, bool init = false, string? waiting = null, string? terminated = null, int? exitCode = null)
    {
        pod.ContainerStatuses.Add(new ContainerStatus(Id(init ? "init" : "main"), init, restarts,
            waiting is null ? 0 : Id(waiting), terminated is null ? 0 : Id(terminated), exitCode ?? 0, exitCode is not null, waiting is null && terminated is null));
        return this;
    }

    /// <summary>Adds a running container's status whose previous instance ended with <paramref name="reason"/> (<c>lastState.terminated.reason</c>).</summary>
    public PodBuilder LastTerminated(string container, string reason, int restarts = 1)
    {
        pod.ContainerStatuses.Add(new ContainerStatus(Id(container), false, restarts, 0, 0, 0, false, true) { LastTerminatedReason = Id(reason) });
        return this;
    }

    /// <summary>Adds (or replaces, by type) a pod condition.</summary>
    public PodBuilder Condition(string type, string status, string? reason = null, DateTimeOffset? lastTransition = null)
    {
        int t = Id(type);
        pod.Conditions.RemoveAll(c => c.Type == t);
        pod.Conditions.Add(new PodCondition(t, Id(status), reason is null ? 0 : Id(reason),
            lastTransition is DateTimeOffset at ? UnixTime.FromDateTimeOffset(at) : UnixTime.None));
        return this;
    }

    /// <summary>Removes every pod condition (the builder adds Ready=True by default).</summary>
    public PodBuilder NoConditions()
    {
        pod.Conditions.Clear();
        return this;
    }

    /// <summary>A preferred node affinity term: <paramref name="key"/> In <paramref name="values"/> with <paramref name="weight"/>.</summary>
    public PodBuilder PreferNodeLabelIn(int weight, string key, params string[] values) =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            PreferredNodeAffinity =
            [
                .. pod.Constraints.PreferredNodeAffinity,
                new PreferredSchedulingTerm(weight, new NodeSelectorTerm([new NodeSelectorRequirement(Id(key), SelectorOperator.In, values.Select(Id).ToArray(), values, false)])),
            ],
        }.Build());

    public PodBuilder Constraints(PodConstraints constraints)
    {
        pod.Constraints = constraints;
        return this;
    }

    public PodBuilder Tolerate(string key, string value = "", TaintEffect effect = TaintEffect.Any, TolerationOperator op = TolerationOperator.Equal) =>
        Constraints(new PodConstraintsCopy(pod.Constraints) { Tolerations = [.. pod.Constraints.Tolerations, new Toleration(Id(key), op, Id(value), effect)] }.Build());

    public PodBuilder NodeSelector(string key, string value) =>
        Constraints(new PodConstraintsCopy(pod.Constraints) { NodeSelector = [.. pod.Constraints.NodeSelector, (Id(key), Id(value))] }.Build());

    /// <summary>Required node affinity with one term: <paramref name="key"/> In <paramref name="values"/>.</summary>
    public PodBuilder RequireNodeLabelIn(string key, params string[] values) =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            RequiredNodeAffinity = [new NodeSelectorTerm([new NodeSelectorRequirement(Id(key), SelectorOperator.In, values.Select(Id).ToArray(), values, false)])],
        }.Build());

    /// <summary>Required pod anti-affinity against pods labelled <paramref name="labelKey"/>=<paramref name="labelValue"/>.</summary>
    public PodBuilder AntiAffinity(string labelKey, string labelValue, string topologyKey = "kubernetes.io/hostname") =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            RequiredPodAntiAffinity =
            [
                .. pod.Constraints.RequiredPodAntiAffinity,
                new PodAffinityTerm(TestCluster.Selector(cluster.Strings, (labelKey, labelValue)), [], null, Id(topologyKey)),
            ],
        }.Build());

    /// <summary>Required pod affinity to pods labelled <paramref name="labelKey"/>=<paramref name="labelValue"/>.</summary>
    public PodBuilder Affinity(string labelKey, string labelValue, string topologyKey = "kubernetes.io/hostname") =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            RequiredPodAffinity = [.. pod.Constraints.RequiredPodAffinity, Term(labelKey, labelValue, topologyKey)],
        }.Build());

    /// <summary>A preferred pod affinity term (the scheduler's InterPodAffinity score).</summary>
    public PodBuilder PreferAffinity(int weight, string labelKey, string labelValue, string topologyKey = "kubernetes.io/hostname") =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            PreferredPodAffinity = [.. pod.Constraints.PreferredPodAffinity, new WeightedPodAffinityTerm(weight, Term(labelKey, labelValue, topologyKey))],
        }.Build());

    /// <summary>A preferred pod anti-affinity term (the scheduler's InterPodAffinity score).</summary>
    public PodBuilder PreferAntiAffinity(int weight, string labelKey, string labelValue, string topologyKey = "kubernetes.io/hostname") =>
        Constraints(new PodConstraintsCopy(pod.Constraints)
        {
            PreferredPodAntiAffinity = [.. pod.Constraints.PreferredPodAntiAffinity, new WeightedPodAffinityTerm(weight, Term(labelKey, labelValue, topologyKey))],
        }.Build());

    /// <summary>
    /// Adds a topology spread constraint over pods labelled <paramref name="labelKey"/>=<paramref name="labelValue"/>, with
    /// the API's defaults (DoNotSchedule, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore) unless given.
    /// </summary>
    public PodBuilder TopologySpread(string topologyKey, int maxSkew, string labelKey, string labelValue,
        UnsatisfiableConstraintAction whenUnsatisfiable = UnsatisfiableConstraintAction.DoNotSchedule, int? minDomains = null,
        NodeInclusionPolicy nodeAffinityPolicy = NodeInclusionPolicy.Honor, NodeInclusionPolicy nodeTaintsPolicy = NodeInclusionPolicy.Ignore,
        params string[] matchLabelKeys)
    {
        var spread = new TopologySpreadConstraint(maxSkew, Id(topologyKey), whenUnsatisfiable, TestCluster.Selector(cluster.Strings, (labelKey, labelValue)),
            minDomains, nodeAffinityPolicy, nodeTaintsPolicy, matchLabelKeys.Select(Id).ToArray());
        return Constraints(new PodConstraintsCopy(pod.Constraints) { TopologySpread = [.. pod.Constraints.TopologySpread, spread] }.Build());
    }

    private PodAffinityTerm Term(string labelKey, string labelValue, string topologyKey) =>
        new(TestCluster.Selector(cluster.Strings, (labelKey, labelValue)), [], null, Id(topologyKey));

    /// <summary>A mutable copy of a constraint set, because the model's instances are shared and immutable.</summary>
    private sealed record PodConstraintsCopy(PodConstraints Source)
    {
        public Toleration[] Tolerations { get; init; } = Source.Tolerations;

        public (int Key, int Value)[] NodeSelector { get; init; } = Source.NodeSelector;

        public NodeSelectorTerm[]? RequiredNodeAffinity { get; init; } = Source.RequiredNodeAffinity;

        public PreferredSchedulingTerm[] PreferredNodeAffinity { get; init; } = Source.PreferredNodeAffinity;

        public PodAffinityTerm[] RequiredPodAffinity { get; init; } = Source.RequiredPodAffinity;

        public PodAffinityTerm[] RequiredPodAntiAffinity { get; init; } = Source.RequiredPodAntiAffinity;

        public WeightedPodAffinityTerm[] PreferredPodAffinity { get; init; } = Source.PreferredPodAffinity;

        public WeightedPodAffinityTerm[] PreferredPodAntiAffinity { get; init; } = Source.PreferredPodAntiAffinity;

        public TopologySpreadConstraint[] TopologySpread { get; init; } = Source.TopologySpread;

        public PodConstraints Build() => new()
        {
            Tolerations = Tolerations,
            NodeSelector = NodeSelector,
            RequiredNodeAffinity = RequiredNodeAffinity,
            PreferredNodeAffinity = PreferredNodeAffinity,
            RequiredPodAffinity = RequiredPodAffinity,
            RequiredPodAntiAffinity = RequiredPodAntiAffinity,
            PreferredPodAffinity = PreferredPodAffinity,
            PreferredPodAntiAffinity = PreferredPodAntiAffinity,
            TopologySpread = TopologySpread,
        };
    }
}
