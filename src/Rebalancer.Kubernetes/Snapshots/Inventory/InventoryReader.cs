using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Kubernetes.Snapshots.Inventory;

/// <summary>
/// Turns the JSON of one inventory object (a Deployment… a ResourceQuota) into its <see cref="Core.Model.Inventory"/>
/// record and adds it to the builder. The JSON is deserialized into KubernetesClient's model
/// (<see cref="V1Deployment"/>…, <see cref="InventoryJson.Options"/>); this class then checks the values the model
/// types let through (negative counts, quantities, enumerations, missing names) and interns the strings. Every problem
/// is an <see cref="InventoryValueException"/> naming the field path within the object.
/// </summary>
internal sealed class InventoryReader
{
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";
    private const string DefaultNamespace = "default";

    private static readonly Dictionary<string, InventoryKinds> Kinds = new(StringComparer.Ordinal)
    {
        ["Deployment"] = InventoryKinds.Deployments,
        ["ReplicaSet"] = InventoryKinds.ReplicaSets,
        ["StatefulSet"] = InventoryKinds.StatefulSets,
        ["DaemonSet"] = InventoryKinds.DaemonSets,
        ["Job"] = InventoryKinds.Jobs,
        ["CronJob"] = InventoryKinds.CronJobs,
        ["HorizontalPodAutoscaler"] = InventoryKinds.HorizontalPodAutoscalers,
        ["PersistentVolume"] = InventoryKinds.PersistentVolumes,
        ["PersistentVolumeClaim"] = InventoryKinds.PersistentVolumeClaims,
        ["LimitRange"] = InventoryKinds.LimitRanges,
        ["ResourceQuota"] = InventoryKinds.ResourceQuotas,
    };

    private readonly SnapshotBuilder _builder;
    private readonly StringTable _strings;
    private readonly JsonPathTracker _path = new();

    // The namespace and name of the object being read, for the duplicate error.
    private string _namespace = string.Empty;
    private string _name = string.Empty;

    public InventoryReader(SnapshotBuilder builder)
    {
        _builder = builder;
        _strings = builder.Strings;
    }

    /// <summary>The inventory flag of <paramref name="kind"/> (<c>Deployment</c>…), or false for another kind.</summary>
    public static bool IsInventoryKind(string kind, out InventoryKinds flag) => Kinds.TryGetValue(kind, out flag);

    /// <summary>Reads one object of <paramref name="kind"/> (an inventory kind) and adds it to the builder.</summary>
    /// <exception cref="InventoryValueException">A value is invalid, or an object of that kind and name was already added.</exception>
    public void Read(string kind, ReadOnlySpan<byte> json)
    {
        _path.Clear();
        bool added = kind switch
        {
            "Deployment" => Apps(Deserialize<V1Deployment>(json), WorkloadKind.Deployment),
            "ReplicaSet" => Apps(Deserialize<V1ReplicaSet>(json), WorkloadKind.ReplicaSet),
            "StatefulSet" => Apps(Deserialize<V1StatefulSet>(json), WorkloadKind.StatefulSet),
            "DaemonSet" => Apps(Deserialize<V1DaemonSet>(json), WorkloadKind.DaemonSet),
            "Job" => _builder.Inventory.Add(Job(Deserialize<V1Job>(json))),
            "CronJob" => _builder.Inventory.Add(CronJob(Deserialize<V1CronJob>(json))),
            "HorizontalPodAutoscaler" => _builder.Inventory.Add(Hpa(Deserialize<V2HorizontalPodAutoscaler>(json))),
            "PersistentVolume" => _builder.Inventory.Add(Volume(Deserialize<V1PersistentVolume>(json))),
            "PersistentVolumeClaim" => _builder.Inventory.Add(Claim(Deserialize<V1PersistentVolumeClaim>(json))),
            "LimitRange" => _builder.Inventory.Add(LimitRange(Deserialize<V1LimitRange>(json))),
            "ResourceQuota" => _builder.Inventory.Add(Quota(Deserialize<V1ResourceQuota>(json))),
            _ => throw new ArgumentException($"{kind} is not an inventory kind", nameof(kind)),
        };
        if (!added)
        {
            _path.Clear();
            _path.Push("metadata");
            _path.Push("name");
            throw Error($"a second {kind} of this name; each object may appear once in a snapshot", _namespace.Length == 0 ? _name : _namespace + "/" + _name);
        }
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, InventoryJson.Options) ?? throw new InventoryValueException(string.Empty, "expected an object, found null", null);
        }
        catch (JsonException e)
        {
            throw new InventoryValueException(RelativePath(e.Path), Describe(e), null, e);
        }
    }

    // ---- apps/v1 --------------------------------------------------------------------------------------------------------

    private bool Apps(V1Deployment d, WorkloadKind kind) => Apps(kind, d.Metadata, d.Spec?.Replicas, d.Spec?.Selector, d.Spec?.Template,
        d.Status?.Replicas, d.Status?.ReadyReplicas, d.Status?.AvailableReplicas, null);

    private bool Apps(V1ReplicaSet r, WorkloadKind kind) => Apps(kind, r.Metadata, r.Spec?.Replicas, r.Spec?.Selector, r.Spec?.Template,
        r.Status?.Replicas, r.Status?.ReadyReplicas, r.Status?.AvailableReplicas, null);

    private bool Apps(V1StatefulSet s, WorkloadKind kind) => Apps(kind, s.Metadata, s.Spec?.Replicas, s.Spec?.Selector, s.Spec?.Template,
        s.Status?.Replicas, s.Status?.ReadyReplicas, s.Status?.AvailableReplicas, null);

    private bool Apps(V1DaemonSet d, WorkloadKind kind) => Apps(kind, d.Metadata, null, d.Spec?.Selector, d.Spec?.Template,
        d.Status?.CurrentNumberScheduled, d.Status?.NumberReady, d.Status?.NumberAvailable, d.Status?.DesiredNumberScheduled);

    private bool Apps(WorkloadKind kind, V1ObjectMeta? metadata, int? replicas, V1LabelSelector? selector, V1PodTemplateSpec? template,
        int? statusReplicas, int? ready, int? available, int? desiredScheduled)
    {
        ObjectMeta meta = Meta(metadata, namespaced: true);
        bool daemonSet = kind == WorkloadKind.DaemonSet;
        var workload = new WorkloadObject
        {
            Kind = kind,
            Meta = meta,
            Replicas = Count(replicas, "spec", "replicas"),
            StatusReplicas = Count(statusReplicas, "status", daemonSet ? "currentNumberScheduled" : "replicas") ?? 0,
            ReadyReplicas = Count(ready, "status", daemonSet ? "numberReady" : "readyReplicas") ?? 0,
            AvailableReplicas = Count(available, "status", daemonSet ? "numberAvailable" : "availableReplicas") ?? 0,
            DesiredScheduled = Count(desiredScheduled, "status", "desiredNumberScheduled") ?? 0,
            Selector = Selector(selector, "spec", "selector"),
            Template = Template(template, "spec", "template"),
        };
        return _builder.Inventory.Add(workload);
    }

    // ---- batch/v1 -------------------------------------------------------------------------------------------------------

    private JobObject Job(V1Job job)
    {
        ObjectMeta meta = Meta(job.Metadata, namespaced: true);
        JobFinish finish = JobFinish.None;
        long finishTime = UnixTime.None;
        IList<V1JobCondition> conditions = job.Status?.Conditions ?? [];
        for (int i = 0; i < conditions.Count && finish == JobFinish.None; i++)
        {
            V1JobCondition condition = conditions[i];
            if (condition is null || condition.Status != "True")
            {
                continue;
            }

            finish = condition.Type switch
            {
                "Complete" => JobFinish.Complete,
                "Failed" => JobFinish.Failed,
                _ => JobFinish.None,
            };
            finishTime = finish == JobFinish.None ? UnixTime.None : Time(condition.LastTransitionTime);
        }

        return new JobObject
        {
            Meta = meta,
            Selector = Selector(job.Spec?.Selector, "spec", "selector"),
            Template = Template(job.Spec?.Template, "spec", "template"),
            Completions = Count(job.Spec?.Completions, "spec", "completions"),
            Parallelism = Count(job.Spec?.Parallelism, "spec", "parallelism"),
            Suspend = job.Spec?.Suspend ?? false,
            TtlSecondsAfterFinished = Count(job.Spec?.TtlSecondsAfterFinished, "spec", "ttlSecondsAfterFinished"),
            StartTime = Time(job.Status?.StartTime),
            CompletionTime = Time(job.Status?.CompletionTime),
            Finish = finish,
            FinishTime = finishTime,
            Active = Count(job.Status?.Active, "status", "active") ?? 0,
            Succeeded = Count(job.Status?.Succeeded, "status", "succeeded") ?? 0,
            Failed = Count(job.Status?.Failed, "status", "failed") ?? 0,
        };
    }

    private CronJobObject CronJob(V1CronJob cronJob)
    {
        ObjectMeta meta = Meta(cronJob.Metadata, namespaced: true);
        V1CronJobSpec? spec = cronJob.Spec;
        if (string.IsNullOrWhiteSpace(spec?.Schedule))
        {
            throw Error(["spec", "schedule"], "a CronJob needs a schedule", spec?.Schedule);
        }

        V1JobSpec? job = spec.JobTemplate?.Spec;
        _path.Push("spec");
        _path.Push("jobTemplate");
        int? ttl = Count(job?.TtlSecondsAfterFinished, "spec", "ttlSecondsAfterFinished");
        PodTemplate template = Template(job?.Template, "spec", "template");
        _path.Pop();
        _path.Pop();
        return new CronJobObject
        {
            Meta = meta,
            Schedule = _strings.Intern(spec.Schedule),
            TimeZone = Id(spec.TimeZone),
            Suspend = spec.Suspend ?? false,
            SuccessfulJobsHistoryLimit = Count(spec.SuccessfulJobsHistoryLimit, "spec", "successfulJobsHistoryLimit"),
            FailedJobsHistoryLimit = Count(spec.FailedJobsHistoryLimit, "spec", "failedJobsHistoryLimit"),
            LastScheduleTime = Time(cronJob.Status?.LastScheduleTime),
            LastSuccessfulTime = Time(cronJob.Status?.LastSuccessfulTime),
            JobTtlSecondsAfterFinished = ttl,
            JobTemplate = template,
            ActiveJobs = cronJob.Status?.Active?.Count ?? 0,
        };
    }

    // ---- autoscaling/v2 -------------------------------------------------------------------------------------------------

    private HorizontalPodAutoscalerObject Hpa(V2HorizontalPodAutoscaler hpa)
    {
        ObjectMeta meta = Meta(hpa.Metadata, namespaced: true);
        V2HorizontalPodAutoscalerSpec? spec = hpa.Spec;
        V2CrossVersionObjectReference? target = spec?.ScaleTargetRef;
        if (string.IsNullOrEmpty(target?.Kind) || string.IsNullOrEmpty(target.Name))
        {
            throw Error(["spec", "scaleTargetRef"], "an HPA needs a scaleTargetRef with a kind and a name");
        }

        // minReplicas 0 exists behind the HPAScaleToZero feature gate; a negative one never.
        int min = Count(spec!.MinReplicas, "spec", "minReplicas") ?? 1;
        int max = spec.MaxReplicas;
        InventoryRules.CheckHpaReplicas(min, max, "spec");

        var metrics = new List<HpaResourceMetric>();
        int other = 0;
        IList<V2MetricSpec>? specs = spec.Metrics;
        if (specs is null || specs.Count == 0)
        {
            // The API server's default (autoscaling/v2 SetDefaults_HorizontalPodAutoscaler): cpu at 80% utilization.
            metrics.Add(new HpaResourceMetric(HpaMetricSource.Resource, ResourceCatalog.Cpu, 0, HpaTargetType.Utilization, 80, 0));
        }
        else
        {
            _path.Push("spec");
            _path.Push("metrics");
            for (int i = 0; i < specs.Count; i++)
            {
                _path.PushIndex(i);
                V2MetricSpec metric = specs[i] ?? throw Error("expected an object, found null");
                switch (metric.Type)
                {
                    case "Resource":
                        metrics.Add(ResourceMetric(HpaMetricSource.Resource, metric.Resource?.Name, null, metric.Resource?.Target, "resource"));
                        break;
                    case "ContainerResource":
                        metrics.Add(ResourceMetric(HpaMetricSource.ContainerResource, metric.ContainerResource?.Name,
                            metric.ContainerResource?.Container ?? string.Empty, metric.ContainerResource?.Target, "containerResource"));
                        break;
                    case "Pods" or "Object" or "External":
                        other++;
                        break;
                    default:
                        _path.Push("type");
                        throw Error("expected one of Resource, ContainerResource, Pods, Object, External", metric.Type);
                }

                _path.Pop();
            }

            _path.Pop();
            _path.Pop();
        }

        return new HorizontalPodAutoscalerObject
        {
            Meta = meta,
            TargetKind = _strings.Intern(target.Kind),
            TargetName = _strings.Intern(target.Name),
            TargetApiVersion = Id(target.ApiVersion),
            MinReplicas = min,
            MaxReplicas = max,
            ResourceMetrics = [.. metrics],
            OtherMetrics = other,
            CurrentReplicas = Count(hpa.Status?.CurrentReplicas, "status", "currentReplicas") ?? 0,
            DesiredReplicas = Count(hpa.Status?.DesiredReplicas, "status", "desiredReplicas") ?? 0,
        };
    }

    private HpaResourceMetric ResourceMetric(HpaMetricSource source, string? name, string? container, V2MetricTarget? target, string field)
    {
        _path.Push(field);
        if (string.IsNullOrEmpty(name))
        {
            _path.Push("name");
            throw Error("a resource metric needs the name of a resource (cpu, memory)");
        }

        if (container is { Length: 0 })
        {
            _path.Push("container");
            throw Error("a ContainerResource metric needs a container name");
        }

        int resource = _builder.Resources.GetOrAdd(name);
        _path.Push("target");
        (HpaTargetType type, int utilization, long value) = target?.Type switch
        {
            "Utilization" => (HpaTargetType.Utilization, Count(target.AverageUtilization, "averageUtilization") ?? 0, 0L),
            "AverageValue" => (HpaTargetType.AverageValue, 0, Amount(target.AverageValue, ResourceCatalog.ScaleOf(resource), "averageValue") ?? 0),
            "Value" => (HpaTargetType.Value, 0, Amount(target.Value, ResourceCatalog.ScaleOf(resource), "value") ?? 0),
            _ => throw Error(["type"], "expected one of Utilization, AverageValue, Value", target?.Type),
        };
        _path.Pop();
        _path.Pop();
        return new HpaResourceMetric(source, resource, container is null ? 0 : _strings.Intern(container), type, utilization, value);
    }

    // ---- v1 storage -----------------------------------------------------------------------------------------------------

    private PersistentVolumeObject Volume(V1PersistentVolume volume)
    {
        ObjectMeta meta = Meta(volume.Metadata, namespaced: false);
        V1PersistentVolumeSpec? spec = volume.Spec;
        V1ObjectReference? claim = spec?.ClaimRef;
        ClaimReference? claimRef = null;
        if (claim is not null && !string.IsNullOrEmpty(claim.Name))
        {
            claimRef = new ClaimReference(_strings.Intern(string.IsNullOrEmpty(claim.NamespaceProperty) ? DefaultNamespace : claim.NamespaceProperty),
                _strings.Intern(claim.Name), Id(claim.Uid));
        }

        return new PersistentVolumeObject
        {
            Meta = meta,
            Phase = Enum(volume.Status?.Phase, VolumePhase.Unknown, ["status", "phase"], ("Pending", VolumePhase.Pending),
                ("Available", VolumePhase.Available), ("Bound", VolumePhase.Bound), ("Released", VolumePhase.Released), ("Failed", VolumePhase.Failed)),
            ClaimRef = claimRef,
            Capacity = Storage(spec?.Capacity, "spec", "capacity"),
            StorageClass = Id(spec?.StorageClassName),
            ReclaimPolicy = Enum(spec?.PersistentVolumeReclaimPolicy, ReclaimPolicy.Unknown, ["spec", "persistentVolumeReclaimPolicy"],
                ("Retain", ReclaimPolicy.Retain), ("Delete", ReclaimPolicy.Delete), ("Recycle", ReclaimPolicy.Recycle)),
            AccessModes = Modes(spec?.AccessModes),
            LastPhaseTransitionTime = Time(volume.Status?.LastPhaseTransitionTime),
        };
    }

    private PersistentVolumeClaimObject Claim(V1PersistentVolumeClaim claim)
    {
        ObjectMeta meta = Meta(claim.Metadata, namespaced: true);
        V1PersistentVolumeClaimSpec? spec = claim.Spec;
        _path.Push("spec");
        _path.Push("resources");
        long? requested = Storage(spec?.Resources?.Requests, "requests");
        _path.Pop();
        _path.Pop();
        return new PersistentVolumeClaimObject
        {
            Meta = meta,
            Phase = Enum(claim.Status?.Phase, ClaimPhase.Unknown, ["status", "phase"],
                ("Pending", ClaimPhase.Pending), ("Bound", ClaimPhase.Bound), ("Lost", ClaimPhase.Lost)),
            VolumeName = Id(spec?.VolumeName),
            RequestedStorage = requested,
            Capacity = Storage(claim.Status?.Capacity, "status", "capacity"),
            StorageClass = Id(spec?.StorageClassName),
            AccessModes = Modes(spec?.AccessModes),
        };
    }

    /// <summary>The <c>storage</c> entry of a ResourceList in bytes; null when absent.</summary>
    private long? Storage(IDictionary<string, ResourceQuantity>? resources, string parent, string segment)
    {
        _path.Push(parent);
        long? bytes = Storage(resources, segment);
        _path.Pop();
        return bytes;
    }

    private long? Storage(IDictionary<string, ResourceQuantity>? resources, string segment)
    {
        _path.Push(segment);
        long? bytes = resources is not null && resources.TryGetValue("storage", out ResourceQuantity? storage) ? Amount(storage, 0, "storage") : null;
        _path.Pop();
        return bytes;
    }

    private AccessModes Modes(IList<string>? modes)
    {
        AccessModes result = AccessModes.None;
        for (int i = 0; modes is not null && i < modes.Count; i++)
        {
            result |= modes[i] switch
            {
                "ReadWriteOnce" => AccessModes.ReadWriteOnce,
                "ReadOnlyMany" => AccessModes.ReadOnlyMany,
                "ReadWriteMany" => AccessModes.ReadWriteMany,
                "ReadWriteOncePod" => AccessModes.ReadWriteOncePod,
                _ => throw Error(["spec", "accessModes", i], "expected one of ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod", modes[i]),
            };
        }

        return result;
    }

    // ---- LimitRange, ResourceQuota --------------------------------------------------------------------------------------

    private LimitRangeObject LimitRange(V1LimitRange limitRange)
    {
        ObjectMeta meta = Meta(limitRange.Metadata, namespaced: true);
        IList<V1LimitRangeItem> limits = limitRange.Spec?.Limits ?? [];
        var items = new LimitRangeItem[limits.Count];
        _path.Push("spec");
        _path.Push("limits");
        for (int i = 0; i < items.Length; i++)
        {
            _path.PushIndex(i);
            V1LimitRangeItem item = limits[i] ?? throw Error("expected an object, found null");
            if (item.Type is not ("Container" or "Pod" or "PersistentVolumeClaim"))
            {
                _path.Push("type");
                throw Error("expected one of Container, Pod, PersistentVolumeClaim", item.Type);
            }

            items[i] = new LimitRangeItem
            {
                Type = _strings.Intern(item.Type),
                Default = Named(item.DefaultProperty, "default"),
                DefaultRequest = Named(item.DefaultRequest, "defaultRequest"),
                Min = Named(item.Min, "min"),
                Max = Named(item.Max, "max"),
                MaxLimitRequestRatio = Named(item.MaxLimitRequestRatio, "maxLimitRequestRatio", ratio: true),
            };
            _path.Pop();
        }

        _path.Pop();
        _path.Pop();
        return new LimitRangeObject { Meta = meta, Limits = items };
    }

    private ResourceQuotaObject Quota(V1ResourceQuota quota)
    {
        ObjectMeta meta = Meta(quota.Metadata, namespaced: true);
        _path.Push("spec");
        NamedQuantity[] hard = Named(quota.Spec?.Hard, "hard");
        _path.Pop();
        _path.Push("status");
        NamedQuantity[] used = Named(quota.Status?.Used, "used");
        _path.Pop();
        IList<string> scopes = quota.Spec?.Scopes ?? [];
        return new ResourceQuotaObject { Meta = meta, Hard = hard, Used = used, Scopes = [.. scopes.Select(Id)] };
    }

    /// <summary>A ResourceList under non-catalog names: cpu-like names and ratios at milli, everything else in units.</summary>
    private NamedQuantity[] Named(IDictionary<string, ResourceQuantity>? list, string segment, bool ratio = false)
    {
        if (list is null || list.Count == 0)
        {
            return [];
        }

        _path.Push(segment);
        var result = new NamedQuantity[list.Count];
        int i = 0;
        foreach ((string name, ResourceQuantity quantity) in list)
        {
            int scale = ratio || IsCpu(name) ? Quantity.Milli : 0;
            result[i++] = new NamedQuantity(_strings.Intern(name), Amount(quantity, scale, name) ?? 0, scale);
        }

        _path.Pop();

        // A ResourceList is a map: by name, so the file's key order (kubectl sorts, hand-written files may not) does not matter.
        Array.Sort(result, (a, b) => string.CompareOrdinal(_strings[a.Name], _strings[b.Name]));
        return result;
    }

    private static bool IsCpu(string name) => name == "cpu" || name.EndsWith(".cpu", StringComparison.Ordinal);

    // ---- shared parts ---------------------------------------------------------------------------------------------------

    private ObjectMeta Meta(V1ObjectMeta? metadata, bool namespaced)
    {
        _path.Push("metadata");
        if (string.IsNullOrEmpty(metadata?.Name))
        {
            _path.Push("name");
            throw Error("the object has no name");
        }

        // A namespaced object without a namespace lands in "default", as kubectl apply would put it (and the Pod parser does).
        string ns = !namespaced ? string.Empty : string.IsNullOrEmpty(metadata.NamespaceProperty) ? DefaultNamespace : metadata.NamespaceProperty;
        (_namespace, _name) = (ns, metadata.Name);
        IList<V1OwnerReference> owners = metadata.OwnerReferences ?? [];
        var ownerRefs = new OwnerRef[owners.Count];
        for (int i = 0; i < owners.Count; i++)
        {
            V1OwnerReference owner = owners[i] ?? throw Error(["ownerReferences", i], "expected an object, found null");
            ownerRefs[i] = new OwnerRef(Id(owner.Kind), Id(owner.Name), Id(owner.Uid), owner.Controller ?? false);
        }

        var meta = new ObjectMeta
        {
            Namespace = namespaced ? _strings.Intern(ns) : 0,
            Name = _strings.Intern(metadata.Name),
            Uid = Id(metadata.Uid),
            CreationTime = Time(metadata.CreationTimestamp),
            Labels = Pairs(metadata.Labels, skipLastApplied: false),
            Annotations = Pairs(metadata.Annotations, skipLastApplied: true),
            Owners = ownerRefs,
        };
        _path.Pop();
        return meta;
    }

    private KeyValues Pairs(IDictionary<string, string>? map, bool skipLastApplied)
    {
        if (map is null || map.Count == 0)
        {
            return KeyValues.Empty;
        }

        // The parser dropped last-applied-configuration already (InventoryFields); a caller of Read with raw JSON may not have.
        int count = skipLastApplied && map.ContainsKey(LastApplied) ? map.Count - 1 : map.Count;
        if (count == 0)
        {
            return KeyValues.Empty;
        }

        int[] keys = new int[count];
        int[] values = new int[count];
        int i = 0;
        foreach ((string key, string value) in map)
        {
            if (!skipLastApplied || key != LastApplied)
            {
                (keys[i], values[i]) = (_strings.Intern(key), Id(value));
                i++;
            }
        }

        return new KeyValues(keys, values);
    }

    /// <summary>
    /// A metav1.LabelSelector: null is <see cref="LabelSelector.Nothing"/> and <c>{}</c> <see cref="LabelSelector.Everything"/>,
    /// as apimachinery's LabelSelectorAsSelector (and the PDB parser) read them; matchLabels become In requirements.
    /// </summary>
    private LabelSelector Selector(V1LabelSelector? selector, string parent, string segment)
    {
        if (selector is null)
        {
            return LabelSelector.Nothing;
        }

        var requirements = new List<SelectorRequirement>();
        foreach ((string key, string value) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new SelectorRequirement(_strings.Intern(key), SelectorOperator.In, [Id(value)]));
        }

        IList<V1LabelSelectorRequirement> expressions = selector.MatchExpressions ?? [];
        for (int i = 0; i < expressions.Count; i++)
        {
            V1LabelSelectorRequirement? expression = expressions[i];
            if (expression is null)
            {
                continue;
            }

            SelectorOperator op = expression.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => throw Error([parent, segment, "matchExpressions", i, "operator"], "expected one of In, NotIn, Exists, DoesNotExist", expression.OperatorProperty),
            };
            requirements.Add(new SelectorRequirement(Id(expression.Key), op, [.. (expression.Values ?? []).Select(Id)]));
        }

        return requirements.Count == 0 ? LabelSelector.Everything : new LabelSelector([.. requirements]);
    }

    /// <summary>A pod template: its labels and annotations, init containers (sidecars when <c>restartPolicy: Always</c>) then containers.</summary>
    private PodTemplate Template(V1PodTemplateSpec? template, string parent, string segment)
    {
        if (template is null)
        {
            return PodTemplate.Empty;
        }

        _path.Push(parent);
        _path.Push(segment);

        var containers = new List<ContainerTemplate>();
        _path.Push("spec");
        Containers(template.Spec?.InitContainers, "initContainers", containers, init: true);
        Containers(template.Spec?.Containers, "containers", containers, init: false);
        _path.Pop();
        var result = new PodTemplate
        {
            Labels = Pairs(template.Metadata?.Labels, skipLastApplied: false),
            Annotations = Pairs(template.Metadata?.Annotations, skipLastApplied: true),
            Containers = [.. containers],
        };
        _path.Pop();
        _path.Pop();
        return result;
    }

    private void Containers(IList<V1Container>? containers, string segment, List<ContainerTemplate> target, bool init)
    {
        if (containers is null)
        {
            return;
        }

        _path.Push(segment);
        for (int i = 0; i < containers.Count; i++)
        {
            _path.PushIndex(i);
            V1Container container = containers[i] ?? throw Error("expected an object, found null");
            _path.Push("resources");
            ResourceAmount[] requests = Resources(container.Resources?.Requests, "requests");
            ResourceAmount[] limits = Resources(container.Resources?.Limits, "limits");
            _path.Pop();
            target.Add(new ContainerTemplate
            {
                Name = Id(container.Name),
                Image = Id(container.Image),
                // An init container that restarts Always is a sidecar (KEP-753), as the Pod parser reads it.
                Kind = !init ? ContainerKind.Regular : container.RestartPolicy == "Always" ? ContainerKind.SidecarInit : ContainerKind.Init,
                Requests = requests,
                Limits = limits,
            });
            _path.Pop();
        }

        _path.Pop();
    }

    /// <summary>A container's ResourceList at the catalog's scale (cpu in millicores, the rest in units).</summary>
    private ResourceAmount[] Resources(IDictionary<string, ResourceQuantity>? list, string segment)
    {
        if (list is null || list.Count == 0)
        {
            return [];
        }

        _path.Push(segment);
        var result = new ResourceAmount[list.Count];
        int i = 0;
        foreach ((string name, ResourceQuantity quantity) in list)
        {
            int resource = _builder.Resources.GetOrAdd(name);
            result[i++] = new ResourceAmount(resource, Amount(quantity, ResourceCatalog.ScaleOf(resource), name) ?? 0);
        }

        _path.Pop();
        Array.Sort(result, (a, b) => string.CompareOrdinal(_builder.Resources[a.Resource], _builder.Resources[b.Resource]));
        return result;
    }

    /// <summary>
    /// A quantity at <paramref name="scale"/> by the loader's rules (<see cref="Quantity.TryParseScaled(ReadOnlySpan{char}, int, out long)"/>,
    /// surrounding whitespace ignored as Go's Quantity.UnmarshalJSON does); null when absent. Negative and
    /// out-of-range quantities are errors: none of these fields can hold one.
    /// </summary>
    private long? Amount(ResourceQuantity? quantity, int scale, string segment)
    {
        if (quantity is null)
        {
            return null;
        }

        string text = quantity is QuantityText raw ? raw.Text : quantity.ToString();
        _path.Push(segment);
        QuantityStatus status = Quantity.Parse(text.AsSpan().Trim(" \t\r\n"), scale, out long value);
        if (status != QuantityStatus.Valid || value < 0)
        {
            throw Error(status == QuantityStatus.Valid ? SnapshotRules.NegativeAmount(segment) : SnapshotParser.QuantityProblem(status, scale), text);
        }

        if (value > SnapshotRules.MaxTotal)
        {
            throw Error(InventoryRules.QuantityTooLarge(segment), text);
        }

        _path.Pop();
        return value;
    }

    /// <summary>
    /// A count (replicas, limits, seconds): null when absent; negative is an error at the field, here rather than in the
    /// builder's <see cref="InventoryRules"/> because only here is the field's place in the JSON known.
    /// </summary>
    private int? Count(int? value, string segment) =>
        value is null or >= 0 ? value : throw Error([segment], SnapshotRules.NegativeCount, value.Value.ToString(CultureInfo.InvariantCulture));

    private int? Count(int? value, string parent, string segment) =>
        value is null or >= 0 ? value : throw Error([parent, segment], SnapshotRules.NegativeCount, value.Value.ToString(CultureInfo.InvariantCulture));

    private TEnum Enum<TEnum>(string? text, TEnum absent, object[] segments, params (string Text, TEnum Value)[] values)
    {
        if (string.IsNullOrEmpty(text))
        {
            return absent;
        }

        foreach ((string name, TEnum value) in values)
        {
            if (name == text)
            {
                return value;
            }
        }

        throw Error(segments, "expected one of " + string.Join(", ", values.Select(v => v.Text)), text);
    }

    private int Id(string? value) => string.IsNullOrEmpty(value) ? 0 : _strings.Intern(value);

    private static long Time(DateTime? time) =>
        time is { } t ? UnixTime.FromDateTimeOffset(new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))) : UnixTime.None;

    // ---- errors ---------------------------------------------------------------------------------------------------------

    private InventoryValueException Error(string problem, string? value = null) => new(_path.ToString() is "$" ? string.Empty : _path.ToString(), problem, value);

    /// <summary>An error at the current path plus <paramref name="segments"/> (names and indices).</summary>
    private InventoryValueException Error(object[] segments, string problem, string? value = null)
    {
        foreach (object segment in segments)
        {
            if (segment is int index)
            {
                _path.PushIndex(index);
            }
            else
            {
                _path.Push((string)segment);
            }
        }

        return Error(problem, value);
    }

    /// <summary>
    /// The serializer's path in the loader's notation: <c>$.spec.replicas</c> → <c>spec.replicas</c>,
    /// <c>$.metadata.labels['a.b']</c> → <c>metadata.labels["a.b"]</c>.
    /// </summary>
    private static string RelativePath(string? path)
    {
        if (path is null or "$")
        {
            return string.Empty;
        }

        string relative = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return relative.Replace("['", "[\"", StringComparison.Ordinal).Replace("']", "\"]", StringComparison.Ordinal);
    }

    /// <summary>The serializer's message without its location, and its type names in words.</summary>
    private static string Describe(JsonException e)
    {
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            // The serializer reports a string it cannot transcode as "could not be converted to System.String".
            if (inner is System.Text.DecoderFallbackException || inner.Message.Contains("UTF-8", StringComparison.Ordinal))
            {
                return "text that is not valid UTF-8";
            }
        }

        string message = e.Message;
        int at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at >= 0)
        {
            message = message[..at];
        }

        const string Converted = "The JSON value could not be converted to ";
        if (!message.StartsWith(Converted, StringComparison.Ordinal))
        {
            return message.TrimEnd('.');
        }

        string type = message[Converted.Length..];
        return "expected " + (type.Contains("IList", StringComparison.Ordinal) || type.Contains("List`", StringComparison.Ordinal) ? "an array"
            : type.Contains("IDictionary", StringComparison.Ordinal) || type.Contains("Dictionary`", StringComparison.Ordinal) ? "an object"
            : type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) ? "an integer"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : type.Contains("System.String", StringComparison.Ordinal) ? "a string"
            : type.Contains("Double", StringComparison.Ordinal) ? "a number"
            : "an object");
    }
}

/// <summary>An invalid value in an inventory object, at <see cref="FieldPath"/> within it (empty: the object itself).</summary>
internal sealed class InventoryValueException(string fieldPath, string problem, string? value, Exception? innerException = null)
    : Exception(problem, innerException)
{
    public string FieldPath { get; } = fieldPath;

    public string Problem { get; } = problem;

    public string? Value { get; } = value;
}
