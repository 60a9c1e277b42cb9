using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing;

namespace Rebalancer.Testing.Prometheus;

/// <summary>
/// The usage history of the demo cluster (<c>samples/demo-cluster.json</c>) over the two days before its clock
/// (2026-11-27T10:00:00Z): every running container of the snapshot gets a history whose level follows its requests,
/// with a scenario per group so every fault of issue #14 is in real data — OOM kills (the containers whose status says
/// OOMKilled; kube-system's without kube-state-metrics, so their count comes from the pod status), leaky and spiky
/// containers, an idle namespace (<c>data</c>), a namespace with a 14-hour scrape gap (<c>search</c>), a container with
/// NaN samples, a namespace with no series at all (<c>analytics</c>), a canary that appeared mid-window and a pod that
/// left it.
/// </summary>
public static class DemoHistory
{
    /// <summary>Bumped when the generator or the scenarios change, so cached blocks are rebuilt.</summary>
    public const int Version = 2;

    public static readonly DateTimeOffset End = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    public static readonly TimeSpan Window = TimeSpan.FromDays(2);

    public const string NoSeriesNamespace = "analytics";

    public const string GapNamespace = "search";

    public const string IdleNamespace = "data";

    public static readonly HistoryContainer Canary = new()
    {
        Namespace = "shop", Pod = "storefront-canary-7f9c6d5b8-x2v4q", Container = "app", CpuCores = 0.2, MemoryBytes = 300e6,
        From = End - TimeSpan.FromHours(18), PodSeries = true,
    };

    public static readonly HistoryContainer Departed = new()
    {
        Namespace = "shop", Pod = "storefront-old-5d8b7c9f4-k8s2m", Container = "app", CpuCores = 0.2, MemoryBytes = 300e6,
        Until = End - TimeSpan.FromHours(30), PodSeries = true,
    };

    /// <summary>The dataset's options for <paramref name="snapshot"/>: the gap, and every node's utilisation ratio.</summary>
    public static HistoryDatasetOptions Options(ClusterSnapshot snapshot) => new()
    {
        End = End,
        Window = Window,
        Gaps = [new ScrapeGap(GapNamespace, End - TimeSpan.FromHours(30), End - TimeSpan.FromHours(16))],
        Nodes = Nodes(snapshot),
    };

    /// <summary>
    /// Each node's cpu utilisation ratio at the end: its requested cpu over allocatable (what the demo's requests say),
    /// rounded to two places so the plugin's int64(value × 100) is exact.
    /// </summary>
    public static IReadOnlyList<HistoryNode> Nodes(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var nodes = new List<HistoryNode>();
        for (int node = 0; node < snapshot.Nodes.Count; node++)
        {
            long requested = 0;
            foreach (int pod in snapshot.PodsOn(node))
            {
                if (snapshot.Pods.IsActive(pod))
                {
                    requested += snapshot.Pods.RequestsOf(pod)[ResourceCatalog.Cpu];
                }
            }

            long allocatable = snapshot.Nodes.AllocatableOf(node)[ResourceCatalog.Cpu];
            nodes.Add(new HistoryNode(snapshot.Nodes.Name[node], allocatable <= 0 ? 0 : Math.Round(Math.Min(1, requested / (double)allocatable), 2)));
        }

        return nodes;
    }

    /// <summary>The containers of <paramref name="snapshot"/> (the demo) with their scenarios, sorted.</summary>
    public static IReadOnlyList<HistoryContainer> Containers(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        int oomKilled = snapshot.Strings.Find("OOMKilled");
        var containers = new List<HistoryContainer>();
        PodTable pods = snapshot.Pods;
        int ordinal = 0;
        bool nanAssigned = false;
        for (int pod = 0; pod < pods.Count; pod++)
        {
            string ns = snapshot.Strings[pods.Namespace[pod]];
            if (pods.Phase[pod] != PodPhase.Running || ns == NoSeriesNamespace)
            {
                continue;
            }

            ContainerStatus[] statuses = pods.ContainerStatusesOf(pod).ToArray().Where(s => !s.Init).ToArray();
            if (statuses.Length == 0)
            {
                continue;
            }

            ReadOnlySpan<long> requests = pods.RequestsOf(pod);
            double cpu = Math.Max(0.01, requests[ResourceCatalog.Cpu] / 1000.0 / statuses.Length);
            double memory = Math.Max(32e6, (double)requests[ResourceCatalog.Memory] / statuses.Length);
            bool guaranteed = pods.Qos[pod] == QosClass.Guaranteed;
            for (int i = 0; i < statuses.Length; i++)
            {
                ordinal++;
                bool oom = oomKilled > 0 && statuses[i].LastTerminatedReason == oomKilled;
                UsageShape shape = oom ? UsageShape.OomKilled
                    : ns == IdleNamespace ? UsageShape.Idle
                    : ordinal % 11 == 0 ? UsageShape.Leaky
                    : ordinal % 7 == 0 ? UsageShape.Spiky
                    : UsageShape.Diurnal;
                bool nan = !nanAssigned && ns == "ml";
                nanAssigned |= nan;
                containers.Add(new HistoryContainer
                {
                    Namespace = ns,
                    Pod = pods.Name[pod],
                    Container = snapshot.Strings[statuses[i].Name],
                    CpuCores = cpu * 0.5,
                    MemoryBytes = memory * 0.6,
                    CpuLimitCores = guaranteed ? cpu : null,
                    MemoryLimitBytes = memory * 1.5,
                    Shape = shape,
                    StateMetrics = ns != "kube-system",
                    NaNMemory = nan,
                    PodSeries = i == 0,
                });
            }
        }

        containers.Add(Canary);
        containers.Add(Departed);
        containers.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return containers;
    }

    /// <summary>The demo snapshot, loaded from the checkout.</summary>
    public static ClusterSnapshot LoadSnapshot() => SnapshotLoader.Load(DemoSnapshotPath).Snapshot;

    public static string DemoSnapshotPath => Repository.Of("samples", "demo-cluster.json");
}
