using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;
using Pairs = Rebalancer.Core.Model.Inventory.KeyValues;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// Reads the inventory section and checks its structure as the rest of the file: string and resource ids in range, enums
/// defined, a name on every object, a namespace on namespaced ones and none on PersistentVolumes, and each kind in the
/// inventory's order (namespace then name) with every name once. Its values (negative counts and quantities, totals,
/// an HPA's bounds) are checked with the rest of the snapshot's by <see cref="SnapshotRules.Check"/>
/// (<see cref="InventoryRules"/>).
/// </summary>
internal sealed partial class CompactSnapshotReader
{
    // The fewest bytes an object can take (its metadata: ids, a time, four empty arrays and no owners).
    private const int MinMetaSize = (3 * sizeof(int)) + sizeof(long) + (5 * sizeof(int));

    private int _resources;

    /// <summary>The field names of a pod template's parts, made once rather than per object.</summary>
    private sealed record TemplateFields(PairFields Labels, PairFields Annotations, string Containers)
    {
        public static readonly TemplateFields Spec = For("spec.template");
        public static readonly TemplateFields JobTemplate = For("spec.jobTemplate.spec.template");

        private static TemplateFields For(string field) => new(PairFields.For(field + ".labels"), PairFields.For(field + ".annotations"), field + ".containers");
    }

    private sealed record PairFields(string Keys, string Values)
    {
        public static readonly PairFields Labels = For("metadata.labels");
        public static readonly PairFields Annotations = For("metadata.annotations");

        public static PairFields For(string field) => new(field + ".keys", field + ".values");
    }

    private string _kind = string.Empty;
    private int _row;

    private ClusterInventory Inventory(StringTable strings, int resourceCount)
    {
        _resources = resourceCount;
        int kinds = input.Int32("inventory.kindsRead");
        if ((kinds & ~(int)InventoryKinds.All) != 0)
        {
            throw input.Damaged("inventory.kindsRead", "undefined flag bits", kinds.ToString("x", CultureInfo.InvariantCulture));
        }

        WorkloadObject[] deployments = Objects(strings, "deployments", () => Workload(WorkloadKind.Deployment), w => w.Meta, true);
        WorkloadObject[] replicaSets = Objects(strings, "replicaSets", () => Workload(WorkloadKind.ReplicaSet), w => w.Meta, true);
        WorkloadObject[] statefulSets = Objects(strings, "statefulSets", () => Workload(WorkloadKind.StatefulSet), w => w.Meta, true);
        WorkloadObject[] daemonSets = Objects(strings, "daemonSets", () => Workload(WorkloadKind.DaemonSet), w => w.Meta, true);
        JobObject[] jobs = Objects(strings, "jobs", Job, j => j.Meta, true);
        CronJobObject[] cronJobs = Objects(strings, "cronJobs", CronJob, c => c.Meta, true);
        HorizontalPodAutoscalerObject[] hpas = Objects(strings, "horizontalPodAutoscalers", Hpa, h => h.Meta, true);
        PersistentVolumeObject[] volumes = Objects(strings, "persistentVolumes", Volume, v => v.Meta, false);
        PersistentVolumeClaimObject[] claims = Objects(strings, "persistentVolumeClaims", Claim, c => c.Meta, true);
        LimitRangeObject[] limitRanges = Objects(strings, "limitRanges", LimitRange, l => l.Meta, true);
        ResourceQuotaObject[] quotas = Objects(strings, "resourceQuotas", Quota, q => q.Meta, true);
        input.Scope = null;
        return new ClusterInventory((InventoryKinds)kinds, deployments, replicaSets, statefulSets, daemonSets, jobs, cronJobs, hpas,
            volumes, claims, limitRanges, quotas);
    }

    private T[] Objects<T>(StringTable strings, string kind, Func<T> read, Func<T, ObjectMeta> meta, bool namespaced)
    {
        input.Scope = null;
        _kind = "inventory." + kind;
        var items = new T[input.Count(_kind, MinMetaSize)];
        for (int i = 0; i < items.Length; i++)
        {
            _row = i;
            input.SetScope(_kind, i);
            items[i] = read();
            ObjectMeta m = meta(items[i]);
            if (m.Name == 0)
            {
                throw input.Damaged("metadata.name", "an object without a name");
            }

            if (namespaced == (m.Namespace == 0))
            {
                throw input.Damaged("metadata.namespace", namespaced ? "a namespaced object without a namespace" : "a cluster-scoped object with a namespace",
                    m.Namespace.ToString(CultureInfo.InvariantCulture));
            }

            if (i > 0 && InventoryBuilder.Compare(strings, meta(items[i - 1]), m) >= 0)
            {
                throw input.Damaged("metadata.name", "out of order or a duplicate: objects are sorted by namespace, then name, each once", strings[m.Name]);
            }
        }

        return items;
    }

    private ObjectMeta Meta()
    {
        int ns = Id(input.Int32("metadata.namespace"), "metadata.namespace");
        int name = Id(input.Int32("metadata.name"), "metadata.name");
        int uid = Id(input.Int32("metadata.uid"), "metadata.uid");
        long creation = input.Int64("metadata.creationTimestamp");
        Pairs labels = ReadPairs(PairFields.Labels);
        Pairs annotations = ReadPairs(PairFields.Annotations);
        OwnerRef[] owners = input.Records("metadata.ownerReferences", CompactRecords.OwnerSize, CompactRecords.ReadOwner);
        for (int i = 0; i < owners.Length; i++)
        {
            Id(owners[i].Kind, "metadata.ownerReferences", i, "kind");
            Id(owners[i].Name, "metadata.ownerReferences", i, "name");
            Id(owners[i].Uid, "metadata.ownerReferences", i, "uid");
        }

        return new ObjectMeta
        {
            Namespace = ns,
            Name = name,
            Uid = uid,
            CreationTime = creation,
            Labels = labels,
            Annotations = annotations,
            Owners = owners,
        };
    }

    private Pairs ReadPairs(PairFields field)
    {
        int[] keys = Ids(input.Array<int>(field.Keys), field.Keys);
        int[] values = Ids(input.Column<int>(field.Values, keys.Length), field.Values);
        return keys.Length == 0 ? Pairs.Empty : new Pairs(keys, values);
    }

    private PodTemplate Template(TemplateFields field)
    {
        Pairs labels = ReadPairs(field.Labels);
        Pairs annotations = ReadPairs(field.Annotations);
        string containersField = field.Containers;
        var containers = new ContainerTemplate[input.Count(containersField, (2 * sizeof(int)) + 1 + (4 * sizeof(int)))];
        for (int i = 0; i < containers.Length; i++)
        {
            input.SetScope(_kind, _row, containersField, i);
            containers[i] = new ContainerTemplate
            {
                Name = Id(input.Int32("name"), "name"),
                Image = Id(input.Int32("image"), "image"),
                Kind = EnumValue<ContainerKind>(input.Byte("kind"), "kind"),
                Requests = Amounts("resources.requests"),
                Limits = Amounts("resources.limits"),
            };
        }

        input.SetScope(_kind, _row);
        return new PodTemplate { Labels = labels, Annotations = annotations, Containers = containers };
    }

    private ResourceAmount[] Amounts(string field)
    {
        ResourceAmount[] amounts = input.Records(field, CompactRecords.AmountSize, CompactRecords.ReadAmount);
        for (int i = 0; i < amounts.Length; i++)
        {
            if ((uint)amounts[i].Resource >= (uint)_resources)
            {
                throw input.Damaged($"{field}[{i}]", $"not a resource index (0 to {_resources - 1})", amounts[i].Resource.ToString(CultureInfo.InvariantCulture));
            }
        }

        return amounts;
    }

    private int? OptionalCount(string field)
    {
        bool present = input.Bool(field);
        int value = input.Int32(field);
        return present ? value : null;
    }

    private long? OptionalAmount(string field)
    {
        bool present = input.Bool(field);
        long value = input.Int64(field);
        return present ? value : null;
    }

    private WorkloadObject Workload(WorkloadKind expected)
    {
        var kind = EnumValue<WorkloadKind>(input.Byte("kind"), "kind");
        if (kind != expected)
        {
            throw input.Damaged("kind", $"a {kind} among the {expected}s");
        }

        return new WorkloadObject
        {
            Kind = kind,
            Meta = Meta(),
            Replicas = OptionalCount("spec.replicas"),
            StatusReplicas = input.Int32("status.replicas"),
            ReadyReplicas = input.Int32("status.readyReplicas"),
            AvailableReplicas = input.Int32("status.availableReplicas"),
            DesiredScheduled = input.Int32("status.desiredNumberScheduled"),
            Selector = Selector(),
            Template = Template(TemplateFields.Spec),
        };
    }

    private JobObject Job() => new()
    {
        Meta = Meta(),
        Selector = Selector(),
        Template = Template(TemplateFields.Spec),
        Completions = OptionalCount("spec.completions"),
        Parallelism = OptionalCount("spec.parallelism"),
        Suspend = input.Bool("spec.suspend"),
        TtlSecondsAfterFinished = OptionalCount("spec.ttlSecondsAfterFinished"),
        StartTime = input.Int64("status.startTime"),
        CompletionTime = input.Int64("status.completionTime"),
        Finish = EnumValue<JobFinish>(input.Byte("status.finish"), "status.finish"),
        FinishTime = input.Int64("status.finishTime"),
        Active = input.Int32("status.active"),
        Succeeded = input.Int32("status.succeeded"),
        Failed = input.Int32("status.failed"),
    };

    private CronJobObject CronJob()
    {
        ObjectMeta meta = Meta();
        int schedule = Id(input.Int32("spec.schedule"), "spec.schedule");
        if (schedule == 0)
        {
            throw input.Damaged("spec.schedule", "a CronJob without a schedule");
        }

        return new CronJobObject
        {
            Meta = meta,
            Schedule = schedule,
            TimeZone = Id(input.Int32("spec.timeZone"), "spec.timeZone"),
            Suspend = input.Bool("spec.suspend"),
            SuccessfulJobsHistoryLimit = OptionalCount("spec.successfulJobsHistoryLimit"),
            FailedJobsHistoryLimit = OptionalCount("spec.failedJobsHistoryLimit"),
            LastScheduleTime = input.Int64("status.lastScheduleTime"),
            LastSuccessfulTime = input.Int64("status.lastSuccessfulTime"),
            JobTtlSecondsAfterFinished = OptionalCount("spec.jobTemplate.spec.ttlSecondsAfterFinished"),
            JobTemplate = Template(TemplateFields.JobTemplate),
            ActiveJobs = input.Int32("status.active"),
        };
    }

    private HorizontalPodAutoscalerObject Hpa()
    {
        ObjectMeta meta = Meta();
        int targetKind = Id(input.Int32("spec.scaleTargetRef.kind"), "spec.scaleTargetRef.kind");
        int targetName = Id(input.Int32("spec.scaleTargetRef.name"), "spec.scaleTargetRef.name");
        int targetApiVersion = Id(input.Int32("spec.scaleTargetRef.apiVersion"), "spec.scaleTargetRef.apiVersion");
        if (targetKind == 0 || targetName == 0)
        {
            throw input.Damaged("spec.scaleTargetRef", "an HPA without a target kind and name");
        }

        int min = input.Int32("spec.minReplicas");
        int max = input.Int32("spec.maxReplicas");
        var metrics = new HpaResourceMetric[input.Count("spec.metrics", 1 + sizeof(int) + sizeof(int) + 1 + sizeof(int) + sizeof(long))];
        for (int i = 0; i < metrics.Length; i++)
        {
            input.SetScope(_kind, _row, "spec.metrics", i);
            var source = EnumValue<HpaMetricSource>(input.Byte("source"), "source");
            int resource = input.Int32("resource");
            if ((uint)resource >= (uint)_resources)
            {
                throw input.Damaged("resource", $"not a resource index (0 to {_resources - 1})", resource.ToString(CultureInfo.InvariantCulture));
            }

            int container = Id(input.Int32("container"), "container");
            var target = EnumValue<HpaTargetType>(input.Byte("target"), "target");
            int utilization = input.Int32("averageUtilization");
            long value = input.Int64("value");
            metrics[i] = new HpaResourceMetric(source, resource, container, target, utilization, value);
        }

        input.SetScope(_kind, _row);
        return new HorizontalPodAutoscalerObject
        {
            Meta = meta,
            TargetKind = targetKind,
            TargetName = targetName,
            TargetApiVersion = targetApiVersion,
            MinReplicas = min,
            MaxReplicas = max,
            ResourceMetrics = metrics,
            OtherMetrics = input.Int32("spec.otherMetrics"),
            CurrentReplicas = input.Int32("status.currentReplicas"),
            DesiredReplicas = input.Int32("status.desiredReplicas"),
        };
    }

    private PersistentVolumeObject Volume()
    {
        ObjectMeta meta = Meta();
        var phase = EnumValue<VolumePhase>(input.Byte("status.phase"), "status.phase");
        bool hasClaim = input.Bool("spec.claimRef");
        var claimRef = new ClaimReference(Id(input.Int32("spec.claimRef.namespace"), "spec.claimRef.namespace"),
            Id(input.Int32("spec.claimRef.name"), "spec.claimRef.name"), Id(input.Int32("spec.claimRef.uid"), "spec.claimRef.uid"));
        return new PersistentVolumeObject
        {
            Meta = meta,
            Phase = phase,
            ClaimRef = hasClaim ? claimRef : null,
            Capacity = OptionalAmount("spec.capacity.storage"),
            StorageClass = Id(input.Int32("spec.storageClassName"), "spec.storageClassName"),
            ReclaimPolicy = EnumValue<ReclaimPolicy>(input.Byte("spec.persistentVolumeReclaimPolicy"), "spec.persistentVolumeReclaimPolicy"),
            AccessModes = Modes("spec.accessModes"),
            LastPhaseTransitionTime = input.Int64("status.lastPhaseTransitionTime"),
        };
    }

    private PersistentVolumeClaimObject Claim() => new()
    {
        Meta = Meta(),
        Phase = EnumValue<ClaimPhase>(input.Byte("status.phase"), "status.phase"),
        VolumeName = Id(input.Int32("spec.volumeName"), "spec.volumeName"),
        RequestedStorage = OptionalAmount("spec.resources.requests.storage"),
        Capacity = OptionalAmount("status.capacity.storage"),
        StorageClass = Id(input.Int32("spec.storageClassName"), "spec.storageClassName"),
        AccessModes = Modes("spec.accessModes"),
    };

    private AccessModes Modes(string field)
    {
        byte value = input.Byte(field);
        const byte Known = (byte)(AccessModes.ReadWriteOnce | AccessModes.ReadOnlyMany | AccessModes.ReadWriteMany | AccessModes.ReadWriteOncePod);
        return (value & ~Known) == 0 ? (AccessModes)value : throw input.Damaged(field, "undefined flag bits", value.ToString("x", CultureInfo.InvariantCulture));
    }

    private LimitRangeObject LimitRange()
    {
        ObjectMeta meta = Meta();
        var items = new LimitRangeItem[input.Count("spec.limits", sizeof(int) * 6)];
        for (int i = 0; i < items.Length; i++)
        {
            input.SetScope(_kind, _row, "spec.limits", i);
            items[i] = new LimitRangeItem
            {
                Type = Id(input.Int32("type"), "type"),
                Default = Named("default"),
                DefaultRequest = Named("defaultRequest"),
                Min = Named("min"),
                Max = Named("max"),
                MaxLimitRequestRatio = Named("maxLimitRequestRatio"),
            };
        }

        input.SetScope(_kind, _row);
        return new LimitRangeObject { Meta = meta, Limits = items };
    }

    private ResourceQuotaObject Quota() => new()
    {
        Meta = Meta(),
        Hard = Named("spec.hard"),
        Used = Named("status.used"),
        Scopes = Ids(input.Array<int>("spec.scopes"), "spec.scopes"),
    };

    private NamedQuantity[] Named(string field)
    {
        var quantities = new NamedQuantity[input.Count(field, sizeof(int) + sizeof(long) + 1)];
        for (int i = 0; i < quantities.Length; i++)
        {
            int name = input.Int32(field);
            Id(name, field, i, "name");
            long amount = input.Int64(field);
            byte scale = input.Byte(field);
            quantities[i] = new NamedQuantity(name, amount, scale);
        }

        return quantities;
    }
}
