using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.Builders;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>The inventory kinds (Deployments… ResourceQuotas) read from kubectl-shaped files: typed lists, v1 Lists, single objects, and bad values.</summary>
public sealed partial class SnapshotLoaderInventoryTests
{
    [GeneratedRegex("""^\s*\{"apiVersion":"(?<version>[^"]+)","kind":"(?<kind>[^"]+)",""")]
    private static partial Regex TypeMeta();

    /// <summary>The fixtures as an API server lists them: one typed list per kind, items without apiVersion and kind.</summary>
    private static string TypedLists()
    {
        var text = new StringBuilder();
        foreach (IGrouping<(string Version, string Kind), string> group in InventoryFixtures.All.GroupBy(Key))
        {
            IEnumerable<string> items = group.Select(json => "{" + json.Trim()[TypeMeta().Match(json.Trim()).Length..]);
            text.Append($$"""{"apiVersion":"{{group.Key.Version}}","kind":"{{group.Key.Kind}}List","metadata":{"resourceVersion":"7"},"items":[{{string.Join(",", items)}}]}""").Append('\n');
        }

        return text.ToString();

        static (string, string) Key(string json)
        {
            Match m = TypeMeta().Match(json.Trim());
            Assert.True(m.Success, json);
            return (m.Groups["version"].Value, m.Groups["kind"].Value);
        }
    }

    [Fact]
    public void Typed_lists_a_v1_List_and_single_objects_give_the_same_inventory()
    {
        string fromList = InventoryText.Describe(Load(List(InventoryFixtures.All)).Snapshot);
        string fromTyped = InventoryText.Describe(Load(TypedLists()).Snapshot);
        string fromSingles = InventoryText.Describe(Load(string.Join("\n", InventoryFixtures.All)).Snapshot);

        Assert.Equal(fromList, fromTyped);
        Assert.Equal(fromList, fromSingles);
        Assert.Contains("Deployment shop/web uid=dep-web", fromList, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_kind_is_counted_and_none_is_skipped()
    {
        SnapshotLoadResult result = Load(List(InventoryFixtures.All));

        Assert.Empty(result.Warnings);
        Assert.Equal(
            ["CronJob=1", "DaemonSet=1", "Deployment=1", "HorizontalPodAutoscaler=2", "Job=2", "LimitRange=1", "PersistentVolume=2", "PersistentVolumeClaim=2",
             "ReplicaSet=1", "ResourceQuota=1", "StatefulSet=1"],
            result.Statistics.ObjectsByKind.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal(InventoryKinds.All, result.Snapshot.Inventory.KindsRead);
        Assert.Equal(15, result.Snapshot.Inventory.Count);
    }

    [Fact]
    public void Workload_fields_are_kept()
    {
        ClusterSnapshot s = Load(List(InventoryFixtures.All)).Snapshot;
        WorkloadObject web = s.Inventory.Deployments.Single();
        StringTable t = s.Strings;

        Assert.Equal(("shop", "web", "dep-web"), (t[web.Meta.Namespace], t[web.Meta.Name], t[web.Meta.Uid]));
        Assert.Equal(UnixTime.FromDateTimeOffset(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)), web.Meta.CreationTime);
        Assert.Equal(t.Find("alice"), web.Meta.Annotations.Get(t.Find("owner")));
        Assert.Equal(-1, web.Meta.Annotations.Get(t.Find("kubectl.kubernetes.io/last-applied-configuration")));
        Assert.Equal((3, 3, 2, 2), (web.Replicas, web.StatusReplicas, web.ReadyReplicas, web.AvailableReplicas));
        Assert.Equal(2, web.Selector.Requirements.Length);
        Assert.Equal(SelectorOperator.NotIn, web.Selector.Requirements[1].Operator);
        Assert.Equal([ContainerKind.Init, ContainerKind.SidecarInit, ContainerKind.Regular], web.Template.Containers.Select(c => c.Kind));
        ContainerTemplate app = web.Template.Containers[2];
        Assert.Equal(250, app.Request(ResourceCatalog.Cpu));
        Assert.Equal(1000, app.Limit(ResourceCatalog.Cpu));
        Assert.Equal(512L << 20, app.Request(ResourceCatalog.Memory));
        Assert.Equal(1, app.Request(s.Resources.Find("nvidia.com/gpu")));
        Assert.Null(web.Template.Containers[0].Request(ResourceCatalog.Memory));

        WorkloadObject agent = s.Inventory.DaemonSets.Single();
        Assert.Null(agent.Replicas);
        Assert.Equal((5, 4, 4, 6), (agent.StatusReplicas, agent.ReadyReplicas, agent.AvailableReplicas, agent.DesiredScheduled));
        Assert.True(agent.Selector.IsEverything);
        Assert.Equal(1, s.Inventory.StatefulSets.Single().Replicas);
    }

    [Theory]
    [InlineData("\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"web\",\"controller\":true}]", "0", false)] // an old revision
    [InlineData("\"ownerReferences\":[{\"kind\":\"Deployment\",\"name\":\"web\",\"controller\":true}]", "2", true)] // the current one
    [InlineData("\"ownerReferences\":[{\"kind\":\"Rollout\",\"name\":\"web\",\"controller\":true}]", "1", true)]
    [InlineData("\"ownerReferences\":[]", "0", true)] // a bare ReplicaSet scaled to zero is a workload of its own
    [InlineData("\"labels\":{\"app\":\"web\"}", "0", true)]
    public void Only_an_owned_ReplicaSet_scaled_to_zero_is_read_without_its_template(string metadata, string replicas, bool templateKept)
    {
        foreach (bool specFirst in new[] { false, true })
        {
            string meta = "\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\"," + metadata + "}";
            string spec = "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}},"
                + "\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}";
            string json = "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\"," + (specFirst ? spec + "," + meta : meta + "," + spec)
                + ",\"status\":{\"replicas\":" + replicas + "}}";

            WorkloadObject set = Load(List(json)).Snapshot.Inventory.ReplicaSets.Single();

            Assert.Equal(int.Parse(replicas, CultureInfo.InvariantCulture), set.Replicas);
            Assert.Single(set.Selector.Requirements);
            if (templateKept)
            {
                Assert.Equal(1000, set.Template.Containers.Single().Request(ResourceCatalog.Cpu));
            }
            else
            {
                Assert.Same(PodTemplate.Empty, set.Template);
            }
        }
    }

    [Fact]
    public void An_old_revision_without_its_template_still_reports_errors_in_what_is_kept()
    {
        string json = """
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-1","namespace":"shop","ownerReferences":[{"kind":"Deployment","name":"web"}]},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}}},"status":{"replicas":-1}}
            """;

        SnapshotFormatException e = LoadFails(List(json));

        Assert.Equal("items[0].status.replicas", e.JsonPath);
    }

    [Fact]
    public void Job_and_CronJob_fields_are_kept()
    {
        ClusterSnapshot s = Load(List(InventoryFixtures.All)).Snapshot;
        JobObject nightly = s.Inventory.Jobs.Single(j => s.Strings[j.Meta.Name] == "nightly-1");
        JobObject once = s.Inventory.Jobs.Single(j => s.Strings[j.Meta.Name] == "once");
        CronJobObject cron = s.Inventory.CronJobs.Single();

        Assert.Equal(JobFinish.Complete, nightly.Finish);
        Assert.Equal(UnixTime.FromDateTimeOffset(DateTimeOffset.Parse("2025-06-01T03:04:00Z", System.Globalization.CultureInfo.InvariantCulture)), nightly.FinishTime);
        Assert.Equal(nightly.FinishTime, nightly.CompletionTime);
        Assert.Equal(3600, nightly.TtlSecondsAfterFinished);
        Assert.Equal((1, 1, 0, 1, 0), (nightly.Completions!.Value, nightly.Parallelism!.Value, nightly.Active, nightly.Succeeded, nightly.Failed));
        Assert.Equal(JobFinish.Failed, once.Finish);
        Assert.Null(once.TtlSecondsAfterFinished);
        Assert.Equal(UnixTime.None, once.CompletionTime);
        Assert.Equal(6, once.Failed);

        Assert.Equal("0 3 * * *", s.Strings[cron.Schedule]);
        Assert.Equal("Europe/Paris", s.Strings[cron.TimeZone]);
        Assert.Equal((5, null, 5, 1), (cron.SuccessfulJobsHistoryLimit, cron.FailedJobsHistoryLimit, cron.EffectiveSuccessfulJobsHistoryLimit, cron.EffectiveFailedJobsHistoryLimit));
        Assert.Equal(3600, cron.JobTtlSecondsAfterFinished);
        Assert.Equal(1, cron.ActiveJobs);
        Assert.Equal(500, cron.JobTemplate.Containers.Single().Request(ResourceCatalog.Cpu));
        Assert.NotEqual(UnixTime.None, cron.LastScheduleTime);
    }

    [Fact]
    public void Hpa_fields_are_kept_and_an_hpa_without_metrics_scales_on_cpu_at_80_percent()
    {
        ClusterSnapshot s = Load(List(InventoryFixtures.All)).Snapshot;
        HorizontalPodAutoscalerObject web = s.Inventory.HorizontalPodAutoscalers.Single(h => s.Strings[h.Meta.Name] == "web");
        HorizontalPodAutoscalerObject db = s.Inventory.HorizontalPodAutoscalers.Single(h => s.Strings[h.Meta.Name] == "db");

        Assert.Equal(("apps/v1", "Deployment", "web"), (s.Strings[web.TargetApiVersion], s.Strings[web.TargetKind], s.Strings[web.TargetName]));
        Assert.Equal((2, 10, 3, 4, 1), (web.MinReplicas, web.MaxReplicas, web.CurrentReplicas, web.DesiredReplicas, web.OtherMetrics));
        Assert.Equal(
            [new HpaResourceMetric(HpaMetricSource.Resource, ResourceCatalog.Cpu, 0, HpaTargetType.Utilization, 70, 0),
             new HpaResourceMetric(HpaMetricSource.ContainerResource, ResourceCatalog.Memory, s.Strings.Find("app"), HpaTargetType.AverageValue, 0, 400L << 20)],
            web.ResourceMetrics);
        Assert.Equal(1, db.MinReplicas);
        Assert.Equal([new HpaResourceMetric(HpaMetricSource.Resource, ResourceCatalog.Cpu, 0, HpaTargetType.Utilization, 80, 0)], db.ResourceMetrics);
    }

    [Fact]
    public void Storage_fields_are_kept_and_an_absent_phase_transition_time_is_unknown()
    {
        ClusterSnapshot s = Load(List(InventoryFixtures.All)).Snapshot;
        PersistentVolumeObject bound = s.Inventory.PersistentVolumes.Single(v => s.Strings[v.Meta.Name] == "pv-data-db-0");
        PersistentVolumeObject released = s.Inventory.PersistentVolumes.Single(v => s.Strings[v.Meta.Name] == "pv-old");
        PersistentVolumeClaimObject claim = s.Inventory.PersistentVolumeClaims.Single(c => s.Strings[c.Meta.Name] == "data-db-0");
        PersistentVolumeClaimObject scratch = s.Inventory.PersistentVolumeClaims.Single(c => s.Strings[c.Meta.Name] == "scratch");

        Assert.Equal(0, bound.Meta.Namespace);
        Assert.Equal((VolumePhase.Bound, ReclaimPolicy.Delete, AccessModes.ReadWriteOnce, 10L << 30), (bound.Phase, bound.ReclaimPolicy, bound.AccessModes, bound.Capacity!.Value));
        Assert.Equal(new ClaimReference(s.Strings.Find("shop"), s.Strings.Find("data-db-0"), s.Strings.Find("pvc-1")), bound.ClaimRef);
        Assert.NotEqual(UnixTime.None, bound.LastPhaseTransitionTime);
        Assert.Equal((VolumePhase.Released, ReclaimPolicy.Retain, AccessModes.ReadWriteOnce | AccessModes.ReadOnlyMany), (released.Phase, released.ReclaimPolicy, released.AccessModes));
        Assert.Equal(UnixTime.None, released.LastPhaseTransitionTime);

        Assert.Equal((ClaimPhase.Bound, "pv-data-db-0", 10L << 30, 10L << 30, "gp3"),
            (claim.Phase, s.Strings[claim.VolumeName], claim.RequestedStorage!.Value, claim.Capacity!.Value, s.Strings[claim.StorageClass]));
        Assert.Equal((ClaimPhase.Pending, 0, (long?)null, AccessModes.ReadWriteMany), (scratch.Phase, scratch.StorageClass, scratch.Capacity, scratch.AccessModes));

        // The evictor's storage-class view is the same claims.
        Assert.Equal(s.Strings.Find("gp3"), s.PvcStorageClasses[(s.Strings.Find("shop"), s.Strings.Find("data-db-0"))]);
        Assert.Equal(0, s.PvcStorageClasses[(s.Strings.Find("shop"), s.Strings.Find("scratch"))]);
    }

    [Fact]
    public void LimitRange_and_ResourceQuota_quantities_are_scaled_by_name()
    {
        ClusterSnapshot s = Load(List(InventoryFixtures.All)).Snapshot;
        StringTable t = s.Strings;
        LimitRangeItem container = s.Inventory.LimitRanges.Single().Limits[0];
        LimitRangeItem claims = s.Inventory.LimitRanges.Single().Limits[1];
        ResourceQuotaObject quota = s.Inventory.ResourceQuotas.Single();

        Assert.Equal("Container", t[container.Type]);
        Assert.Equal([new NamedQuantity(t.Find("cpu"), 500, 3), new NamedQuantity(t.Find("memory"), 512L << 20, 0)], container.Default);
        Assert.Equal([new NamedQuantity(t.Find("cpu"), 1500, 3)], container.MaxLimitRequestRatio);
        Assert.Equal([new NamedQuantity(t.Find("storage"), 1L << 40, 0)], claims.Max);
        // By name, whatever the order in the file.
        Assert.Equal(["count/deployments.apps", "limits.cpu", "pods", "requests.cpu", "requests.memory"], quota.Hard.Select(q => t[q.Name]));
        Assert.Equal(new NamedQuantity(t.Find("requests.cpu"), 20_000, 3), quota.Hard[3]);
        Assert.Equal(new NamedQuantity(t.Find("count/deployments.apps"), 50, 0), quota.Hard[0]);
        Assert.Equal(new NamedQuantity(t.Find("requests.cpu"), 3250, 3), quota.Used[1]);
        Assert.Equal([t.Find("NotTerminating")], quota.Scopes);
    }

    [Fact]
    public void Objects_are_sorted_by_namespace_then_name_whatever_the_file_order()
    {
        string a = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","namespace":"zeta"}}""";
        string b = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"b","namespace":"alpha"}}""";
        string c = """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","namespace":"alpha"}}""";

        ClusterSnapshot s = Load(List(a, b, c)).Snapshot;

        Assert.Equal(["alpha/a", "alpha/b", "zeta/a"], s.Inventory.Deployments.Select(d => $"{s.Strings[d.Meta.Namespace]}/{s.Strings[d.Meta.Name]}"));
        Assert.Equal(InventoryText.Describe(s), InventoryText.Describe(Load(List(c, b, a)).Snapshot));
    }

    [Fact]
    public void An_empty_typed_list_says_the_kind_was_read_and_a_List_without_the_kind_does_not()
    {
        ClusterSnapshot s = Load("""
            {"apiVersion":"batch/v1","kind":"JobList","metadata":{},"items":[]}
            {"apiVersion":"v1","kind":"LimitRangeList","metadata":{},"items":null}
            """ + List(InventoryFixtures.Deployment)).Snapshot;

        Assert.Equal(InventoryKinds.Jobs | InventoryKinds.LimitRanges | InventoryKinds.Deployments, s.Inventory.KindsRead);
        Assert.True(s.Inventory.WasRead(InventoryKinds.Jobs));
        Assert.False(s.Inventory.WasRead(InventoryKinds.CronJobs));
    }

    [Fact]
    public void A_namespaced_object_without_a_namespace_is_in_default_and_namespaces_keep_their_annotations()
    {
        ClusterSnapshot s = Load(List(
            """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"}}""",
            """{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","annotations":{"owner":"bob","kubectl.kubernetes.io/last-applied-configuration":"{}"}}}""")).Snapshot;

        Assert.Equal("default", s.Strings[s.Inventory.Jobs.Single().Meta.Namespace]);
        Assert.Equal(["owner=bob"], Labels(s, s.Namespaces.Annotations[0]));
    }

    [Fact]
    public void The_same_object_twice_is_an_error_at_its_name()
    {
        SnapshotFormatException e = LoadFails(List(InventoryFixtures.Claim, InventoryFixtures.UnusedClaim) + "\n" + List(InventoryFixtures.Claim));

        Assert.Equal("documents[1].items[0].metadata.name", e.JsonPath);
        Assert.Contains("a second PersistentVolumeClaim of this name", e.Problem, StringComparison.Ordinal);
        Assert.Equal("shop/data-db-0", e.Value);
    }

    public static TheoryData<string, string, string, string?> InvalidValues => new()
    {
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":-1}}""", "items[0].spec.replicas", "is negative; it counts, so it is 0 or more", "-1" },
        { """{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"d"},"spec":{"replicas":"3"}}""", "items[0].spec.replicas", "expected an integer", null },
        { """{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"d"},"spec":{"replicas":2.5}}""", "items[0].spec.replicas", "expected an integer", null },
        { """{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"status":{"numberReady":-2}}""", "items[0].status.numberReady", "is negative; it counts, so it is 0 or more", "-2" },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a"},{"name":"b","resources":{"requests":{"cpu":"1.5.0"}}}]}}}}""",
            "items[0].spec.template.spec.containers[1].resources.requests.cpu", "invalid quantity", "1.5.0" },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"initContainers":[{"name":"a","resources":{"limits":{"memory":"-1Gi"}}}]}}}}""",
            "items[0].spec.template.spec.initContainers[0].resources.limits.memory", "memory is negative; resource amounts are 0 or more", "-1Gi" },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","resources":{"requests":{"memory":"100Ei"}}}]}}}}""",
            "items[0].spec.template.spec.containers[0].resources.requests.memory", "a quantity beyond what Kubernetes can count", "100Ei" },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","resources":{"requests":{"memory":"5Ei"}}}]}}}}""",
            "items[0].spec.template.spec.containers[0].resources.requests.memory", "memory is more than 4611686018427387904 (2^62)", "5Ei" },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"a","resources":{"requests":{"memory":"2Ei"}}}]}}}}""",
            "items[0].spec.template.spec.containers[0].resources.requests",
            "the Deployments' template requests times their pods of memory add up to more than 4611686018427387904 bytes", null },
        { """{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"spec":{"template":{"spec":{"initContainers":[{"name":"i","resources":{"requests":{"cpu":"1"}}}],"containers":[{"name":"a","resources":{"requests":{"cpu":"4611686018427387"}}}]}}},"status":{"desiredNumberScheduled":2}}""",
            "items[0].spec.template.spec.containers[0].resources.requests", "the DaemonSets' template requests times their pods of cpu add up to more than", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":true}}}]}}}}""",
            "items[0].spec.template.spec.containers[0].resources.requests.cpu", "expected a quantity string", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","creationTimestamp":"yesterday"}}""", "items[0].metadata.creationTimestamp", "expected an RFC 3339 timestamp", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"a.b/c":1}}}""", "items[0].metadata.labels[\"a.b/c\"]", "expected a string", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","name":"e"}}""", "items[0].metadata.name", "a property that appears twice in one object", null },
        { """{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"pods":"1","pods":"2"}}}""", "items[0].spec.hard.pods", "a property that appears twice in one object", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"namespace":"x"}}""", "items[0].metadata.name", "the object has no name", null },
        { """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchExpressions":[{"key":"a","operator":"Like"}]}}}""",
            "items[0].spec.selector.matchExpressions[0].operator", "expected one of In, NotIn, Exists, DoesNotExist", "Like" },
        { """{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"ttlSecondsAfterFinished":-5}}""", "items[0].spec.ttlSecondsAfterFinished", "is negative; it counts, so it is 0 or more", "-5" },
        { """{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"jobTemplate":{}}}""", "items[0].spec.schedule", "a CronJob needs a schedule", null },
        { """{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"@daily","failedJobsHistoryLimit":-1}}""", "items[0].spec.failedJobsHistoryLimit", "is negative; it counts, so it is 0 or more", "-1" },
        { """{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c"},"spec":{"schedule":"@daily","jobTemplate":{"spec":{"ttlSecondsAfterFinished":-1}}}}""",
            "items[0].spec.jobTemplate.spec.ttlSecondsAfterFinished", "is negative; it counts, so it is 0 or more", "-1" },
        { """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"minReplicas":3,"maxReplicas":2}}""",
            "items[0].spec.maxReplicas", "must be at least 1 and at least minReplicas (3)", "2" },
        { """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"maxReplicas":2}}""", "items[0].spec.scaleTargetRef", "an HPA needs a scaleTargetRef", null },
        { """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":2,"metrics":[{"type":"Bogus"}]}}""",
            "items[0].spec.metrics[0].type", "expected one of Resource, ContainerResource, Pods, Object, External", "Bogus" },
        { """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":2,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"x"}}}]}}""",
            "items[0].spec.metrics[0].resource.target.averageValue", "invalid quantity", "x" },
        { """{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"d"},"maxReplicas":2,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Average"}}}]}}""",
            "items[0].spec.metrics[0].resource.target.type", "expected one of Utilization, AverageValue, Value", "Average" },
        { """{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"p"},"status":{"phase":"Lost"}}""", "items[0].status.phase", "expected one of Pending, Available, Bound, Released, Failed", "Lost" },
        { """{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"p"},"spec":{"capacity":{"storage":"ten"}}}""", "items[0].spec.capacity.storage", "invalid quantity", "ten" },
        { """{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"p"},"spec":{"persistentVolumeReclaimPolicy":"Keep"}}""", "items[0].spec.persistentVolumeReclaimPolicy", "expected one of Retain, Delete, Recycle", "Keep" },
        { """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce","ReadWriteSometimes"]}}""",
            "items[0].spec.accessModes[1]", "expected one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod", "ReadWriteSometimes" },
        { """{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"c"},"spec":{"resources":{"requests":{"storage":"-1Gi"}}}}""",
            "items[0].spec.resources.requests.storage", "storage is negative; resource amounts are 0 or more", "-1Gi" },
        { """{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[{"type":"Container"},{"type":"Node"}]}}""", "items[0].spec.limits[1].type", "expected one of Container, Pod, PersistentVolumeClaim", "Node" },
        { """{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","max":{"cpu":"4x"}}]}}""", "items[0].spec.limits[0].max.cpu", "invalid quantity", "4x" },
        { """{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"requests.cpu":"abc"}}}""", "items[0].spec.hard[\"requests.cpu\"]", "invalid quantity", "abc" },
        { """{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"status":{"used":{"pods":"-2"}}}""", "items[0].status.used.pods", "pods is negative; resource amounts are 0 or more", "-2" },
    };

    [Theory]
    [MemberData(nameof(InvalidValues))]
    public void An_invalid_value_is_an_error_at_its_field_path(string json, string path, string problem, string? value)
    {
        SnapshotFormatException e = LoadFails(List(json));

        Assert.Equal(Source, e.Source);
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.Equal(value, e.Value);
    }

    [Fact]
    public void Template_requests_times_replicas_add_up_per_kind_within_the_limit()
    {
        // Each Deployment alone is within 2^62 bytes (3 × 1Ei); the second brings the Deployments' total past it, while a
        // StatefulSet of the same size starts a total of its own.
        static string Workload(string kind, string name) =>
            """{"apiVersion":"apps/v1","kind":"KIND","metadata":{"namespace":"a","name":"NAME"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"c","resources":{"requests":{"memory":"1Ei"}}}]}}}}"""
                .Replace("KIND", kind, StringComparison.Ordinal).Replace("NAME", name, StringComparison.Ordinal);

        SnapshotLoadResult loaded = Load(List(Workload("Deployment", "one"), Workload("StatefulSet", "one")));
        Assert.Single(loaded.Snapshot.Inventory.Deployments);

        SnapshotFormatException e = LoadFails(List(Workload("Deployment", "one"), Workload("Deployment", "two")));
        Assert.Equal("items[1].spec.template.spec.containers[0].resources.requests", e.JsonPath);
        Assert.Contains("Deployments' template requests times their pods of memory add up to more than", e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_name_the_document_of_a_typed_list_item()
    {
        SnapshotFormatException e = LoadFails(List(InventoryFixtures.Deployment) + "\n"
            + """{"apiVersion":"batch/v1","kind":"JobList","items":[{"metadata":{"name":"ok"}},{"metadata":{"name":"bad"},"status":{"active":-1}}]}""");

        Assert.Equal("documents[1].items[1].status.active", e.JsonPath);
        Assert.Equal("test.json: documents[1].items[1].status.active: is negative; it counts, so it is 0 or more (value '-1')", e.Message);
    }

    [Fact]
    public void Invalid_UTF_8_in_an_inventory_object_is_an_error()
    {
        byte[] json = Encoding.UTF8.GetBytes(List("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","labels":{"team":"XX"}}}"""));
        int at = Array.IndexOf(json, (byte)'X');
        json[at] = 0xC3;
        json[at + 1] = 0x28;

        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(json), Source));

        Assert.Equal("items[0].metadata.labels.team", e.JsonPath);
        Assert.Contains("UTF-8", e.Problem, StringComparison.Ordinal);
    }
}
