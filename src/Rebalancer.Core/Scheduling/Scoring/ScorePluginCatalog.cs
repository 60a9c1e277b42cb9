using Rebalancer.Core.Scheduling.Scoring.InterPodAffinity;
using Rebalancer.Core.Scheduling.Scoring.NodeAffinity;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesBalancedAllocation;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;
using Rebalancer.Core.Scheduling.Scoring.TaintToleration;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// Every kube-scheduler score plugin a scheduler profile can name, one line each, in the order of kube-scheduler's
/// default plugin list (pkg/scheduler/apis/config/v1/default_plugins.go, v1.29–v1.32), with its default weight.
/// </summary>
public static class ScorePluginCatalog
{
    public const string NodeResourcesFitName = "NodeResourcesFit";
    public const string PodTopologySpreadName = "PodTopologySpread";

    public static IReadOnlyList<ScorePluginEntry> Entries { get; } =
    [
        ScorePluginEntry.For("TaintToleration", 3, c => new TaintTolerationScorer(c)),
        ScorePluginEntry.For("NodeAffinity", 2, c => new NodeAffinityScorer(c)),
        ScorePluginEntry.For(NodeResourcesFitName, 1, NodeResourcesFitSettings.Default, NodeResourcesFitSettings.Bind, (s, c) => new NodeResourcesFitScorer(s, c)),
        ScorePluginEntry.For(PodTopologySpreadName, 2, PodTopologySpreadSettings.Default, PodTopologySpreadSettings.Bind, (s, c) => new PodTopologySpreadScorer(s, c)),
        ScorePluginEntry.For("InterPodAffinity", 2, InterPodAffinitySettings.Default, InterPodAffinitySettings.Bind, (s, c) => new InterPodAffinityScorer(s, c)),
        ScorePluginEntry.For("NodeResourcesBalancedAllocation", 1, NodeResourcesBalancedAllocationSettings.Default, NodeResourcesBalancedAllocationSettings.Bind, (s, c) => new NodeResourcesBalancedAllocationScorer(s, c)),
        ScorePluginEntry.NotModelled("ImageLocality", 1, true, "needs the images already on each node (node.status.images), which the snapshot does not keep"),
        ScorePluginEntry.NotModelled("VolumeBinding", 1, false, "scores only with the VolumeCapacityPriority feature gate (alpha, off by default)"),
        ScorePluginEntry.NotModelled("DynamicResources", 1, false, "dynamic resource allocation (DRA) claims are not in the snapshot"),
    ];

    /// <summary>
    /// kube-scheduler's plugins that do not score (filters, queue sort, binding…): a <c>multiPoint</c> list copied from a
    /// KubeSchedulerConfiguration may name them; they do not change a score, so they are accepted and ignored.
    /// </summary>
    public static IReadOnlySet<string> NonScoring { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "SchedulingGates", "PrioritySort", "NodeUnschedulable", "NodeName", "NodePorts", "VolumeRestrictions", "EBSLimits",
        "GCEPDLimits", "NodeVolumeLimits", "AzureDiskLimits", "CinderLimits", "VolumeZone", "DefaultPreemption", "DefaultBinder",
    };

    public static ScorePluginEntry? Find(string name) => Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));
}
