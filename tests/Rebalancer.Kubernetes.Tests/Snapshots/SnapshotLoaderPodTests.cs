using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>What the loader reads from pods: resources, flags, status and scheduling constraints.</summary>
public class SnapshotLoaderPodTests
{
    public static TheoryData<string, string, long, long> EffectiveRequests => new()
    {
        {
            "regular containers add up",
            """ "containers":[{"name":"a","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}},{"name":"b","resources":{"requests":{"cpu":"250m","memory":"1Gi"}}}]""",
            350, (1L << 30) + (64L << 20)
        },
        {
            "an init container larger than the app wins",
            """ "initContainers":[{"name":"migrate","resources":{"requests":{"cpu":"2","memory":"128Mi"}}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"100m","memory":"1Gi"}}}]""",
            2000, 1L << 30
        },
        {
            "a sidecar (restartPolicy Always) adds to the app and to later init containers",
            """ "initContainers":[{"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"500m"}}},{"name":"init","resources":{"requests":{"cpu":"1"}}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"200m"}}}]""",
            1500, 0
        },
        {
            "restartPolicy OnFailure on an init container is no sidecar",
            """ "initContainers":[{"name":"init","restartPolicy":"OnFailure","resources":{"requests":{"cpu":"500m"}}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"200m"}}}]""",
            500, 0
        },
        {
            "overhead is added last",
            """ "containers":[{"name":"a","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}],"overhead":{"cpu":"250m","memory":"120Mi"}""",
            350, 184L << 20
        },
        {
            "limits stand in for missing requests",
            """ "containers":[{"name":"a","resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]""",
            1000, 1L << 30
        },
        {
            "no resources at all",
            """ "containers":[{"name":"a"},{"name":"b","resources":{}},{"name":"c","resources":{"requests":null}}]""",
            0, 0
        },
    };

    [Theory]
    [MemberData(nameof(EffectiveRequests))]
    public void Effective_requests_follow_the_scheduler(string description, string containers, long cpuMilli, long memory)
    {
        Assert.NotEmpty(description);
        string pod = $$$"""{"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"nodeName":"n",{{{containers}}}}}""";
        ClusterSnapshot s = Load(pod).Snapshot;

        Assert.Equal(cpuMilli, Request(s, 0, "cpu"));
        Assert.Equal(memory, Request(s, 0, "memory"));
        Assert.Equal(1, Request(s, 0, "pods"));
    }

    public static TheoryData<string, string, long> Quantities => new()
    {
        { "cpu", "\"100m\"", 100 },
        { "cpu", "\"1.5\"", 1500 },
        { "cpu", "\"0.1\"", 100 },
        { "cpu", "\"1234567890n\"", 1235 },
        { "cpu", "\"1e-4\"", 1 },
        { "cpu", "\"1E3\"", 1_000_000 },
        { "cpu", "2", 2000 },
        { "cpu", "0.25", 250 },
        { "cpu", "1e3", 1_000_000 },
        { "cpu", "\"\\u0035m\"", 5 },
        { "memory", "\"128Mi\"", 128L << 20 },
        { "memory", "\"0.5Gi\"", 1L << 29 },
        { "memory", "\"1G\"", 1_000_000_000 },
        { "memory", "\"100m\"", 1 },
        { "memory", "\"4Ei\"", 1L << 62 },
        { "cpu", "\"4611686018427387.904\"", 1L << 62 },
        { "nvidia.com/gpu", "\"1\"", 1 },
        { "ephemeral-storage", "\"10Gi\"", 10L << 30 },
    };

    [Theory]
    [MemberData(nameof(Quantities))]
    public void Quantities_are_read_at_the_resource_scale(string resource, string value, long expected)
    {
        string pod = $$$"""{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","resources":{"requests":{"{{{resource}}}":{{{value}}} } } }]}}""";
        ClusterSnapshot s = Load(pod).Snapshot;
        Assert.Equal(expected, Request(s, 0, resource));
    }

    public static TheoryData<string, PodFlags> AnnotationFlags => new()
    {
        { """{}""", PodFlags.None },
        { """{"kubernetes.io/config.mirror":"abc123"}""", PodFlags.Mirror },
        { """{"kubernetes.io/config.source":"file"}""", PodFlags.Static },
        { """{"kubernetes.io/config.source":"api"}""", PodFlags.None },
        { """{"descheduler.alpha.kubernetes.io/evict":""}""", PodFlags.EvictAnnotation },
        { """{"descheduler.alpha.kubernetes.io/prefer-no-eviction":"yes"}""", PodFlags.PreferNoEviction },
        { """{"cluster-autoscaler.kubernetes.io/safe-to-evict":"false"}""", PodFlags.SafeToEvictFalse },
        { """{"cluster-autoscaler.kubernetes.io/safe-to-evict":"true"}""", PodFlags.SafeToEvictTrue },
        { """{"cluster-autoscaler.kubernetes.io/safe-to-evict":"maybe"}""", PodFlags.None },
        { """{"karpenter.sh/do-not-disrupt":"true"}""", PodFlags.DoNotDisrupt },
        { """{"karpenter.sh/do-not-disrupt":"false"}""", PodFlags.None },
        {
            """{"kubernetes.io/config.mirror":"x","kubernetes.io/config.source":"file","descheduler.alpha.kubernetes.io/evict":"true","karpenter.sh/do-not-disrupt":"true"}""",
            PodFlags.Mirror | PodFlags.Static | PodFlags.EvictAnnotation | PodFlags.DoNotDisrupt
        },
    };

    [Theory]
    [MemberData(nameof(AnnotationFlags))]
    public void Annotations_set_flags(string annotations, PodFlags expected)
    {
        const PodFlags annotationFlags = PodFlags.Mirror | PodFlags.Static | PodFlags.EvictAnnotation | PodFlags.PreferNoEviction
            | PodFlags.SafeToEvictFalse | PodFlags.SafeToEvictTrue | PodFlags.DoNotDisrupt;
        ClusterSnapshot s = Load(Pod("p", metadata: $",\"annotations\":{annotations}")).Snapshot;
        Assert.Equal(expected, s.Pods.Flags[0] & annotationFlags);
    }

    public static TheoryData<string, PodFlags, string> Volumes => new()
    {
        { """[{"name":"cfg","configMap":{"name":"c"}}]""", PodFlags.None, "" },
        { """[{"name":"tmp","emptyDir":{}}]""", PodFlags.EmptyDirVolume, "" },
        { """[{"name":"tmp","emptyDir":{"medium":"Memory","sizeLimit":"1Gi"}}]""", PodFlags.EmptyDirVolume, "" },
        { """[{"name":"logs","hostPath":{"path":"/var/log","type":""}}]""", PodFlags.HostPathVolume, "" },
        { """[{"name":"data","persistentVolumeClaim":{"claimName":"data-0","readOnly":true}}]""", PodFlags.PvcVolume, "data-0" },
        { """[{"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{"storageClassName":"fast"}}}}]""", PodFlags.PvcVolume, "p-scratch" },
        { """[{"name":"tmp","emptyDir":null},{"name":"x","hostPath":null}]""", PodFlags.None, "" },
        {
            """[{"name":"a","persistentVolumeClaim":{"claimName":"one"}},{"name":"b","emptyDir":{}},{"name":"c","persistentVolumeClaim":{"claimName":"two"}}]""",
            PodFlags.PvcVolume | PodFlags.EmptyDirVolume, "one,two"
        },
    };

    [Theory]
    [MemberData(nameof(Volumes))]
    public void Volumes_set_flags_and_claims(string volumes, PodFlags expected, string claims)
    {
        const PodFlags volumeFlags = PodFlags.EmptyDirVolume | PodFlags.HostPathVolume | PodFlags.PvcVolume;
        ClusterSnapshot s = Load(Pod("p", spec: $",\"volumes\":{volumes}")).Snapshot;
        Assert.Equal(expected, s.Pods.Flags[0] & volumeFlags);
        Assert.Equal(claims, string.Join(",", s.Pods.PvcClaimsOf(0).ToArray().Select(id => s.Strings[id])));
    }

    [Theory]
    [InlineData("""[{"name":"gpu","resourceClaimName":"gpu-claim"}]""", true)]
    [InlineData("[]", false)]
    [InlineData("null", false)]
    public void Resource_claims_set_a_flag_when_present(string claims, bool expected)
    {
        ClusterSnapshot s = Load(Pod("p", spec: $",\"resourceClaims\":{claims}")).Snapshot;
        Assert.Equal(expected, s.Pods.Has(0, PodFlags.ResourceClaims));
    }

    [Fact]
    public void Metadata_spec_and_status_fields_are_read()
    {
        string pod = """
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"web-1","namespace":"shop","uid":"5d5c","labels":{"app":"web","pod-template-hash":"abc"},
                         "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"huge\":\"json\"}","team":"a"},
                         "creationTimestamp":"2025-01-01T00:00:00Z","deletionTimestamp":"2025-01-02T00:00:00Z",
                         "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs-1","controller":true,"blockOwnerDeletion":true},
                                            {"apiVersion":"v1","kind":"Other","name":"o","uid":"o-1"}],
                         "managedFields":[{"manager":"kube-controller-manager","fieldsV1":{"f:metadata":{"f:labels":{}}}}]},
             "spec":{"nodeName":"node-a","priority":1000,"priorityClassName":"high",
                     "containers":[{"name":"app","image":"nginx:1.27","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}},
                                   {"name":"log","image":"fluent-bit:3"}],
                     "initContainers":[{"name":"init","image":"busybox"}]},
             "status":{"phase":"Failed","reason":"Evicted","qosClass":"Burstable","startTime":"2025-01-01T00:00:10Z",
                       "conditions":[{"type":"Ready","status":"False","reason":"PodFailed","lastTransitionTime":"2025-01-01T00:01:00Z"},{"type":"PodScheduled","status":"True"}],
                       "initContainerStatuses":[{"name":"init","ready":false,"restartCount":2,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
                       "containerStatuses":[{"name":"app","ready":false,"restartCount":7,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off"}},
                                             "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}},
                                            {"name":"log","ready":true,"restartCount":1,"state":{"running":{"startedAt":"2025-01-01T00:00:12Z"}}}]}}
            """;
        ClusterSnapshot s = Load(pod).Snapshot;
        string Str(int id) => s.Strings[id];
        long At(int day, int minute = 0, int second = 0) => UnixTime.FromDateTimeOffset(new DateTimeOffset(2025, 1, day, 0, minute, second, TimeSpan.Zero));

        Assert.Equal("shop/web-1", s.PodKey(0));
        Assert.Equal("5d5c", s.Pods.Uid[0]);
        Assert.Equal("node-a", Str(s.Pods.NodeName[0]));
        Assert.Equal(-1, s.Pods.Node[0]);
        Assert.Equal(PodPhase.Failed, s.Pods.Phase[0]);
        Assert.Equal("Evicted", Str(s.Pods.StatusReason[0]));
        Assert.Equal(QosClass.Burstable, s.Pods.Qos[0]); // as stated, although the containers alone would say otherwise
        Assert.Equal(PodFlags.Terminating | PodFlags.HasPriority, s.Pods.Flags[0]);
        Assert.Equal((1000, "high"), (s.Pods.Priority[0], Str(s.Pods.PriorityClassName[0])));
        Assert.Equal((At(1), At(1, second: 10), At(2)), (s.Pods.CreationTime[0], s.Pods.StartTime[0], s.Pods.DeletionTime[0]));
        Assert.Equal(["app=web", "pod-template-hash=abc"], Labels(s, s.Pods.Labels[0]));
        Assert.Equal(["team=a"], Labels(s, s.Pods.Annotations[0]));
        Assert.Equal(["ReplicaSet/web-abc/rs-1/True", "Other/o/o-1/False"],
            s.Pods.OwnersOf(0).ToArray().Select(o => $"{Str(o.Kind)}/{Str(o.Name)}/{Str(o.Uid)}/{o.Controller}"));
        Assert.Equal(["nginx:1.27", "fluent-bit:3"], s.Pods.ImagesOf(0).ToArray().Select(Str));
        Assert.Equal(
            [
                new PodCondition(s.Strings.Find("Ready"), s.Strings.Find("False"), s.Strings.Find("PodFailed"), At(1, minute: 1)),
                new PodCondition(s.Strings.Find("PodScheduled"), s.Strings.Find("True"), 0, UnixTime.None),
            ],
            s.Pods.ConditionsOf(0).ToArray());
        Assert.Equal(
            [
                new ContainerStatus(s.Strings.Find("init"), true, 2, 0, s.Strings.Find("Completed"), 0, true, false),
                new ContainerStatus(s.Strings.Find("app"), false, 7, s.Strings.Find("CrashLoopBackOff"), 0, 0, false, false) { LastTerminatedReason = s.Strings.Find("OOMKilled") },
                new ContainerStatus(s.Strings.Find("log"), false, 1, 0, 0, 0, false, true),
            ],
            s.Pods.ContainerStatusesOf(0).ToArray());
        Assert.Equal((8, 2), (s.Pods.Restarts[0], s.Pods.InitRestarts[0]));
        Assert.Equal(-1, s.Strings.Find("kubectl.kubernetes.io/last-applied-configuration"));
        Assert.Equal(-1, s.Strings.Find("kube-controller-manager"));
    }

    [Theory]
    [InlineData("""{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}""", PodPhase.Running, true)]
    [InlineData("""{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}]}""", PodPhase.Pending, false)]
    [InlineData("""{"phase":"Succeeded"}""", PodPhase.Succeeded, false)]
    [InlineData("""{"phase":"Unknown"}""", PodPhase.Unknown, false)]
    [InlineData("""{}""", PodPhase.Running, false)]
    [InlineData("null", PodPhase.Running, false)]
    public void Phase_and_readiness_come_from_status(string status, PodPhase phase, bool ready)
    {
        ClusterSnapshot s = Load(Pod("p", status: status)).Snapshot;
        Assert.Equal(phase, s.Pods.Phase[0]);
        Assert.Equal(ready, s.Pods.Has(0, PodFlags.Ready));
    }

    [Theory]
    [InlineData("""[{"name":"a","resources":{"requests":{"cpu":"1","memory":"1Gi"},"limits":{"cpu":"1","memory":"1Gi"}}}]""", "", QosClass.Guaranteed)]
    [InlineData("""[{"name":"a","resources":{"requests":{"cpu":"1"}}}]""", "", QosClass.Burstable)]
    [InlineData("""[{"name":"a"}]""", "", QosClass.BestEffort)]
    [InlineData("""[{"name":"a"}]""", ""","qosClass":"Guaranteed" """, QosClass.Guaranteed)]
    public void Qos_is_taken_from_status_or_computed(string containers, string statusQos, QosClass expected)
    {
        ClusterSnapshot s = Load(Pod("p", containers: containers, status: $$"""{"phase":"Running"{{statusQos}}}""")).Snapshot;
        Assert.Equal(expected, s.Pods.Qos[0]);
    }

    [Fact]
    public void Missing_namespace_means_default()
    {
        ClusterSnapshot s = Load("""{"kind":"Pod","metadata":{"name":"bare"},"spec":{"containers":[]}}""").Snapshot;
        Assert.Equal("default/bare", s.PodKey(0));
        Assert.Equal(PodConstraints.None, s.ConstraintsOf(0));
    }

    public static TheoryData<string, string, string> Constraints => new()
    {
        {
            "tolerations",
            """ "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"},{"operator":"Exists"},{"key":"k","value":"v"}]""",
            "tol=node.kubernetes.io/not-ready Exists :NoExecute;dedicated Equal gpu:NoSchedule; Exists :Any;k Equal v:Any sel= req=<none> pref= aff= anti= prefaff= prefanti= spread="
        },
        {
            "nodeSelector",
            """ "nodeSelector":{"kubernetes.io/os":"linux","pool":"a"}""",
            "tol= sel=kubernetes.io/os=linux;pool=a req=<none> pref= aff= anti= prefaff= prefanti= spread="
        },
        {
            "required node affinity with Gt and matchFields",
            """ "affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a","b"]},{"key":"cores","operator":"Gt","values":["8"]}]},{"matchFields":[{"key":"metadata.name","operator":"NotIn","values":["node-x"]}]}]}}}""",
            "tol= sel= req=zone In (a|b)&cores Gt (8) OR field:metadata.name NotIn (node-x) pref= aff= anti= prefaff= prefanti= spread="
        },
        {
            "preferred node affinity",
            """ "affinity":{"nodeAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":80,"preference":{"matchExpressions":[{"key":"disk","operator":"Exists"}]}},{"weight":20,"preference":{"matchExpressions":[{"key":"mem","operator":"Lt","values":["64"]}]}}]}}""",
            "tol= sel= req=<none> pref=80:disk Exists ();20:mem Lt (64) aff= anti= prefaff= prefanti= spread="
        },
        {
            "pod affinity and anti-affinity",
            """ "affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"topology.kubernetes.io/zone","namespaces":["data"]}],"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":1,"podAffinityTerm":{"topologyKey":"x"}}]},"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["web"]}]},"topologyKey":"kubernetes.io/hostname","namespaceSelector":{}}],"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname","namespaceSelector":{"matchLabels":{"team":"a"}}}}]}}""",
            "tol= sel= req=<none> pref= aff=app In (db) in [data] ns=<own> key=topology.kubernetes.io/zone anti=app In (web) in [] ns=<everything> key=kubernetes.io/hostname prefaff=1:<nothing> in [] ns=<own> key=x prefanti=100:app In (web) in [] ns=team In (a) key=kubernetes.io/hostname spread="
        },
        {
            "an anti-affinity term without a selector matches nothing",
            """ "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"kubernetes.io/hostname"}]}}""",
            "tol= sel= req=<none> pref= aff= anti=<nothing> in [] ns=<own> key=kubernetes.io/hostname prefaff= prefanti= spread="
        },
        {
            "topology spread with defaults and with every field",
            """ "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}},{"maxSkew":2,"topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"app":"web"}},"minDomains":3,"nodeAffinityPolicy":"Ignore","nodeTaintsPolicy":"Honor","matchLabelKeys":["pod-template-hash"]},{"maxSkew":1,"topologyKey":"z","whenUnsatisfiable":"DoNotSchedule"}]""",
            "tol= sel= req=<none> pref= aff= anti= prefaff= prefanti= spread=1/topology.kubernetes.io/zone/DoNotSchedule/app In (web)/-/Honor/Ignore/;2/kubernetes.io/hostname/ScheduleAnyway/app In (web)/3/Ignore/Honor/pod-template-hash;1/z/DoNotSchedule/<nothing>/-/Honor/Ignore/"
        },
        {
            "empty and null parts are no constraints",
            """ "tolerations":[],"nodeSelector":{},"affinity":{},"topologySpreadConstraints":null""",
            "tol= sel= req=<none> pref= aff= anti= prefaff= prefanti= spread="
        },
    };

    [Theory]
    [MemberData(nameof(Constraints))]
    public void Scheduling_constraints_are_parsed(string description, string spec, string expected)
    {
        Assert.NotEmpty(description);
        ClusterSnapshot s = Load(Pod("p", spec: "," + spec)).Snapshot;
        Assert.Equal(expected, Describe(s, s.ConstraintsOf(0)));
    }

    [Fact]
    public void Pods_of_a_workload_share_one_constraint_set()
    {
        const string web = ""","tolerations":[{"operator":"Exists"}],"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}}""";
        const string db = ""","tolerations":[{"operator":"Exists"}],"nodeSelector":{"disk":"ssd"}""";
        ClusterSnapshot s = Load(List(Pod("web-1", spec: web), Pod("db-1", spec: db), Pod("web-2", spec: web), Pod("plain"), Pod("db-2", spec: db))).Snapshot;
        int[] ids = s.Pods.Constraints;

        Assert.Equal(ids[PodIndex(s, "web-1")], ids[PodIndex(s, "web-2")]);
        Assert.Equal(ids[PodIndex(s, "db-1")], ids[PodIndex(s, "db-2")]);
        Assert.NotEqual(ids[PodIndex(s, "web-1")], ids[PodIndex(s, "db-1")]);
        Assert.Same(PodConstraints.None, s.ConstraintsOf(PodIndex(s, "plain")));
        Assert.Same(s.ConstraintsOf(PodIndex(s, "web-1")).Tolerations, s.ConstraintsOf(PodIndex(s, "db-1")).Tolerations);
    }

    [Fact]
    public void Equal_constraints_written_differently_are_still_equal()
    {
        // Different bytes (spacing) miss the raw-bytes cache; the builder still interns equal sets to one id.
        const string compact = ""","nodeSelector":{"pool":"a"}""";
        const string spaced = """, "nodeSelector" : { "pool" : "a" }""";
        ClusterSnapshot s = Load(List(Pod("a", spec: compact), Pod("b", spec: spaced))).Snapshot;
        Assert.Equal(s.Pods.Constraints[0], s.Pods.Constraints[1]);
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        string pod = """{"kind":"Pod","metadata":{"name":"p\u002d1","namespace":"n\u0073","labels":{"a\u002fb":"x\"y"}},"spec":{"containers":[]}}""";
        ClusterSnapshot s = Load(pod).Snapshot;
        Assert.Equal("ns/p-1", s.PodKey(0));
        Assert.Equal(["a/b=x\"y"], Labels(s, s.Pods.Labels[0]));
    }
}
