using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Testing.Builders;

/// <summary>
/// Inventory objects for test clusters. Owners are <c>"Kind/name"</c>; uids default to <c>"Kind/name"</c>, the same
/// default as <see cref="PodBuilder.Owner"/>, so a pod's owner reference and the object it names match unless a test
/// gives another uid.
/// </summary>
public static class InventoryBuilders
{
    public static TestCluster Workload(this TestCluster cluster, WorkloadKind kind, string name, string? owner = null, string @namespace = "default",
        int? replicas = null, string? uid = null, Func<WorkloadObject, WorkloadObject>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var workload = new WorkloadObject { Kind = kind, Meta = Meta(cluster, kind.ToString(), name, @namespace, uid, owner), Replicas = replicas };
        Add(cluster.Builder.Inventory.Add(configure is null ? workload : configure(workload)), kind, name);
        return cluster;
    }

    public static TestCluster Deployment(this TestCluster cluster, string name, string @namespace = "default", int? replicas = null) =>
        cluster.Workload(WorkloadKind.Deployment, name, @namespace: @namespace, replicas: replicas);

    /// <summary>A ReplicaSet, owned by <paramref name="deployment"/> when given.</summary>
    public static TestCluster ReplicaSet(this TestCluster cluster, string name, string? deployment = null, string @namespace = "default", int? replicas = null) =>
        cluster.Workload(WorkloadKind.ReplicaSet, name, deployment is null ? null : "Deployment/" + deployment, @namespace, replicas);

    public static TestCluster Job(this TestCluster cluster, string name, string? cronJob = null, string @namespace = "default", Func<JobObject, JobObject>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var job = new JobObject { Meta = Meta(cluster, "Job", name, @namespace, null, cronJob is null ? null : "CronJob/" + cronJob) };
        Add(cluster.Builder.Inventory.Add(configure is null ? job : configure(job)), WorkloadKind.Job, name);
        return cluster;
    }

    public static TestCluster CronJob(this TestCluster cluster, string name, string @namespace = "default", Func<CronJobObject, CronJobObject>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var cronJob = new CronJobObject { Meta = Meta(cluster, "CronJob", name, @namespace, null, null), Schedule = cluster.Strings.Intern("@daily") };
        Add(cluster.Builder.Inventory.Add(configure is null ? cronJob : configure(cronJob)), WorkloadKind.CronJob, name);
        return cluster;
    }

    public static TestCluster Hpa(this TestCluster cluster, string name, string targetKind, string targetName, string @namespace = "default")
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var hpa = new HorizontalPodAutoscalerObject
        {
            Meta = Meta(cluster, "HorizontalPodAutoscaler", name, @namespace, null, null),
            TargetKind = cluster.Strings.Intern(targetKind),
            TargetName = cluster.Strings.Intern(targetName),
            MaxReplicas = 10,
            ResourceMetrics = [new HpaResourceMetric(HpaMetricSource.Resource, ResourceCatalog.Cpu, 0, HpaTargetType.Utilization, 80, 0)],
        };
        if (!cluster.Builder.Inventory.Add(hpa))
        {
            throw new InvalidOperationException($"HPA {name} added twice");
        }

        return cluster;
    }

    /// <summary>A claim, bound to <paramref name="volume"/> when given.</summary>
    public static TestCluster Claim(this TestCluster cluster, string name, string? volume = null, string @namespace = "default", string? uid = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var claim = new PersistentVolumeClaimObject
        {
            Meta = Meta(cluster, "PersistentVolumeClaim", name, @namespace, uid, null),
            Phase = volume is null ? ClaimPhase.Pending : ClaimPhase.Bound,
            VolumeName = volume is null ? 0 : cluster.Strings.Intern(volume),
        };
        if (!cluster.Builder.Inventory.Add(claim))
        {
            throw new InvalidOperationException($"claim {name} added twice");
        }

        return cluster;
    }

    /// <summary>A volume, its claimRef naming <paramref name="claim"/> (<c>namespace/name</c>) with <paramref name="claimUid"/> when given.</summary>
    public static TestCluster Volume(this TestCluster cluster, string name, string? claim = null, string? claimUid = null, VolumePhase phase = VolumePhase.Bound)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ClaimReference? reference = null;
        if (claim is not null)
        {
            string[] parts = claim.Split('/');
            reference = new ClaimReference(cluster.Strings.Intern(parts[0]), cluster.Strings.Intern(parts[1]),
                cluster.Strings.Intern(claimUid ?? "PersistentVolumeClaim/" + parts[1]));
        }

        var volume = new PersistentVolumeObject { Meta = Meta(cluster, "PersistentVolume", name, null, null, null), ClaimRef = reference, Phase = phase };
        if (!cluster.Builder.Inventory.Add(volume))
        {
            throw new InvalidOperationException($"volume {name} added twice");
        }

        return cluster;
    }

    private static ObjectMeta Meta(TestCluster cluster, string kind, string name, string? @namespace, string? uid, string? owner)
    {
        StringTable s = cluster.Strings;
        OwnerRef[] owners = [];
        if (owner is not null)
        {
            string[] parts = owner.Split('/');
            owners = [new OwnerRef(s.Intern(parts[0]), s.Intern(parts[1]), s.Intern(parts.Length > 2 ? parts[2] : owner), true)];
        }

        return new ObjectMeta
        {
            Namespace = @namespace is null ? 0 : s.Intern(@namespace),
            Name = s.Intern(name),
            Uid = s.Intern(uid ?? $"{kind}/{name}"),
            Owners = owners,
        };
    }

    private static void Add(bool added, WorkloadKind kind, string name)
    {
        if (!added)
        {
            throw new InvalidOperationException($"{kind} {name} added twice");
        }
    }
}
