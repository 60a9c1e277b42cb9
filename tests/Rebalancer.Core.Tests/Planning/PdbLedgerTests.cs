using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Testing.Builders;

namespace Rebalancer.Core.Tests.Planning;

public sealed class PdbLedgerTests
{
    public sealed record Case(string Name, Action<PdbRecord, StringTable> Pdb, int Pods, int Ready, int ExpectedAllowed)
    {
        public override string ToString() => Name;
    }

    private static void Spec(PdbRecord pdb, StringTable strings, IntOrPercent? minAvailable = null, IntOrPercent? maxUnavailable = null)
    {
        pdb.Selector = TestCluster.Selector(strings, ("app", "web"));
        pdb.MinAvailable = minAvailable;
        pdb.MaxUnavailable = maxUnavailable;
    }

    // kubernetes-api.md §2.2 worked examples, with the status missing so the ledger recomputes from the spec.
    public static TheoryData<Case> Recomputed => new()
    {
        new("minAvailable 2 of 3 ready", (p, s) => Spec(p, s, minAvailable: new(2, false)), 3, 3, 1),
        new("minAvailable 2 of 3, 2 ready", (p, s) => Spec(p, s, minAvailable: new(2, false)), 3, 2, 0),
        new("minAvailable 50% of 3 rounds up to 2", (p, s) => Spec(p, s, minAvailable: new(50, true)), 3, 3, 1),
        new("maxUnavailable 1 of 3", (p, s) => Spec(p, s, maxUnavailable: new(1, false)), 3, 3, 1),
        new("maxUnavailable 25% of 10 rounds up to 3", (p, s) => Spec(p, s, maxUnavailable: new(25, true)), 10, 10, 3),
        new("maxUnavailable 10% of 3 rounds up to 1", (p, s) => Spec(p, s, maxUnavailable: new(10, true)), 3, 3, 1),
        new("maxUnavailable 0", (p, s) => Spec(p, s, maxUnavailable: new(0, false)), 3, 3, 0),
        new("minAvailable 100%", (p, s) => Spec(p, s, minAvailable: new(100, true)), 3, 3, 0),
        new("minAvailable 0", (p, s) => Spec(p, s, minAvailable: new(0, false)), 2, 2, 2),
        new("minAvailable 1 of no pods", (p, s) => Spec(p, s, minAvailable: new(1, false)), 0, 0, 0),
        new("stale status is recomputed", (p, s) =>
        {
            Spec(p, s, minAvailable: new(1, false));
            (p.HasStatus, p.Generation, p.ObservedGeneration, p.DisruptionsAllowed) = (true, 2, 1, 5);
        }, 3, 3, 2),
        new("current status is trusted", (p, s) =>
        {
            Spec(p, s, minAvailable: new(1, false));
            (p.HasStatus, p.Generation, p.ObservedGeneration, p.DisruptionsAllowed) = (true, 1, 1, 0);
        }, 3, 3, 0),
    };

    [Theory]
    [MemberData(nameof(Recomputed))]
    public void Remaining_Should_FollowTheDisruptionController(Case c)
    {
        var cluster = new TestCluster().Nodes(2, "n").Pdb("web", c.Pdb);
        for (int i = 0; i < c.Pods; i++)
        {
            int index = i;
            cluster.Pod($"web-{i}", "n-0", configure: p =>
            {
                p.Owner("ReplicaSet", "web").Label("app", "web");
                if (index >= c.Ready)
                {
                    p.NotReady();
                }
            });
        }

        var ledger = new PdbLedger(cluster.Build());

        Assert.Equal(c.ExpectedAllowed, ledger.Remaining(0));
    }

    [Fact]
    public void Check_Should_SpendBudgetUntilExhausted()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n")
            .ReplicaSetPods("web", ["n-0", "n-0", "n-0"]).PdbAllowing("web", "web", allowed: 2).Build();
        var ledger = new PdbLedger(snapshot);

        var outcomes = new List<string?>();
        for (int pod = 0; pod < 3; pod++)
        {
            Protection? protection = ledger.Check(pod, out bool spends);
            outcomes.Add(protection?.Reason);
            if (protection is null && spends)
            {
                ledger.Spend(pod);
            }
        }

        Assert.Equal([null, null, SkipReasons.Pdb], outcomes);
        Assert.Equal(0, ledger.Remaining(0));
    }

    [Fact]
    public void Check_Should_RefusePodsSelectedBySeveralPdbs()
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n").ReplicaSetPods("web", ["n-0"])
            .PdbAllowing("a", "web", 1).PdbAllowing("b", "web", 1).Build();

        Assert.Equal(SkipReasons.PdbMultiple, new PdbLedger(snapshot).Check(0, out _)?.Reason);
    }

    [Theory]
    [InlineData(UnhealthyPodEvictionPolicy.AlwaysAllow, 0, null)]
    [InlineData(UnhealthyPodEvictionPolicy.IfHealthyBudget, 0, SkipReasons.Pdb)]
    public void Check_Should_LetUnhealthyPodsGoPerPolicy(UnhealthyPodEvictionPolicy policy, int allowed, string? expected)
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n")
            .ReplicaSetPods("web", ["n-0", "n-0"])
            .Pod("sick", "n-0", configure: p => p.Owner("ReplicaSet", "web").Label("app", "web").NotReady())
            .Pdb("web", (pdb, s) =>
            {
                pdb.Selector = TestCluster.Selector(s, ("app", "web"));
                pdb.MinAvailable = new IntOrPercent(3, false);
                pdb.UnhealthyPodEvictionPolicy = policy;
                (pdb.HasStatus, pdb.ObservedGeneration, pdb.DisruptionsAllowed, pdb.CurrentHealthy, pdb.DesiredHealthy) = (true, 1, allowed, 2, 3);
            }).Build();

        Protection? protection = new PdbLedger(snapshot).Check(2, out bool spends);

        Assert.Equal(expected, protection?.Reason);
        Assert.False(spends);
    }

    [Theory]
    [InlineData(PodPhase.Pending)]
    [InlineData(PodPhase.Succeeded)]
    [InlineData(PodPhase.Failed)]
    public void Check_Should_IgnoreBudgets_When_PodIsNotRunning(PodPhase phase)
    {
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n")
            .ReplicaSetPods("web", ["n-0"], configure: p => p.Phase(phase)).PdbAllowing("web", "web", allowed: 0).Build();

        Assert.Null(new PdbLedger(snapshot).Check(0, out bool spends));
        Assert.False(spends);
    }
}
