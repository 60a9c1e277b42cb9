using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Testing.Builders;

namespace Rebalancer.Core.Tests.Model;

public class WorkloadIndexTests
{
    /// <summary>The workload of pod <c>p</c> as <c>namespace/Kind/name Resolution object=Kind/name</c>, or <c>-</c>.</summary>
    private static string WorkloadOfP(Action<TestCluster> setup)
    {
        var cluster = new TestCluster().Node("n1");
        setup(cluster);
        ClusterSnapshot s = cluster.Build();
        int w = s.Workloads.WorkloadOf(s.Pods.Name.IndexOf("p"));
        if (w < 0)
        {
            return "-";
        }

        WorkloadRef r = s.Workloads[w];
        string obj = r.ObjectRow < 0 ? "-" : $"{r.ObjectKind}/{s.Strings[s.Inventory.MetaOf(r.ObjectKind, r.ObjectRow).Name]}";
        return $"{InventoryText.Name(s, r)} {r.Resolution} object={obj}";
    }

    public static TheoryData<string, Action<TestCluster>, string> Resolutions => new()
    {
        { "bare pod", c => c.Pod("p", "n1"), "-" },
        { "Deployment through its ReplicaSet", c => c.Deployment("web").ReplicaSet("web-abc", "web").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/Deployment/web InSnapshot object=Deployment/web" },
        { "bare ReplicaSet", c => c.ReplicaSet("web-abc").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/ReplicaSet/web-abc InSnapshot object=ReplicaSet/web-abc" },
        { "StatefulSet", c => c.Workload(WorkloadKind.StatefulSet, "db").Pod("p", "n1", configure: p => p.Owner("StatefulSet", "db")),
            "default/StatefulSet/db InSnapshot object=StatefulSet/db" },
        { "DaemonSet", c => c.Workload(WorkloadKind.DaemonSet, "agent").Pod("p", "n1", configure: p => p.DaemonSet("agent")),
            "default/DaemonSet/agent InSnapshot object=DaemonSet/agent" },
        { "CronJob through its Job", c => c.CronJob("nightly").Job("nightly-1", "nightly").Pod("p", "n1", configure: p => p.Owner("Job", "nightly-1")),
            "default/CronJob/nightly InSnapshot object=CronJob/nightly" },
        { "bare Job", c => c.Job("once").Pod("p", "n1", configure: p => p.Owner("Job", "once")), "default/Job/once InSnapshot object=Job/once" },
        { "missing ReplicaSet", c => c.Deployment("web").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/ReplicaSet/web-abc Missing object=-" },
        { "missing Deployment above a present ReplicaSet", c => c.ReplicaSet("web-abc", "web").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/Deployment/web Missing object=ReplicaSet/web-abc" },
        { "missing CronJob above a present Job", c => c.Job("nightly-1", "nightly").Pod("p", "n1", configure: p => p.Owner("Job", "nightly-1")),
            "default/CronJob/nightly Missing object=Job/nightly-1" },
        { "adopted by a different ReplicaSet than its name says",
            c => c.Deployment("web").Deployment("api").ReplicaSet("web-old", "web").ReplicaSet("api-new", "api")
                .Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "api-new").Label("pod-template-hash", "old")),
            "default/Deployment/api InSnapshot object=Deployment/api" },
        { "a ReplicaSet recreated under the same name (uid differs)",
            c => c.Deployment("web").ReplicaSet("web-abc", "web").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc", uid: "old-uid")),
            "default/ReplicaSet/web-abc Missing object=-" },
        { "the owner of another namespace is not the owner",
            c => c.ReplicaSet("web-abc", @namespace: "other").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/ReplicaSet/web-abc Missing object=-" },
        { "a Rollout above its ReplicaSet", c => c.Workload(WorkloadKind.ReplicaSet, "web-abc", owner: "Rollout/web/rollout-uid")
                .Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "web-abc")),
            "default/Rollout/web External object=ReplicaSet/web-abc" },
        { "a pod owned by a kind outside the inventory", c => c.Pod("p", "n1", configure: p => p.Owner("TaskRun", "build-7")),
            "default/TaskRun/build-7 External object=-" },
        { "a mirror pod (owned by its Node)", c => c.Pod("p", "n1", configure: p => p.Owner("Node", "n1")), "-" },
        { "no owner marked controller: the first owner", c => c.Job("once").Pod("p", "n1", configure: p => p.Owner("Job", "once", controller: false)),
            "default/Job/once InSnapshot object=Job/once" },
        { "the controller, not the first owner", c => c.Job("once").Pod("p", "n1", configure: p => p.Owner("ConfigMap", "x", controller: false).Owner("Job", "once")),
            "default/Job/once InSnapshot object=Job/once" },
        { "an owner cycle stops", c => c.Workload(WorkloadKind.Deployment, "a", owner: "Deployment/b").Workload(WorkloadKind.Deployment, "b", owner: "Deployment/a")
                .ReplicaSet("r", "a").Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "r")),
            "default/Deployment/a InSnapshot object=Deployment/a" },
    };

    [Theory]
    [MemberData(nameof(Resolutions))]
    public void A_pod_resolves_to_its_top_owner(string what, Action<TestCluster> setup, string expected) =>
        Assert.True(WorkloadOfP(setup) == expected, $"{what}: {WorkloadOfP(setup)}");

    [Fact]
    public void Workloads_are_ordered_and_list_their_pods_and_objects_without_pods_are_workloads_too()
    {
        ClusterSnapshot s = new TestCluster().Node("n1")
            .Deployment("web").ReplicaSet("web-new", "web").ReplicaSet("web-old", "web", replicas: 0)
            .Deployment("idle", replicas: 0)
            .Deployment("web", @namespace: "alpha")
            .Pod("web-new-2", "n1", configure: p => p.Owner("ReplicaSet", "web-new"))
            .Pod("solo", "n1")
            .Pod("web-new-1", "n1", configure: p => p.Owner("ReplicaSet", "web-new"))
            .Build();
        WorkloadIndex index = s.Workloads;

        Assert.Equal(["alpha/Deployment/web", "default/Deployment/idle", "default/Deployment/web"], index.Workloads.Select(w => InventoryText.Name(s, w)));
        int web = index.Find(WorkloadKind.Deployment, 0, s.Strings.Find("default"), s.Strings.Find("web"));
        Assert.Equal(2, web);
        Assert.Equal([0, 2], index.PodsOf(web).ToArray());
        Assert.Empty(index.PodsOf(1).ToArray());
        Assert.Equal(-1, index.WorkloadOf(1));
        int oldRs = s.Inventory.Find(WorkloadKind.ReplicaSet, s.Strings.Find("default"), s.Strings.Find("web-old"));
        Assert.Equal(web, index.WorkloadOfObject(WorkloadKind.ReplicaSet, oldRs));
        Assert.Equal(-1, index.Find(WorkloadKind.Deployment, 0, s.Strings.Find("default"), s.Strings.Find("nope")));
    }

    [Fact]
    public void Hpas_resolve_to_the_workload_they_scale()
    {
        ClusterSnapshot s = new TestCluster().Node("n1")
            .Deployment("web").ReplicaSet("web-abc", "web")
            .Workload(WorkloadKind.ReplicaSet, "ro-abc", owner: "Rollout/ro")
            .Pod("p", "n1", configure: p => p.Owner("ReplicaSet", "ro-abc"))
            .Hpa("on-deployment", "Deployment", "web")
            .Hpa("on-replicaset", "ReplicaSet", "web-abc")
            .Hpa("on-rollout", "Rollout", "ro")
            .Hpa("on-nothing", "Deployment", "gone")
            .Build();
        WorkloadIndex index = s.Workloads;
        string Target(string hpa) =>
            index.HpaTarget(Row(s, hpa)) is int w and >= 0 ? InventoryText.Name(s, index[w]) : "-";

        Assert.Equal("default/Deployment/web", Target("on-deployment"));
        Assert.Equal("default/Deployment/web", Target("on-replicaset"));
        Assert.Equal("default/Rollout/ro", Target("on-rollout"));
        Assert.Equal("-", Target("on-nothing"));
        int web = index.Find(WorkloadKind.Deployment, 0, s.Strings.Find("default"), s.Strings.Find("web"));
        Assert.Equal([Row(s, "on-deployment"), Row(s, "on-replicaset")], index.HpasOf(web).ToArray());
    }

    [Fact]
    public void Jobs_know_their_CronJob_and_CronJobs_their_Jobs()
    {
        ClusterSnapshot s = new TestCluster().Node("n1")
            .CronJob("nightly").Job("nightly-2", "nightly").Job("nightly-1", "nightly").Job("once").Job("orphan", "deleted")
            .Build();
        WorkloadIndex index = s.Workloads;

        Assert.Equal(["nightly-1", "nightly-2", "once", "orphan"], s.Inventory.Jobs.Select(j => s.Strings[j.Meta.Name]));
        Assert.Equal([0, 0, -1, -1], Enumerable.Range(0, 4).Select(index.CronJobOf));
        Assert.Equal([0, 1], index.JobsOf(0).ToArray());
    }

    [Fact]
    public void Pods_mount_claims_and_claims_bind_volumes()
    {
        ClusterSnapshot s = new TestCluster().Node("n1")
            .Claim("data", "pv-data").Claim("unused").Claim("recreated", "pv-stale", uid: "new-uid")
            .Volume("pv-data", "default/data").Volume("pv-stale", "default/recreated", claimUid: "old-uid").Volume("pv-free", phase: VolumePhase.Available)
            .Pod("a", "n1", configure: p => p.Pvc("data").Pvc("data").Pvc("not-in-snapshot"))
            .Pod("b", "n1", configure: p => p.Pvc("data"))
            .Pod("c", "n1", configure: p => p.Namespace("other").Pvc("data"))
            .Build();
        VolumeIndex v = s.Volumes;
        int Claim(string name) => s.Inventory.FindClaim(s.Strings.Find("default"), s.Strings.Find(name));
        int Volume(string name) => s.Inventory.FindVolume(s.Strings.Find(name));

        Assert.Equal([Claim("data")], v.ClaimsOf(0).ToArray());
        Assert.Equal([0, 1], v.PodsMounting(Claim("data")).ToArray());
        Assert.Empty(v.PodsMounting(Claim("unused")).ToArray());
        Assert.Empty(v.ClaimsOf(2).ToArray());
        Assert.Equal(Volume("pv-data"), v.VolumeOf(Claim("data")));
        Assert.Equal(-1, v.VolumeOf(Claim("unused")));
        Assert.Equal(Claim("data"), v.ClaimOf(Volume("pv-data")));
        Assert.Equal(-1, v.ClaimOf(Volume("pv-stale")));
        Assert.Equal(-1, v.ClaimOf(Volume("pv-free")));
    }

    [Fact]
    public void The_index_does_not_change_the_string_table()
    {
        ClusterSnapshot s = new TestCluster().Node("n1").Deployment("web").Pod("p", "n1", configure: p => p.Owner("Rollout", "r")).Build();
        int strings = s.Strings.Count;

        _ = s.Workloads;
        _ = s.Volumes;

        Assert.Equal(strings, s.Strings.Count);
        Assert.Equal("Deployment", s.Workloads[0].KindText(s.Strings));
        Assert.Same(s.Workloads, s.Workloads);
    }

    private static int Row(ClusterSnapshot s, string hpa) =>
        s.Inventory.HorizontalPodAutoscalers.Select((h, i) => (h, i)).Single(x => s.Strings[x.h.Meta.Name] == hpa).i;
}
