using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Policy;
using Rebalancer.Testing.Builders;
using Rebalancer.Testing.Planning;

namespace Rebalancer.Core.Tests.Evictor;

public sealed class DefaultEvictorTests
{
    public sealed record Case(string Name, Action<PodBuilder> Pod, string? Expected, DefaultEvictorSettings? Settings = null, Action<TestCluster>? Cluster = null)
    {
        public override string ToString() => Name;
    }

    private static readonly DefaultEvictorSettings Defaults = DefaultEvictorSettings.Default;

    private static Action<PodBuilder> Owned(Action<PodBuilder>? more = null) => p =>
    {
        p.Owner("ReplicaSet", "rs");
        more?.Invoke(p);
    };

    private static LabelSelectorSpec Selector(string key, string value) => new([new SelectorRequirementSpec(key, SelectorOperator.In, [value])]);

    public static TheoryData<Case> Cases => new()
    {
        new("an owned running pod is evictable", Owned(), null),
        new("bare pod is protected", _ => { }, SkipReasons.Bare),
        new("bare failed pod is evictable when FailedBarePods is disabled", p => p.Phase(PodPhase.Failed), null,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.FailedBarePods }),
        new("bare running pod stays protected when FailedBarePods is disabled", _ => { }, SkipReasons.Bare,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.FailedBarePods }),
        new("mirror pod", Owned(p => p.Annotation("kubernetes.io/config.mirror", "x")), SkipReasons.Mirror),
        new("static pod", Owned(p => p.Annotation("kubernetes.io/config.source", "file")), SkipReasons.Static),
        new("config.source api is not static", Owned(p => p.Annotation("kubernetes.io/config.source", "api")), null),
        new("terminating pod", Owned(p => p.Terminating()), SkipReasons.Terminating),
        new("DaemonSet pod", p => p.DaemonSet("ds"), SkipReasons.DaemonSet),
        new("DaemonSet pod when DaemonSetPods is disabled", p => p.DaemonSet("ds"), null,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.DaemonSetPods }),
        new("emptyDir", Owned(p => p.EmptyDir()), SkipReasons.LocalStorage),
        new("hostPath", Owned(p => p.HostPath()), SkipReasons.LocalStorage),
        new("local storage when PodsWithLocalStorage is disabled", Owned(p => p.EmptyDir()), null,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.PodsWithLocalStorage }),
        new("system-critical priority", Owned(p => p.Priority(2_000_000_000)), SkipReasons.SystemCritical),
        new("system-critical when SystemCriticalPods is disabled", Owned(p => p.Priority(2_000_000_000)), null,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.SystemCriticalPods }),
        new("priority at the threshold value", Owned(p => p.Priority(1000)), SkipReasons.PriorityThreshold, Defaults with { PriorityThresholdValue = 1000 }),
        new("priority below the threshold value", Owned(p => p.Priority(999)), null, Defaults with { PriorityThresholdValue = 1000 }),
        new("no priority and a threshold", Owned(), null, Defaults with { PriorityThresholdValue = 1000 }),
        new("priority threshold by class name", Owned(p => p.Priority(5000)), SkipReasons.PriorityThreshold,
            Defaults with { PriorityThresholdName = "high" }, c => c.PriorityClass("high", 5000)),
        new("PVC not protected by default", Owned(p => p.Pvc("data")), null),
        new("PVC protected with PodsWithPVC", Owned(p => p.Pvc("data")), SkipReasons.Pvc, Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithPVC }),
        new("PVC of an unlisted storage class is evictable", Owned(p => p.Pvc("data")), null,
            Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithPVC, ProtectedStorageClasses = ["fast"] },
            c => c.Builder.AddPersistentVolumeClaim("default", "data", "slow")),
        new("PVC of a protected storage class", Owned(p => p.Pvc("data")), SkipReasons.Pvc,
            Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithPVC, ProtectedStorageClasses = ["fast"] },
            c => c.Builder.AddPersistentVolumeClaim("default", "data", "fast")),
        new("PVC whose storage class is unknown is protected", Owned(p => p.Pvc("data")), SkipReasons.Pvc,
            Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithPVC, ProtectedStorageClasses = ["fast"] }),
        new("without PDB when PodsWithoutPDB is enabled", Owned(), SkipReasons.WithoutPdb, Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithoutPDB }),
        new("with a PDB when PodsWithoutPDB is enabled", Owned(p => p.Label("app", "web")), null,
            Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithoutPDB }, c => c.PdbAllowing("web", "web", 1)),
        new("resource claims with PodsWithResourceClaims", Owned(p => p.ResourceClaims()), SkipReasons.ResourceClaims,
            Defaults with { Protections = Defaults.Protections | PodProtections.PodsWithResourceClaims }),
        new("safe-to-evict false", Owned(p => p.Annotation("cluster-autoscaler.kubernetes.io/safe-to-evict", "false")), SkipReasons.SafeToEvict),
        new("safe-to-evict false when the protection is disabled", Owned(p => p.Annotation("cluster-autoscaler.kubernetes.io/safe-to-evict", "false")), null,
            Defaults with { Protections = Defaults.Protections & ~PodProtections.SafeToEvictAnnotation }),
        new("karpenter do-not-disrupt", Owned(p => p.Annotation("karpenter.sh/do-not-disrupt", "true")), SkipReasons.DoNotDisrupt),
        new("evict annotation bypasses protections", p => p.DaemonSet("ds").EmptyDir().Annotation("descheduler.alpha.kubernetes.io/evict", ""), null),
        new("prefer-no-eviction with Mandatory", Owned(p => p.Annotation("descheduler.alpha.kubernetes.io/prefer-no-eviction", "")), SkipReasons.PreferNoEviction,
            Defaults with { NoEvictionPolicy = NoEvictionPolicy.Mandatory }),
        new("prefer-no-eviction with Preferred", Owned(p => p.Annotation("descheduler.alpha.kubernetes.io/prefer-no-eviction", "")), null),
        new("labelSelector does not match", Owned(p => p.Label("tier", "db")), SkipReasons.LabelSelector, Defaults with { LabelSelector = Selector("tier", "web") }),
        new("labelSelector matches", Owned(p => p.Label("tier", "web")), null, Defaults with { LabelSelector = Selector("tier", "web") }),
        new("minReplicas not reached", Owned(), SkipReasons.MinReplicas, Defaults with { MinReplicas = 2 }),
        new("minReplicas reached", Owned(), null, Defaults with { MinReplicas = 2 },
            c => c.Pod("sibling", "n2", configure: p => p.Owner("ReplicaSet", "rs"))),
        new("minPodAge not reached", Owned(p => p.Started(TestPlanner.Now.AddMinutes(-3))), SkipReasons.MinPodAge, Defaults with { MinPodAge = TimeSpan.FromMinutes(5) }),
        new("minPodAge reached", Owned(p => p.Started(TestPlanner.Now.AddMinutes(-6))), null, Defaults with { MinPodAge = TimeSpan.FromMinutes(5) }),
        new("minPodAge without startTime", Owned(p => p.NotStarted()), SkipReasons.MinPodAge, Defaults with { MinPodAge = TimeSpan.FromMinutes(5) }),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter_Should_ReturnTheExpectedProtection(Case c)
    {
        var cluster = new TestCluster().Nodes(2, "n").Pod("subject", "n-0", configure: c.Pod);
        c.Cluster?.Invoke(cluster);
        ClusterSnapshot snapshot = cluster.Build();
        var ledger = new Core.Planning.PdbLedger(snapshot);
        var evictor = new DefaultEvictor(snapshot, c.Settings ?? Defaults, TestPlanner.Now, ledger.HasPdb, []);

        Protection? protection = evictor.Filter(0);

        Assert.Equal(c.Expected, protection?.Reason);
    }

    [Theory]
    [InlineData("team=a", true)]
    [InlineData("team=b", false)]
    public void PreEvictionFilter_Should_MatchNamespaceLabels(string labels, bool evictable)
    {
        string[] kv = labels.Split('=');
        ClusterSnapshot snapshot = new TestCluster().Nodes(2, "n").Namespace("default", (kv[0], kv[1]))
            .Pod("subject", "n-0", configure: p => p.Owner("ReplicaSet", "rs")).Build();
        var evictor = new DefaultEvictor(snapshot, Defaults with { NamespaceLabelSelector = Selector("team", "a") }, TestPlanner.Now, _ => false, []);

        Assert.Equal(evictable, evictor.PreEvictionFilter(0) is null);
    }
}
