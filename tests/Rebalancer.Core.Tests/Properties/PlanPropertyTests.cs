using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies.HighNodeUtilization;
using Rebalancer.Core.Strategies.LowNodeUtilization;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Properties;

/// <summary>
/// Properties every plan must have, checked over seeded random clusters by code independent of the planner's own
/// checks: no protected pod evicted, no limit or PDB budget exceeded, every pod placed where it fits, same plan twice.
/// </summary>
public sealed class PlanPropertyTests
{
    public static TheoryData<int> Seeds => new(Enumerable.Range(1, 25));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_Should_HoldItsInvariants(int seed)
    {
        var settings = new PlanningSettings
        {
            MaxPodsToEvictPerNode = (uint)(3 + (seed % 4)),
            MaxPodsToEvictPerNamespace = (uint)(5 + (seed % 7)),
            MaxPodsToEvictTotal = (uint)(20 + seed),
            Profiles = [Profile()],
        };

        ClusterSnapshot snapshot = RandomCluster(seed).Build();
        Plan plan = Planner.Create(snapshot, settings, TestPlanner.Now);
        Plan again = Planner.Create(RandomCluster(seed).Build(), settings, TestPlanner.Now);

        Assert.Equal(plan.Evictions.Select(e => (e.Pod, e.TargetNode, e.Plugin)), again.Evictions.Select(e => (e.Pod, e.TargetNode, e.Plugin)));
        AssertNothingProtectedEvicted(snapshot, plan);
        AssertLimits(snapshot, plan, settings);
        AssertBudgets(snapshot, plan);
        AssertPlacementsFit(snapshot, plan);
    }

    [Fact]
    public void RandomClusters_Should_ProduceEvictions()
    {
        // Guards the property test against vacuity: the generated clusters must give the planner work to do.
        int total = Enumerable.Range(1, 25).Sum(seed => Planner.Create(RandomCluster(seed).Build(), new PlanningSettings { Profiles = [Profile()] }, TestPlanner.Now).Evictions.Count);
        Assert.True(total > 100, $"only {total} evictions over 25 random clusters");
    }

    private static PlanningProfile Profile() => new("random", DefaultEvictorSettings.Default, [],
    [
        new RemoveDuplicatesStrategy(new RemoveDuplicatesSettings()),
        new LowNodeUtilizationStrategy(new LowNodeUtilizationSettings
        {
            Thresholds = new([new("cpu", 30), new("memory", 30)]),
            TargetThresholds = new([new("cpu", 60), new("memory", 60)]),
        }),
        new HighNodeUtilizationStrategy(new HighNodeUtilizationSettings { Thresholds = new([new("cpu", 15)]) }),
    ]);

    private static TestCluster RandomCluster(int seed)
    {
        var random = new Random(seed);
        var cluster = new TestCluster();
        int nodes = random.Next(4, 12);
        for (int n = 0; n < nodes; n++)
        {
            bool tainted = random.Next(6) == 0;
            cluster.Node($"n{n}", cpu: random.Next(2, 9) * 1000, memory: random.Next(4, 17) * TestCluster.Gi, pods: random.Next(8, 40), configure: b =>
            {
                b.Label("topology.kubernetes.io/zone", $"z{n % 3}").Label("pool", random.Next(2) == 0 ? "a" : "b");
                if (tainted)
                {
                    b.Taint("dedicated", "db");
                }

                if (random.Next(10) == 0)
                {
                    b.Unschedulable();
                }
            });
        }

        int workloads = random.Next(3, 10);
        for (int w = 0; w < workloads; w++)
        {
            int replicas = random.Next(1, 12);
            string ns = $"ns{random.Next(3)}";
            int hot = random.Next(nodes);
            long cpu = random.Next(1, 8) * 100;
            long memory = random.Next(1, 8) * 256 * TestCluster.Mi;
            int kind = random.Next(8);
            bool tolerates = random.Next(3) == 0;
            bool selector = random.Next(5) == 0;
            bool antiAffinity = random.Next(6) == 0;
            for (int r = 0; r < replicas; r++)
            {
                int node = random.Next(3) == 0 ? random.Next(nodes) : hot; // skewed: duplicates and hot nodes
                cluster.Pod($"w{w}-{r}", $"n{node}", cpu, memory, p =>
                {
                    p.Namespace(ns).Owner("ReplicaSet", $"w{w}").Label("app", $"w{w}");
                    switch (kind)
                    {
                        case 0: p.EmptyDir(); break;
                        case 1: p.Priority(2_000_000_000); break;
                        case 2: p.Annotation("cluster-autoscaler.kubernetes.io/safe-to-evict", "false"); break;
                        case 3: p.Priority(random.Next(1000)); break;
                        default: break;
                    }

                    if (tolerates)
                    {
                        p.Tolerate("dedicated", "db");
                    }

                    if (selector)
                    {
                        p.NodeSelector("pool", "a");
                    }

                    if (antiAffinity)
                    {
                        p.AntiAffinity("app", $"w{w}");
                    }
                });
            }

            if (random.Next(3) == 0)
            {
                int allowed = random.Next(0, 3);
                cluster.PdbAllowing($"pdb-w{w}", $"w{w}", allowed, healthy: replicas, @namespace: ns);
            }
        }

        for (int n = 0; n < nodes; n++)
        {
            cluster.Pod($"ds-{n}", $"n{n}", 50, 64 * TestCluster.Mi, p => p.DaemonSet("agent"));
        }

        return cluster;
    }

    private static void AssertNothingProtectedEvicted(ClusterSnapshot snapshot, Plan plan)
    {
        PodTable pods = snapshot.Pods;
        foreach (PlannedEviction e in plan.Evictions)
        {
            PodFlags flags = pods.Flags[e.Pod];
            Assert.Equal(PodFlags.None, flags & (PodFlags.DaemonSetOwned | PodFlags.EmptyDirVolume | PodFlags.SafeToEvictFalse | PodFlags.Mirror | PodFlags.Terminating));
            Assert.False(pods.Has(e.Pod, PodFlags.HasPriority) && pods.Priority[e.Pod] >= DefaultEvictor.SystemCriticalPriority);
            Assert.True(pods.OwnersOf(e.Pod).Length > 0);
        }

        Assert.Equal(plan.Evictions.Count, plan.Evictions.Select(e => e.Pod).Distinct().Count());
    }

    private static void AssertLimits(ClusterSnapshot snapshot, Plan plan, PlanningSettings settings)
    {
        Assert.True(plan.Evictions.Count <= settings.MaxPodsToEvictTotal);
        Assert.All(plan.Evictions.GroupBy(e => e.Node), g => Assert.True(g.Count() <= settings.MaxPodsToEvictPerNode));
        Assert.All(plan.Evictions.GroupBy(e => snapshot.Pods.Namespace[e.Pod]), g => Assert.True(g.Count() <= settings.MaxPodsToEvictPerNamespace));
    }

    private static void AssertBudgets(ClusterSnapshot snapshot, Plan plan)
    {
        for (int b = 0; b < snapshot.Pdbs.Count; b++)
        {
            PdbRecord pdb = snapshot.Pdbs[b];
            int spent = plan.Evictions.Count(e =>
                snapshot.Pods.Namespace[e.Pod] == pdb.Namespace && pdb.Selector.Matches(snapshot.Pods.Labels[e.Pod]) && snapshot.Pods.Has(e.Pod, PodFlags.Ready));
            Assert.True(spent <= pdb.DisruptionsAllowed, $"PDB {pdb.Name} allows {pdb.DisruptionsAllowed} but {spent} evictions were planned");
        }
    }

    private static void AssertPlacementsFit(ClusterSnapshot snapshot, Plan plan)
    {
        // Replay the plan on our own accounting of requests.
        int resources = snapshot.Resources.Count;
        long[] used = new long[snapshot.Nodes.Count * resources];
        for (int p = 0; p < snapshot.Pods.Count; p++)
        {
            int node = snapshot.Pods.Node[p];
            if (node >= 0 && snapshot.Pods.IsActive(p))
            {
                for (int r = 0; r < resources; r++)
                {
                    used[(node * resources) + r] += snapshot.Pods.RequestsOf(p)[r];
                }
            }
        }

        foreach (PlannedEviction e in plan.Evictions)
        {
            int target = e.TargetNode;
            Assert.True(target >= 0 && target != e.Node);
            Assert.False(snapshot.Nodes.IsUnschedulable(target));
            Assert.True(snapshot.Nodes.IsReady(target));
            PodConstraints constraints = snapshot.ConstraintsOf(e.Pod);
            Assert.True(Predicates.MatchesNodeSelector(snapshot, constraints, target));
            Assert.True(Predicates.ToleratesTaints(snapshot.Nodes.TaintsOf(target), constraints.Tolerations, true, true, false, out _));
            ReadOnlySpan<long> requests = snapshot.Pods.RequestsOf(e.Pod);
            for (int r = 0; r < resources; r++)
            {
                used[(e.Node * resources) + r] -= requests[r];
                used[(target * resources) + r] += requests[r];
                Assert.True(used[(target * resources) + r] <= snapshot.Nodes.AllocatableOf(target)[r] || requests[r] == 0,
                    $"{snapshot.PodKey(e.Pod)} does not fit {snapshot.Resources[r]} on {snapshot.Nodes.Name[target]}");
            }
        }
    }
}
