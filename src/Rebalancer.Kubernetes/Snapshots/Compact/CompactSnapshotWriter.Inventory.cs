using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>The inventory section (format version 2): each kind in its stored order, each object field by field.</summary>
internal sealed partial class CompactSnapshotWriter
{
    private void Inventory(ClusterInventory inventory)
    {
        output.Int32((int)inventory.KindsRead);
        foreach (WorkloadKind kind in (ReadOnlySpan<WorkloadKind>)[WorkloadKind.Deployment, WorkloadKind.ReplicaSet, WorkloadKind.StatefulSet, WorkloadKind.DaemonSet])
        {
            IReadOnlyList<WorkloadObject> workloads = inventory.AppsObjects(kind);
            output.Int32(workloads.Count);
            foreach (WorkloadObject workload in workloads)
            {
                Workload(workload);
            }
        }

        Each(inventory.Jobs, Job);
        Each(inventory.CronJobs, CronJob);
        Each(inventory.HorizontalPodAutoscalers, Hpa);
        Each(inventory.PersistentVolumes, Volume);
        Each(inventory.PersistentVolumeClaims, Claim);
        Each(inventory.LimitRanges, LimitRange);
        Each(inventory.ResourceQuotas, Quota);
    }

    private void Each<T>(IReadOnlyList<T> items, Action<T> write)
    {
        output.Int32(items.Count);
        foreach (T item in items)
        {
            write(item);
        }
    }

    private void Meta(ObjectMeta meta)
    {
        output.Int32(meta.Namespace);
        output.Int32(meta.Name);
        output.Int32(meta.Uid);
        output.Int64(meta.CreationTime);
        Pairs(meta.Labels);
        Pairs(meta.Annotations);
        output.Records(meta.Owners, CompactRecords.OwnerSize, CompactRecords.Write);
    }

    private void Pairs(KeyValues pairs)
    {
        output.Array<int>(pairs.Keys);
        output.Array<int>(pairs.Values);
    }

    private void Template(PodTemplate template)
    {
        Pairs(template.Labels);
        Pairs(template.Annotations);
        output.Int32(template.Containers.Length);
        foreach (ContainerTemplate container in template.Containers)
        {
            output.Int32(container.Name);
            output.Int32(container.Image);
            output.Byte((byte)container.Kind);
            Amounts(container.Requests);
            Amounts(container.Limits);
        }
    }

    private void Amounts(ResourceAmount[] amounts) => output.Records(amounts, CompactRecords.AmountSize, CompactRecords.Write);

    private void Optional(int? value)
    {
        output.Bool(value.HasValue);
        output.Int32(value ?? 0);
    }

    private void Optional(long? value)
    {
        output.Bool(value.HasValue);
        output.Int64(value ?? 0);
    }

    private void Workload(WorkloadObject workload)
    {
        output.Byte((byte)workload.Kind);
        Meta(workload.Meta);
        Optional(workload.Replicas);
        output.Int32(workload.StatusReplicas);
        output.Int32(workload.ReadyReplicas);
        output.Int32(workload.AvailableReplicas);
        output.Int32(workload.DesiredScheduled);
        Selector(workload.Selector);
        Template(workload.Template);
    }

    private void Job(JobObject job)
    {
        Meta(job.Meta);
        Selector(job.Selector);
        Template(job.Template);
        Optional(job.Completions);
        Optional(job.Parallelism);
        output.Bool(job.Suspend);
        Optional(job.TtlSecondsAfterFinished);
        output.Int64(job.StartTime);
        output.Int64(job.CompletionTime);
        output.Byte((byte)job.Finish);
        output.Int64(job.FinishTime);
        output.Int32(job.Active);
        output.Int32(job.Succeeded);
        output.Int32(job.Failed);
    }

    private void CronJob(CronJobObject cronJob)
    {
        Meta(cronJob.Meta);
        output.Int32(cronJob.Schedule);
        output.Int32(cronJob.TimeZone);
        output.Bool(cronJob.Suspend);
        Optional(cronJob.SuccessfulJobsHistoryLimit);
        Optional(cronJob.FailedJobsHistoryLimit);
        output.Int64(cronJob.LastScheduleTime);
        output.Int64(cronJob.LastSuccessfulTime);
        Optional(cronJob.JobTtlSecondsAfterFinished);
        Template(cronJob.JobTemplate);
        output.Int32(cronJob.ActiveJobs);
    }

    private void Hpa(HorizontalPodAutoscalerObject hpa)
    {
        Meta(hpa.Meta);
        output.Int32(hpa.TargetKind);
        output.Int32(hpa.TargetName);
        output.Int32(hpa.TargetApiVersion);
        output.Int32(hpa.MinReplicas);
        output.Int32(hpa.MaxReplicas);
        output.Int32(hpa.ResourceMetrics.Length);
        foreach (HpaResourceMetric metric in hpa.ResourceMetrics)
        {
            output.Byte((byte)metric.Source);
            output.Int32(metric.Resource);
            output.Int32(metric.Container);
            output.Byte((byte)metric.Target);
            output.Int32(metric.AverageUtilization);
            output.Int64(metric.Value);
        }

        output.Int32(hpa.OtherMetrics);
        output.Int32(hpa.CurrentReplicas);
        output.Int32(hpa.DesiredReplicas);
    }

    private void Volume(PersistentVolumeObject volume)
    {
        Meta(volume.Meta);
        output.Byte((byte)volume.Phase);
        output.Bool(volume.ClaimRef.HasValue);
        output.Int32(volume.ClaimRef?.Namespace ?? 0);
        output.Int32(volume.ClaimRef?.Name ?? 0);
        output.Int32(volume.ClaimRef?.Uid ?? 0);
        Optional(volume.Capacity);
        output.Int32(volume.StorageClass);
        output.Byte((byte)volume.ReclaimPolicy);
        output.Byte((byte)volume.AccessModes);
        output.Int64(volume.LastPhaseTransitionTime);
    }

    private void Claim(PersistentVolumeClaimObject claim)
    {
        Meta(claim.Meta);
        output.Byte((byte)claim.Phase);
        output.Int32(claim.VolumeName);
        Optional(claim.RequestedStorage);
        Optional(claim.Capacity);
        output.Int32(claim.StorageClass);
        output.Byte((byte)claim.AccessModes);
    }

    private void LimitRange(LimitRangeObject limitRange)
    {
        Meta(limitRange.Meta);
        output.Int32(limitRange.Limits.Length);
        foreach (LimitRangeItem item in limitRange.Limits)
        {
            output.Int32(item.Type);
            Named(item.Default);
            Named(item.DefaultRequest);
            Named(item.Min);
            Named(item.Max);
            Named(item.MaxLimitRequestRatio);
        }
    }

    private void Quota(ResourceQuotaObject quota)
    {
        Meta(quota.Meta);
        Named(quota.Hard);
        Named(quota.Used);
        output.Array<int>(quota.Scopes);
    }

    private void Named(NamedQuantity[] quantities)
    {
        output.Int32(quantities.Length);
        foreach (NamedQuantity quantity in quantities)
        {
            output.Int32(quantity.Name);
            output.Int64(quantity.Amount);
            output.Byte((byte)quantity.Scale);
        }
    }
}
