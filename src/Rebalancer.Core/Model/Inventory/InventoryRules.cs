using System.Globalization;

namespace Rebalancer.Core.Model.Inventory;

/// <summary>
/// The value rules of <see cref="SnapshotRules"/> for inventory objects, whichever reader made them:
/// <list type="bullet">
/// <item>Counts (replicas, completions, parallelism, history limits, seconds, status counters) are 0 or more.</item>
/// <item>Quantities (container requests and limits, storage, LimitRange and ResourceQuota amounts, HPA targets) are 0 or
/// more and at most <see cref="SnapshotRules.MaxTotal"/>; LimitRange and ResourceQuota amounts are at scale 0 or 3.</item>
/// <item>An HPA's <c>maxReplicas</c> is at least 1 and at least its <c>minReplicas</c>.</item>
/// <item>The requests of a kind's pod templates times the pods each makes (replicas; a DaemonSet's desired pods; a Job's
/// parallelism) add up, per resource, to at most <see cref="SnapshotRules.MaxTotal"/>, as the pods' requests do: an
/// analysis that sums a workload's requests over its replicas cannot overflow.</item>
/// </list>
/// <see cref="InventoryBuilder"/> applies them as objects are added (throwing <see cref="SnapshotValueException"/> with
/// the field below the object, named as in the Kubernetes object); <see cref="Check(ClusterSnapshot)"/> applies them to a finished
/// inventory, with the field below <c>inventory.deployments[3]</c>…
/// </summary>
public sealed class InventoryRules
{
    private readonly StringTable _strings;
    private readonly ResourceCatalog _resources;
    private readonly Dictionary<InventoryKinds, ResourceTotals> _templateTotals = [];

    public InventoryRules(StringTable strings, ResourceCatalog resources)
    {
        ArgumentNullException.ThrowIfNull(strings);
        ArgumentNullException.ThrowIfNull(resources);
        _strings = strings;
        _resources = resources;
    }

    /// <summary>The problem of a quantity past <see cref="SnapshotRules.MaxTotal"/>.</summary>
    public static string QuantityTooLarge(string what) =>
        $"{what} is more than {SnapshotRules.MaxTotal.ToString(CultureInfo.InvariantCulture)} (2^62) at its scale, more than any cluster holds";

    /// <summary>Checks a count; <paramref name="field"/> is where it is.</summary>
    public static void CheckCount(int? value, string field)
    {
        if (value is < 0)
        {
            SnapshotRules.CheckCount(value.Value, field);
        }
    }

    /// <summary>Checks a quantity (0 to <see cref="SnapshotRules.MaxTotal"/>); <paramref name="what"/> names it in the message.</summary>
    public static void CheckQuantity(long? value, string what, string field)
    {
        if (value is < 0)
        {
            throw new SnapshotValueException(field, SnapshotRules.NegativeAmount(what), value.Value.ToString(CultureInfo.InvariantCulture));
        }

        if (value > SnapshotRules.MaxTotal)
        {
            throw new SnapshotValueException(field, QuantityTooLarge(what), value.Value.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>An HPA's bounds: <c>maxReplicas</c> at least 1 and at least <c>minReplicas</c> (0 or more).</summary>
    public static void CheckHpaReplicas(int min, int max, string spec)
    {
        CheckCount(min, spec + ".minReplicas");
        if (max < Math.Max(1, min))
        {
            throw new SnapshotValueException(spec + ".maxReplicas",
                $"must be at least 1 and at least minReplicas ({min.ToString(CultureInfo.InvariantCulture)})", max.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void Check(WorkloadObject workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        bool daemonSet = workload.Kind == WorkloadKind.DaemonSet;
        CheckCount(workload.Replicas, "spec.replicas");
        CheckCount(workload.StatusReplicas, daemonSet ? "status.currentNumberScheduled" : "status.replicas");
        CheckCount(workload.ReadyReplicas, daemonSet ? "status.numberReady" : "status.readyReplicas");
        CheckCount(workload.AvailableReplicas, daemonSet ? "status.numberAvailable" : "status.availableReplicas");
        CheckCount(workload.DesiredScheduled, "status.desiredNumberScheduled");
        (InventoryKinds kind, string plural) = workload.Kind switch
        {
            WorkloadKind.Deployment => (InventoryKinds.Deployments, "Deployments"),
            WorkloadKind.ReplicaSet => (InventoryKinds.ReplicaSets, "ReplicaSets"),
            WorkloadKind.StatefulSet => (InventoryKinds.StatefulSets, "StatefulSets"),
            _ => (InventoryKinds.DaemonSets, "DaemonSets"),
        };
        CheckTemplate(workload.Template, "spec.template.spec", kind, plural, daemonSet ? workload.DesiredScheduled : workload.Replicas ?? 1);
    }

    public void Check(JobObject job)
    {
        ArgumentNullException.ThrowIfNull(job);
        CheckCount(job.Completions, "spec.completions");
        CheckCount(job.Parallelism, "spec.parallelism");
        CheckCount(job.TtlSecondsAfterFinished, "spec.ttlSecondsAfterFinished");
        CheckCount(job.Active, "status.active");
        CheckCount(job.Succeeded, "status.succeeded");
        CheckCount(job.Failed, "status.failed");
        CheckTemplate(job.Template, "spec.template.spec", InventoryKinds.Jobs, "Jobs", job.Parallelism ?? 1);
    }

    public void Check(CronJobObject cronJob)
    {
        ArgumentNullException.ThrowIfNull(cronJob);
        CheckCount(cronJob.SuccessfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit");
        CheckCount(cronJob.FailedJobsHistoryLimit, "spec.failedJobsHistoryLimit");
        CheckCount(cronJob.JobTtlSecondsAfterFinished, "spec.jobTemplate.spec.ttlSecondsAfterFinished");
        CheckCount(cronJob.ActiveJobs, "status.active");
        CheckTemplate(cronJob.JobTemplate, "spec.jobTemplate.spec.template.spec", InventoryKinds.CronJobs, "CronJobs", 1);
    }

    public void Check(HorizontalPodAutoscalerObject hpa)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        CheckHpaReplicas(hpa.MinReplicas, hpa.MaxReplicas, "spec");
        for (int i = 0; i < hpa.ResourceMetrics.Length; i++)
        {
            HpaResourceMetric metric = hpa.ResourceMetrics[i];
            if (metric.AverageUtilization < 0 || metric.Value < 0 || metric.Value > SnapshotRules.MaxTotal)
            {
                string field = "spec.metrics[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                CheckCount(metric.AverageUtilization, field + ".averageUtilization");
                CheckQuantity(metric.Value, "a target " + _resources[metric.Resource], field + ".value");
            }
        }

        CheckCount(hpa.OtherMetrics, "spec.otherMetrics");
        CheckCount(hpa.CurrentReplicas, "status.currentReplicas");
        CheckCount(hpa.DesiredReplicas, "status.desiredReplicas");
    }

    public static void Check(PersistentVolumeObject volume)
    {
        ArgumentNullException.ThrowIfNull(volume);
        CheckQuantity(volume.Capacity, "storage", "spec.capacity.storage");
    }

    public static void Check(PersistentVolumeClaimObject claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        CheckQuantity(claim.RequestedStorage, "storage", "spec.resources.requests.storage");
        CheckQuantity(claim.Capacity, "storage", "status.capacity.storage");
    }

    public void Check(LimitRangeObject limitRange)
    {
        ArgumentNullException.ThrowIfNull(limitRange);
        for (int i = 0; i < limitRange.Limits.Length; i++)
        {
            LimitRangeItem item = limitRange.Limits[i];
            string field = "spec.limits[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            CheckNamed(item.Default, field, "default");
            CheckNamed(item.DefaultRequest, field, "defaultRequest");
            CheckNamed(item.Min, field, "min");
            CheckNamed(item.Max, field, "max");
            CheckNamed(item.MaxLimitRequestRatio, field, "maxLimitRequestRatio");
        }
    }

    public void Check(ResourceQuotaObject quota)
    {
        ArgumentNullException.ThrowIfNull(quota);
        CheckNamed(quota.Hard, "spec", "hard");
        CheckNamed(quota.Used, "status", "used");
    }

    /// <summary>
    /// Applies every rule to a finished inventory (read back from a file that may have been crafted); the first problem
    /// found, its field below <c>inventory.{kind}[{row}]</c>, or null when the inventory obeys them all.
    /// </summary>
    public static SnapshotValueException? Check(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var rules = new InventoryRules(snapshot.Strings, snapshot.Resources);
        ClusterInventory inventory = snapshot.Inventory;
        return Each(inventory.Deployments, "deployments", rules.Check)
            ?? Each(inventory.ReplicaSets, "replicaSets", rules.Check)
            ?? Each(inventory.StatefulSets, "statefulSets", rules.Check)
            ?? Each(inventory.DaemonSets, "daemonSets", rules.Check)
            ?? Each(inventory.Jobs, "jobs", rules.Check)
            ?? Each(inventory.CronJobs, "cronJobs", rules.Check)
            ?? Each(inventory.HorizontalPodAutoscalers, "horizontalPodAutoscalers", rules.Check)
            ?? Each(inventory.PersistentVolumes, "persistentVolumes", Check)
            ?? Each(inventory.PersistentVolumeClaims, "persistentVolumeClaims", Check)
            ?? Each(inventory.LimitRanges, "limitRanges", rules.Check)
            ?? Each(inventory.ResourceQuotas, "resourceQuotas", rules.Check);
    }

    private static SnapshotValueException? Each<T>(IReadOnlyList<T> objects, string kind, Action<T> check)
    {
        for (int i = 0; i < objects.Count; i++)
        {
            try
            {
                check(objects[i]);
            }
            catch (SnapshotValueException e)
            {
                return new SnapshotValueException($"inventory.{kind}[{i.ToString(CultureInfo.InvariantCulture)}].{e.Field}", e.Problem, e.Value);
            }
        }

        return null;
    }

    /// <summary>
    /// A template's amounts, and its requests times <paramref name="pods"/> into the kind's totals (all or none, so a
    /// refused object leaves them as they were).
    /// </summary>
    private void CheckTemplate(PodTemplate template, string spec, InventoryKinds kind, string plural, int pods)
    {
        long[]? scaled = null;
        string?[]? firstField = null;
        int regular = 0;
        int init = 0;
        foreach (ContainerTemplate container in template.Containers)
        {
            string field = container.Kind == ContainerKind.Regular
                ? spec + ".containers[" + (regular++).ToString(CultureInfo.InvariantCulture) + "].resources"
                : spec + ".initContainers[" + (init++).ToString(CultureInfo.InvariantCulture) + "].resources";
            CheckAmounts(container.Requests, field, "requests");
            CheckAmounts(container.Limits, field, "limits");
            if (pods == 0)
            {
                continue;
            }

            foreach (ResourceAmount request in container.Requests)
            {
                scaled ??= new long[_resources.Count];
                firstField ??= new string?[_resources.Count];
                firstField[request.Resource] ??= field + ".requests";
                // Compared before multiplying and adding, so neither can overflow.
                if (request.Amount > SnapshotRules.MaxTotal / pods
                    || request.Amount * pods > SnapshotRules.MaxTotal - scaled[request.Resource])
                {
                    throw TemplateTotal(plural, request.Resource, field + ".requests");
                }

                scaled[request.Resource] += request.Amount * pods;
            }
        }

        if (scaled is not null)
        {
            if (!_templateTotals.TryGetValue(kind, out ResourceTotals? totals))
            {
                _templateTotals[kind] = totals = new ResourceTotals(TemplateTotalName(plural));
            }

            // Past the limit only with the kind's earlier objects: reported at this object's first request of the resource.
            totals.Add(_resources, scaled, spec, firstField);
        }
    }

    private SnapshotValueException TemplateTotal(string plural, int resource, string field) =>
        new(field, SnapshotRules.TotalTooLarge(TemplateTotalName(plural), _resources, resource));

    private static string TemplateTotalName(string plural) => plural + "' template requests times their pods";

    private void CheckAmounts(ResourceAmount[] amounts, string field, string list)
    {
        foreach (ResourceAmount amount in amounts)
        {
            if (amount.Amount < 0 || amount.Amount > SnapshotRules.MaxTotal)
            {
                string name = _resources[amount.Resource];
                CheckQuantity(amount.Amount, name, field + "." + list + Segment(name));
            }
        }
    }

    private void CheckNamed(NamedQuantity[] quantities, string parent, string list)
    {
        foreach (NamedQuantity quantity in quantities)
        {
            if (quantity.Amount < 0 || quantity.Amount > SnapshotRules.MaxTotal || quantity.Scale is not (0 or Quantity.Milli))
            {
                string name = _strings[quantity.Name];
                string field = parent + "." + list + Segment(name);
                CheckQuantity(quantity.Amount, name, field);
                throw new SnapshotValueException(field, "is stored at scale 0 or 3 (milli)", quantity.Scale.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary><c>.cpu</c>, or <c>["nvidia.com/gpu"]</c> for a name a dotted path cannot hold.</summary>
    private static string Segment(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? "." + name
            : "[\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]";
}
