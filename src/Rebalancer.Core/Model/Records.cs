namespace Rebalancer.Core.Model;

/// <summary>An ownerReference with interned kind, name and uid.</summary>
public readonly record struct OwnerRef(int Kind, int Name, int Uid, bool Controller);

public enum ContainerKind : byte
{
    Regular,
    Init,
    /// <summary>An init container with <c>restartPolicy: Always</c> (a sidecar): it runs beside the regular containers.</summary>
    SidecarInit,
}

/// <summary>A resource amount at the resource's storage scale (cpu millicores, otherwise units).</summary>
public readonly record struct ResourceAmount(int Resource, long Amount);

/// <summary>One container of a pod as the builder needs it. Reused by loaders; call <see cref="Clear"/> between pods.</summary>
public sealed class ContainerRecord
{
    public int Name { get; set; }

    public int Image { get; set; }

    public ContainerKind Kind { get; set; }

    public List<ResourceAmount> Requests { get; } = [];

    public List<ResourceAmount> Limits { get; } = [];

    public void Clear()
    {
        Name = 0;
        Image = 0;
        Kind = ContainerKind.Regular;
        Requests.Clear();
        Limits.Clear();
    }
}

/// <summary>A container status: restarts and the current waiting / last terminated state, all interned.</summary>
public readonly record struct ContainerStatus(int Name, bool Init, int RestartCount, int WaitingReason, int TerminatedReason, int ExitCode, bool HasExitCode, bool Ready)
{
    /// <summary>
    /// <c>lastState.terminated.reason</c> (interned; 0 when none): why the previous instance of the container ended,
    /// e.g. <c>OOMKilled</c> while the current state is a CrashLoopBackOff wait.
    /// </summary>
    public int LastTerminatedReason { get; init; }
}

public readonly record struct PodCondition(int Type, int Status, int Reason, long LastTransitionTime);

/// <summary>
/// The mutable input of <see cref="SnapshotBuilder.AddPod"/>. Loaders keep one instance and <see cref="Clear"/> it per pod,
/// so reading 150,000 pods allocates no per-pod input objects. Strings are interned ids of the builder's table.
/// </summary>
public sealed class PodRecord
{
    private readonly List<ContainerRecord> _containerPool = [];

    public int Namespace { get; set; }

    public string Name { get; set; } = string.Empty;

    public string Uid { get; set; } = string.Empty;

    /// <summary><c>spec.nodeName</c> id; 0 when unscheduled.</summary>
    public int NodeName { get; set; }

    public PodPhase Phase { get; set; } = PodPhase.Running;

    public PodFlags Flags { get; set; }

    public int Priority { get; set; }

    public int PriorityClassName { get; set; }

    /// <summary><c>status.qosClass</c> when the source states it; otherwise computed from the containers.</summary>
    public QosClass? Qos { get; set; }

    public int StatusReason { get; set; }

    public long CreationTime { get; set; } = UnixTime.None;

    public long StartTime { get; set; } = UnixTime.None;

    public long DeletionTime { get; set; } = UnixTime.None;

    public List<(int Key, int Value)> Labels { get; } = [];

    public List<(int Key, int Value)> Annotations { get; } = [];

    public List<OwnerRef> Owners { get; } = [];

    public List<ContainerRecord> Containers { get; } = [];

    public List<ResourceAmount> Overhead { get; } = [];

    public List<int> PvcClaims { get; } = [];

    public List<ContainerStatus> ContainerStatuses { get; } = [];

    public List<PodCondition> Conditions { get; } = [];

    public PodConstraints Constraints { get; set; } = PodConstraints.None;

    /// <summary>Adds a container, reusing a pooled instance.</summary>
    public ContainerRecord AddContainer(ContainerKind kind)
    {
        ContainerRecord container;
        if (Containers.Count < _containerPool.Count)
        {
            container = _containerPool[Containers.Count];
            container.Clear();
        }
        else
        {
            container = new ContainerRecord();
            _containerPool.Add(container);
        }

        container.Kind = kind;
        Containers.Add(container);
        return container;
    }

    public void Clear()
    {
        Namespace = 0;
        Name = string.Empty;
        Uid = string.Empty;
        NodeName = 0;
        Phase = PodPhase.Running;
        Flags = PodFlags.None;
        Priority = 0;
        PriorityClassName = 0;
        Qos = null;
        StatusReason = 0;
        CreationTime = UnixTime.None;
        StartTime = UnixTime.None;
        DeletionTime = UnixTime.None;
        Labels.Clear();
        Annotations.Clear();
        Owners.Clear();
        Containers.Clear();
        Overhead.Clear();
        PvcClaims.Clear();
        ContainerStatuses.Clear();
        Conditions.Clear();
        Constraints = PodConstraints.None;
    }
}

/// <summary>The mutable input of <see cref="SnapshotBuilder.AddNode"/>.</summary>
public sealed class NodeRecord
{
    public string Name { get; set; } = string.Empty;

    public NodeFlags Flags { get; set; }

    public long CreationTime { get; set; } = UnixTime.None;

    public List<(int Key, int Value)> Labels { get; } = [];

    public List<(int Key, int Value)> Annotations { get; } = [];

    public List<Taint> Taints { get; } = [];

    /// <summary><c>status.allocatable</c>; when empty the builder falls back to <see cref="Capacity"/> as the descheduler does.</summary>
    public List<ResourceAmount> Allocatable { get; } = [];

    public List<ResourceAmount> Capacity { get; } = [];

    public void Clear()
    {
        Name = string.Empty;
        Flags = NodeFlags.None;
        CreationTime = UnixTime.None;
        Labels.Clear();
        Annotations.Clear();
        Taints.Clear();
        Allocatable.Clear();
        Capacity.Clear();
    }
}

/// <summary>An int-or-percent value (<c>minAvailable</c>, <c>maxUnavailable</c>).</summary>
public readonly record struct IntOrPercent(int Value, bool IsPercent)
{
    /// <summary>intstr.GetScaledValueFromIntOrPercent with roundUp: percentages round up.</summary>
    public int Scale(int total) => IsPercent ? (int)Math.Ceiling(Value * (double)total / 100.0) : Value;

    public override string ToString() => IsPercent ? $"{Value}%" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A policy/v1 PodDisruptionBudget with its status.</summary>
public sealed class PdbRecord
{
    public int Namespace { get; set; }

    public string Name { get; set; } = string.Empty;

    /// <summary><see cref="LabelSelector.Nothing"/> for a null selector, as the API treats it.</summary>
    public LabelSelector Selector { get; set; } = LabelSelector.Nothing;

    public IntOrPercent? MinAvailable { get; set; }

    public IntOrPercent? MaxUnavailable { get; set; }

    public UnhealthyPodEvictionPolicy UnhealthyPodEvictionPolicy { get; set; }

    public long Generation { get; set; }

    public bool HasStatus { get; set; }

    public long ObservedGeneration { get; set; }

    public int DisruptionsAllowed { get; set; }

    public int CurrentHealthy { get; set; }

    public int DesiredHealthy { get; set; }

    public int ExpectedPods { get; set; }

    /// <summary>Names of pods in <c>status.disruptedPods</c> (evicted, not yet gone).</summary>
    public List<string> DisruptedPods { get; } = [];
}
