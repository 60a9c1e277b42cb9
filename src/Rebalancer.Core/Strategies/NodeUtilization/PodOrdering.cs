using Rebalancer.Core.Model;

namespace Rebalancer.Core.Strategies.NodeUtilization;

/// <summary>The descheduler's eviction order within a node: lowest priority first (no priority before any),
/// then BestEffort before Burstable before Guaranteed, then pods without the prefer-no-eviction annotation; ties on index.</summary>
public static class PodOrdering
{
    public static void SortForEviction(ClusterSnapshot snapshot, List<int> pods)
    {
        PodTable table = snapshot.Pods;
        pods.Sort((a, b) =>
        {
            bool hasA = table.Has(a, PodFlags.HasPriority);
            bool hasB = table.Has(b, PodFlags.HasPriority);
            if (hasA != hasB)
            {
                return hasA ? 1 : -1;
            }

            int c = hasA ? table.Priority[a].CompareTo(table.Priority[b]) : 0;
            if (c != 0)
            {
                return c;
            }

            c = table.Qos[a].CompareTo(table.Qos[b]);
            if (c != 0)
            {
                return c;
            }

            c = table.Has(a, PodFlags.PreferNoEviction).CompareTo(table.Has(b, PodFlags.PreferNoEviction));
            return c != 0 ? c : a.CompareTo(b);
        });
    }
}
