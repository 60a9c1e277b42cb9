using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Scheduling;

/// <summary>
/// The target filters the scheduler applies and the projection now shares (issue #16): DoNotSchedule topology spread
/// (with minDomains, the inclusion policies and matchLabelKeys) and required pod affinity; then the configured profile's
/// choice among the feasible nodes. Without a score plugin the lowest feasible node index wins, so the filter tests
/// read which nodes are feasible directly.
/// </summary>
public sealed class SchedulerFilterTests
{
    /// <summary>Nodes a1, a2 in zone-a, b1 in zone-b, c1 in zone-c (each 4 cores, 8 GiB).</summary>
    private static TestCluster Zones(Action<NodeBuilder>? c1 = null) => new TestCluster()
        .Node("a1", configure: n => n.Label("topology.kubernetes.io/zone", "zone-a"))
        .Node("a2", configure: n => n.Label("topology.kubernetes.io/zone", "zone-a"))
        .Node("b1", configure: n => n.Label("topology.kubernetes.io/zone", "zone-b"))
        .Node("c1", configure: n =>
        {
            n.Label("topology.kubernetes.io/zone", "zone-c");
            c1?.Invoke(n);
        });

    private static (string Target, string Failure) Place(ClusterSnapshot snapshot, string pod, SchedulerProfile? scheduler = null)
    {
        var projection = new Projection(snapshot);
        var finder = new TargetFinder(snapshot, projection, scheduler: scheduler ?? TestSchedulers.None);
        int index = Enumerable.Range(0, snapshot.Pods.Count).Single(p => snapshot.Pods.Name[p] == pod);
        int target = finder.FindTarget(index, [.. Enumerable.Range(0, snapshot.Nodes.Count)], out string failure);
        return (target < 0 ? "-" : snapshot.Nodes.Name[target], failure);
    }

    private static Action<PodBuilder> Web(Action<PodBuilder>? more = null) => p =>
    {
        p.Label("app", "web");
        more?.Invoke(p);
    };

    [Fact]
    public void DoNotSchedule_spread_Should_KeepThePodOutOfTheCrowdedZones()
    {
        // web: 2 in zone-a, 2 in zone-b, 2 in zone-c. The moved pod (from a1) counts nowhere once evicted: a=1, b=2,
        // c=2, global minimum 1, so with maxSkew 1 only zone-a may take it (1 + 1 - 1), and a1 is the node it leaves.
        ClusterSnapshot snapshot = Zones()
            .Pod("w0", "a1", configure: Web(p => p.TopologySpread("topology.kubernetes.io/zone", 1, "app", "web")))
            .Pod("w1", "a2", configure: Web()).Pod("w2", "b1", configure: Web()).Pod("w3", "b1", configure: Web())
            .Pod("w4", "c1", configure: Web()).Pod("w5", "c1", configure: Web())
            .Build();

        Assert.Equal("a2", Place(snapshot, "w0").Target);
    }

    [Fact]
    public void DoNotSchedule_spread_Should_ExplainTheSkew_When_NoZoneIsAllowed()
    {
        // zone-b's only node is tainted, but (nodeTaintsPolicy Ignore) it still counts as a domain with 0 pods: zone-a,
        // with 2 once the pod is evicted, may not take a third.
        ClusterSnapshot snapshot = new TestCluster()
            .Node("a1", configure: n => n.Label("topology.kubernetes.io/zone", "zone-a"))
            .Node("a2", configure: n => n.Label("topology.kubernetes.io/zone", "zone-a"))
            .Node("b1", configure: n => n.Label("topology.kubernetes.io/zone", "zone-b").Taint("dedicated", "x"))
            .Pod("w0", "a1", configure: Web(p => p.TopologySpread("topology.kubernetes.io/zone", 1, "app", "web")))
            .Pod("w1", "a2", configure: Web()).Pod("w2", "a2", configure: Web())
            .Build();

        (string target, string failure) = Place(snapshot, "w0");

        Assert.Equal("-", target);
        Assert.Contains("topology spread constraint", failure, StringComparison.Ordinal);
        Assert.Contains("topology spread on topology.kubernetes.io/zone: zone-a would have 3 matching pods, global minimum 0, maxSkew 1", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "a1")]
    [InlineData(4, "-")]
    public void DoNotSchedule_spread_Should_TreatTheGlobalMinimumAsZero_When_FewerDomainsThanMinDomains(int? minDomains, string expected)
    {
        // One web pod per zone once the pod (from b1) is evicted: the global minimum is 1 and zone-a may take it
        // (1 + 1 - 1). With minDomains 4 and only 3 zones the minimum counts as 0: every zone would be at 2, nothing fits.
        ClusterSnapshot snapshot = Zones()
            .Pod("w0", "b1", configure: Web(p => p.TopologySpread("topology.kubernetes.io/zone", 1, "app", "web", minDomains: minDomains)))
            .Pod("w1", "a1", configure: Web()).Pod("w2", "b1", configure: Web()).Pod("w3", "c1", configure: Web())
            .Build();

        Assert.Equal(expected, Place(snapshot, "w0").Target);
    }

    [Theory]
    [InlineData(NodeInclusionPolicy.Ignore, "-")]
    [InlineData(NodeInclusionPolicy.Honor, "a2")]
    public void DoNotSchedule_spread_Should_CountATaintedZone_Only_When_TheTaintsPolicyIgnoresIt(NodeInclusionPolicy taints, string expected)
    {
        // zone-c's only node is tainted; zone-a and zone-b hold one web pod each once the pod is evicted. Ignore (the
        // default): zone-c is a domain with 0 pods, the global minimum is 0, and neither zone-a nor zone-b may take it
        // (1 + 1 - 0 > 1): the pod fits nowhere. Honor: zone-c is no domain, the minimum is 1, and zone-a is allowed.
        ClusterSnapshot snapshot = Zones(c1: n => n.Taint("dedicated", "x"))
            .Pod("w0", "a1", configure: Web(p => p.TopologySpread("topology.kubernetes.io/zone", 1, "app", "web", nodeTaintsPolicy: taints)))
            .Pod("w1", "a2", configure: Web()).Pod("w2", "b1", configure: Web())
            .Build();

        Assert.Equal(expected, Place(snapshot, "w0").Target);
    }

    [Fact]
    public void DoNotSchedule_spread_Should_CountOnlyTheSameRevision_When_MatchLabelKeysNamesIt()
    {
        // Three old-revision pods in zone-b do not count for the new revision: zone-b is as empty as zone-c, and the
        // lower index of the two allowed zones wins (without matchLabelKeys zone-b would be full and c1 would).
        ClusterSnapshot snapshot = Zones()
            .Pod("w0", "a1", configure: Web(p => p.Label("pod-template-hash", "new")
                .TopologySpread("topology.kubernetes.io/zone", 1, "app", "web", matchLabelKeys: "pod-template-hash")))
            .Pod("w1", "a2", configure: Web(p => p.Label("pod-template-hash", "new")))
            .Pod("o1", "b1", configure: Web(p => p.Label("pod-template-hash", "old"))).Pod("o2", "b1", configure: Web(p => p.Label("pod-template-hash", "old")))
            .Pod("o3", "b1", configure: Web(p => p.Label("pod-template-hash", "old")))
            .Build();

        Assert.Equal("b1", Place(snapshot, "w0").Target);
    }

    [Fact]
    public void Required_pod_affinity_Should_AllowOnlyTheDomainsOfTheMatchingPods()
    {
        ClusterSnapshot snapshot = Zones()
            .Pod("db", "b1", configure: p => p.Label("app", "db"))
            .Pod("client", "a1", configure: p => p.Affinity("app", "db", "topology.kubernetes.io/zone"))
            .Build();

        (string target, string _) = Place(snapshot, "client");
        Assert.Equal("b1", target);
    }

    [Fact]
    public void Required_pod_affinity_Should_ExplainTheMiss_When_NoDomainHasAMatchingPod()
    {
        ClusterSnapshot snapshot = Zones()
            .Pod("client", "a1", configure: p => p.Affinity("app", "db", "topology.kubernetes.io/zone"))
            .Build();

        (string target, string failure) = Place(snapshot, "client");

        Assert.Equal("-", target);
        Assert.Contains("pod affinity", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Required_pod_affinity_Should_LetTheFirstPodOfASelfAffineGroupGoAnywhere()
    {
        // The only pod of a group with affinity to itself: once it is evicted nothing matches, and the scheduler lets it
        // land on any node that has the topology key (satisfyPodAffinity's exception), instead of leaving it Pending.
        ClusterSnapshot snapshot = Zones()
            .Pod("cache", "a1", configure: p => p.Label("app", "cache").Affinity("app", "cache", "topology.kubernetes.io/zone"))
            .Build();

        Assert.Equal("a2", Place(snapshot, "cache").Target);
    }

    [Fact]
    public void The_default_profile_Should_SpreadReplicasAndPreferTheEmptierNode()
    {
        // Three replicas of one ReplicaSet on a1; a2 and b1 are empty, c1 is three-quarters full. LeastAllocated alone
        // ties a2 and b1 (97) and takes the lower index, a2; the default profile adds its system-default spreading,
        // which scores zone-a (two replicas left) 66 and the empty zones 100: b1 wins, 696 to 628 (c1: 621).
        // MostAllocated alone takes the fullest node, c1.
        ClusterSnapshot snapshot = Zones()
            .ReplicaSetPods("web", ["a1", "a1", "a1"])
            .Pod("big", "c1", 3000, 6 * TestCluster.Gi)
            .Build();

        Assert.Equal("b1", Place(snapshot, "web-0", SchedulerProfile.Default).Target);
        Assert.Equal("a2", Place(snapshot, "web-0", TestSchedulers.ResourcesOnly(ScoringStrategyType.LeastAllocated)).Target);
        Assert.Equal("c1", Place(snapshot, "web-0", TestSchedulers.ResourcesOnly(ScoringStrategyType.MostAllocated)).Target);
    }
}
