namespace Rebalancer.Core.Model;

/// <summary>
/// Effective pod requests and QoS class, computed as the scheduler does (k8s.io/component-helpers resource.PodRequests,
/// v1.32): the sum of the regular containers; each init container runs alone (plus the sidecars started before it), so
/// the pod needs the max of that and the regular sum; sidecar init containers (restartPolicy Always) are added to the
/// regular sum; pod overhead is added last.
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

        foreach (ContainerRecord container in containers)
        {
            if (container.Kind == ContainerKind.Regular)
            {
                Add(requests, container.Requests);
            }
        }

        foreach (ContainerRecord container in containers)
        {
            if (container.Kind == ContainerKind.Regular)
            {
                continue;
            }

            current.Clear();
            Add(current, container.Requests);
            if (container.Kind == ContainerKind.SidecarInit)
            {
                Add(requests, container.Requests);
                Add(sidecars, container.Requests);
                sidecars.CopyTo(current);
            }
            else
            {
                for (int r = 0; r < count; r++)
                {
                    current[r] += sidecars[r];
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

    /// <summary>
    /// The QoS class (pkg/apis/core/v1/helper/qos GetPodQOS): BestEffort when no container requests or limits cpu or
    /// memory; Guaranteed when every container has cpu and memory limits equal to its requests (requests default to
    /// limits); Burstable otherwise.
    /// </summary>
    public static QosClass Qos(IReadOnlyList<ContainerRecord> containers)
    {
        bool any = false;
        bool guaranteed = true;
        foreach (ContainerRecord container in containers)
        {
            long cpuRequest = Find(container.Requests, ResourceCatalog.Cpu, out bool hasCpuRequest);
            long memRequest = Find(container.Requests, ResourceCatalog.Memory, out bool hasMemRequest);
            long cpuLimit = Find(container.Limits, ResourceCatalog.Cpu, out bool hasCpuLimit);
            long memLimit = Find(container.Limits, ResourceCatalog.Memory, out bool hasMemLimit);
            if ((hasCpuRequest && cpuRequest != 0) || (hasMemRequest && memRequest != 0) || (hasCpuLimit && cpuLimit != 0) || (hasMemLimit && memLimit != 0))
            {
                any = true;
            }

            if (!hasCpuLimit || !hasMemLimit)
            {
                guaranteed = false;
                continue;
            }

            if ((hasCpuRequest && cpuRequest != cpuLimit) || (hasMemRequest && memRequest != memLimit))
            {
                guaranteed = false;
            }
        }

        if (!any)
        {
            return QosClass.BestEffort;
        }

        return guaranteed ? QosClass.Guaranteed : QosClass.Burstable;
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

    private static void Add(Span<long> target, IReadOnlyList<ResourceAmount> amounts)
    {
        for (int i = 0; i < amounts.Count; i++)
        {
            ResourceAmount amount = amounts[i];
            if ((uint)amount.Resource < (uint)target.Length)
            {
                target[amount.Resource] = SaturatingAdd(target[amount.Resource], amount.Amount);
            }
        }
    }

    private static long SaturatingAdd(long a, long b)
    {
        long sum = unchecked(a + b);
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }
}
