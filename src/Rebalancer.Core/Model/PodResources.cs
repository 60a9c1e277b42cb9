namespace Rebalancer.Core.Model;

/// <summary>
/// Effective pod requests and QoS class, computed as the scheduler does (k8s.io/component-helpers resource.PodRequests,
/// v1.32): the sum of the regular containers; each init container runs alone (plus the sidecars started before it), so
/// the pod needs the max of that and the regular sum; sidecar init containers (restartPolicy Always) are added to the
/// regular sum; pod overhead is added last.
/// <para>
/// Sums are checked: amounts that add up past <see cref="long.MaxValue"/> throw <see cref="OverflowException"/>
/// (<see cref="SnapshotBuilder"/> reports it as a <see cref="SnapshotValueException"/>).
/// </para>
/// <para>
/// A container's request for a resource it only limits is the limit, as the API server's defaulting (SetDefaults_Pod)
/// makes it. Objects read from a cluster are already defaulted; hand-written fixtures and snapshot files may not be, and
/// a GPU pod that only sets <c>limits: {nvidia.com/gpu: 1}</c> does occupy the GPU.
/// </para>
/// </summary>
public static class PodResources
{
    /// <summary>Writes the effective requests into <paramref name="requests"/> (length = resource count; cleared first).</summary>
    public static void EffectiveRequests(IReadOnlyList<ContainerRecord> containers, IReadOnlyList<ResourceAmount> overhead, Span<long> requests)
    {
        requests.Clear();
        int count = requests.Length;
        Span<long> sidecars = count <= 32 ? stackalloc long[count] : new long[count];
        Span<long> initMax = count <= 32 ? stackalloc long[count] : new long[count];
        Span<long> current = count <= 32 ? stackalloc long[count] : new long[count];
        sidecars.Clear();
        initMax.Clear();

        // Index loops here and in Qos: a foreach over IReadOnlyList boxes the enumerator, and these run for every pod.
        for (int i = 0; i < containers.Count; i++)
        {
            if (containers[i].Kind == ContainerKind.Regular)
            {
                AddRequests(requests, containers[i]);
            }
        }

        for (int i = 0; i < containers.Count; i++)
        {
            ContainerRecord container = containers[i];
            if (container.Kind == ContainerKind.Regular)
            {
                continue;
            }

            current.Clear();
            AddRequests(current, container);
            if (container.Kind == ContainerKind.SidecarInit)
            {
                AddRequests(requests, container);
                AddRequests(sidecars, container);
                sidecars.CopyTo(current);
            }
            else
            {
                for (int r = 0; r < count; r++)
                {
                    current[r] = CheckedAdd(current[r], sidecars[r]);
                }
            }

            for (int r = 0; r < count; r++)
            {
                initMax[r] = Math.Max(initMax[r], current[r]);
            }
        }

        for (int r = 0; r < count; r++)
        {
            requests[r] = Math.Max(requests[r], initMax[r]);
        }

        Add(requests, overhead);
    }

    /// <summary>kube-scheduler's <c>DefaultMilliCPURequest</c> (pkg/scheduler/util): what scoring counts for a container without a cpu request.</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>kube-scheduler's <c>DefaultMemoryRequest</c>: 200 MiB for a container without a memory request.</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    /// <summary>
    /// cpu and memory requests as kube-scheduler's scoring sees them (<c>NodeInfo.NonZeroRequested</c>, the
    /// <c>NonMissingContainerRequests</c> option of component-helpers' <c>PodRequests</c>, v1.27+): every container,
    /// regular or init, that requests neither amount of a resource (a limit alone is a request, as API defaulting makes
    /// it) counts <see cref="DefaultMilliCpuRequest"/> / <see cref="DefaultMemoryRequest"/>; then the same aggregation as
    /// <see cref="EffectiveRequests"/> (sidecars added, init containers maxed, overhead last). A request explicitly set
    /// to 0 stays 0, as in the scheduler. This keeps pods without requests from all piling onto one node.
    /// </summary>
    public static (long CpuMilli, long Memory) NonZeroRequests(IReadOnlyList<ContainerRecord> containers, IReadOnlyList<ResourceAmount> overhead)
    {
        long cpu = 0, memory = 0, sidecarCpu = 0, sidecarMemory = 0, initCpu = 0, initMemory = 0;
        for (int i = 0; i < containers.Count; i++)
        {
            if (containers[i].Kind == ContainerKind.Regular)
            {
                cpu = CheckedAdd(cpu, NonZero(containers[i], ResourceCatalog.Cpu, DefaultMilliCpuRequest));
                memory = CheckedAdd(memory, NonZero(containers[i], ResourceCatalog.Memory, DefaultMemoryRequest));
            }
        }

        for (int i = 0; i < containers.Count; i++)
        {
            ContainerRecord container = containers[i];
            if (container.Kind == ContainerKind.Regular)
            {
                continue;
            }

            long c = NonZero(container, ResourceCatalog.Cpu, DefaultMilliCpuRequest);
            long m = NonZero(container, ResourceCatalog.Memory, DefaultMemoryRequest);
            if (container.Kind == ContainerKind.SidecarInit)
            {
                cpu = CheckedAdd(cpu, c);
                memory = CheckedAdd(memory, m);
                sidecarCpu = CheckedAdd(sidecarCpu, c);
                sidecarMemory = CheckedAdd(sidecarMemory, m);
                (c, m) = (sidecarCpu, sidecarMemory);
            }
            else
            {
                (c, m) = (CheckedAdd(c, sidecarCpu), CheckedAdd(m, sidecarMemory));
            }

            initCpu = Math.Max(initCpu, c);
            initMemory = Math.Max(initMemory, m);
        }

        cpu = Math.Max(cpu, initCpu);
        memory = Math.Max(memory, initMemory);
        for (int i = 0; i < overhead.Count; i++)
        {
            if (overhead[i].Resource == ResourceCatalog.Cpu)
            {
                cpu = CheckedAdd(cpu, overhead[i].Amount);
            }
            else if (overhead[i].Resource == ResourceCatalog.Memory)
            {
                memory = CheckedAdd(memory, overhead[i].Amount);
            }
        }

        return (cpu, memory);
    }

    /// <summary>A container's request of <paramref name="resource"/> (its limit when only that is set), or the scheduler's default when it sets neither.</summary>
    private static long NonZero(ContainerRecord container, int resource, long fallback)
    {
        long request = Find(container.Requests, resource, out bool requested);
        if (requested)
        {
            return request;
        }

        long limit = Find(container.Limits, resource, out bool limited);
        return limited ? limit : fallback;
    }

    /// <summary>
    /// The QoS class (pkg/apis/core/v1/helper/qos ComputePodQOS) over regular and init containers, cpu and memory only,
    /// counting only positive amounts: BestEffort when nothing is requested or limited; Guaranteed when every container
    /// limits both cpu and memory and, per resource, the pod's summed requests equal its summed limits (the same set of
    /// resources on both sides); Burstable otherwise. Missing requests default to the limits first.
    /// </summary>
    public static QosClass Qos(IReadOnlyList<ContainerRecord> containers)
    {
        long cpuRequests = 0;
        long memoryRequests = 0;
        long cpuLimits = 0;
        long memoryLimits = 0;
        bool everyContainerLimitsBoth = true;
        for (int i = 0; i < containers.Count; i++)
        {
            ContainerRecord container = containers[i];
            long cpuLimit = Find(container.Limits, ResourceCatalog.Cpu, out _);
            long memoryLimit = Find(container.Limits, ResourceCatalog.Memory, out _);
            long cpuRequest = Find(container.Requests, ResourceCatalog.Cpu, out bool hasCpuRequest);
            long memoryRequest = Find(container.Requests, ResourceCatalog.Memory, out bool hasMemoryRequest);
            cpuRequests = CheckedAdd(cpuRequests, Math.Max(0, hasCpuRequest ? cpuRequest : cpuLimit));
            memoryRequests = CheckedAdd(memoryRequests, Math.Max(0, hasMemoryRequest ? memoryRequest : memoryLimit));
            cpuLimits = CheckedAdd(cpuLimits, Math.Max(0, cpuLimit));
            memoryLimits = CheckedAdd(memoryLimits, Math.Max(0, memoryLimit));
            if (cpuLimit <= 0 || memoryLimit <= 0)
            {
                everyContainerLimitsBoth = false;
            }
        }

        if (cpuRequests == 0 && memoryRequests == 0 && cpuLimits == 0 && memoryLimits == 0)
        {
            return QosClass.BestEffort;
        }

        // Zero sums stand for "absent from the map" in Go, so equal sums also mean equal key sets.
        return everyContainerLimitsBoth && cpuRequests == cpuLimits && memoryRequests == memoryLimits
            ? QosClass.Guaranteed
            : QosClass.Burstable;
    }

    private static long Find(List<ResourceAmount> amounts, int resource, out bool found)
    {
        foreach (ResourceAmount amount in amounts)
        {
            if (amount.Resource == resource)
            {
                found = true;
                return amount.Amount;
            }
        }

        found = false;
        return 0;
    }

    /// <summary>Adds a container's requests, defaulting each resource it only limits to the limit.</summary>
    private static void AddRequests(Span<long> target, ContainerRecord container)
    {
        Add(target, container.Requests);
        List<ResourceAmount> limits = container.Limits;
        for (int i = 0; i < limits.Count; i++)
        {
            ResourceAmount limit = limits[i];
            Find(container.Requests, limit.Resource, out bool requested);
            if (!requested && (uint)limit.Resource < (uint)target.Length)
            {
                target[limit.Resource] = CheckedAdd(target[limit.Resource], limit.Amount);
            }
        }
    }

    private static void Add(Span<long> target, IReadOnlyList<ResourceAmount> amounts)
    {
        for (int i = 0; i < amounts.Count; i++)
        {
            ResourceAmount amount = amounts[i];
            if ((uint)amount.Resource < (uint)target.Length)
            {
                target[amount.Resource] = CheckedAdd(target[amount.Resource], amount.Amount);
            }
        }
    }

    /// <summary>Throws <see cref="OverflowException"/> past <see cref="long.MaxValue"/>: a saturated sum would be a quiet wrong number.</summary>
    private static long CheckedAdd(long a, long b) => checked(a + b);
}
