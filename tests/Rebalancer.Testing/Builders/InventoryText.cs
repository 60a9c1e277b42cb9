using System.Globalization;
using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Model.Inventory;

namespace Rebalancer.Testing.Builders;

/// <summary>
/// The inventory of a snapshot, its pod → workload resolution and its volume index as text, one line per object, every
/// field shown: two snapshots with the same text hold the same inventory (round trips, JSON against compact).
/// </summary>
public static class InventoryText
{
    public static string Describe(ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        ClusterInventory inv = s.Inventory;
        var text = new StringBuilder();
        string Str(int id) => s.Strings[id];
        string Time(long t) => t == UnixTime.None ? "-" : t.ToString(CultureInfo.InvariantCulture);
        string Opt<T>(T? v)
            where T : struct => v?.ToString() ?? "-";
        string Pairs(KeyValues kv) => string.Join(",", kv.Keys.Select((k, i) => $"{Str(k)}={Str(kv.Values[i])}"));
        string Meta(ObjectMeta m) =>
            $"{Str(m.Namespace)}/{Str(m.Name)} uid={Str(m.Uid)} created={Time(m.CreationTime)} labels={Pairs(m.Labels)} annotations={Pairs(m.Annotations)} "
            + $"owners={string.Join(",", m.Owners.Select(o => $"{Str(o.Kind)}/{Str(o.Name)}/{Str(o.Uid)}/{o.Controller}"))}";
        string Amounts(ResourceAmount[] a) => string.Join(",", a.Select(x => $"{s.Resources[x.Resource]}={x.Amount}"));
        string Template(PodTemplate t) =>
            $"template[labels={Pairs(t.Labels)} annotations={Pairs(t.Annotations)} containers={string.Join(";", t.Containers.Select(c => $"{Str(c.Name)}:{Str(c.Image)}:{c.Kind}:req({Amounts(c.Requests)}):lim({Amounts(c.Limits)})"))}]";
        string Selector(LabelSelector sel) => sel.MatchesNothing ? "<nothing>" : sel.IsEverything ? "<everything>"
            : string.Join("&", sel.Requirements.Select(r => $"{Str(r.Key)} {r.Operator} ({string.Join("|", r.Values.Select(Str))})"));
        string Named(NamedQuantity[] q) => string.Join(",", q.Select(x => $"{Str(x.Name)}={x.Amount}e-{x.Scale}"));

        text.Append("kinds ").Append(inv.KindsRead).AppendLine();
        foreach (WorkloadKind kind in (WorkloadKind[])[WorkloadKind.Deployment, WorkloadKind.ReplicaSet, WorkloadKind.StatefulSet, WorkloadKind.DaemonSet])
        {
            foreach (WorkloadObject w in inv.AppsObjects(kind))
            {
                text.Append(kind).Append(' ').Append(Meta(w.Meta)).Append(" replicas=").Append(Opt(w.Replicas))
                    .Append($" status={w.StatusReplicas}/{w.ReadyReplicas}/{w.AvailableReplicas}/{w.DesiredScheduled} selector={Selector(w.Selector)} ")
                    .Append(Template(w.Template)).AppendLine();
            }
        }

        foreach (JobObject j in inv.Jobs)
        {
            text.Append("Job ").Append(Meta(j.Meta)).Append($" selector={Selector(j.Selector)} completions={Opt(j.Completions)} parallelism={Opt(j.Parallelism)}")
                .Append($" suspend={j.Suspend} ttl={Opt(j.TtlSecondsAfterFinished)} start={Time(j.StartTime)} completion={Time(j.CompletionTime)}")
                .Append($" finish={j.Finish}@{Time(j.FinishTime)} counts={j.Active}/{j.Succeeded}/{j.Failed} ").Append(Template(j.Template)).AppendLine();
        }

        foreach (CronJobObject c in inv.CronJobs)
        {
            text.Append("CronJob ").Append(Meta(c.Meta)).Append($" schedule={Str(c.Schedule)} tz={Str(c.TimeZone)} suspend={c.Suspend}")
                .Append($" history={Opt(c.SuccessfulJobsHistoryLimit)}/{Opt(c.FailedJobsHistoryLimit)} last={Time(c.LastScheduleTime)}/{Time(c.LastSuccessfulTime)}")
                .Append($" jobTtl={Opt(c.JobTtlSecondsAfterFinished)} active={c.ActiveJobs} ").Append(Template(c.JobTemplate)).AppendLine();
        }

        foreach (HorizontalPodAutoscalerObject h in inv.HorizontalPodAutoscalers)
        {
            text.Append("HPA ").Append(Meta(h.Meta)).Append($" target={Str(h.TargetApiVersion)}/{Str(h.TargetKind)}/{Str(h.TargetName)} replicas={h.MinReplicas}..{h.MaxReplicas}")
                .Append(" metrics=").AppendJoin(",", h.ResourceMetrics.Select(m => $"{m.Source}:{s.Resources[m.Resource]}:{Str(m.Container)}:{m.Target}:{m.AverageUtilization}:{m.Value}"))
                .Append($" other={h.OtherMetrics} status={h.CurrentReplicas}/{h.DesiredReplicas}").AppendLine();
        }

        foreach (PersistentVolumeObject v in inv.PersistentVolumes)
        {
            text.Append("PV ").Append(Meta(v.Meta)).Append($" phase={v.Phase} claim={(v.ClaimRef is { } r ? $"{Str(r.Namespace)}/{Str(r.Name)}/{Str(r.Uid)}" : "-")}")
                .Append($" capacity={Opt(v.Capacity)} class={Str(v.StorageClass)} reclaim={v.ReclaimPolicy} modes={v.AccessModes} transition={Time(v.LastPhaseTransitionTime)}").AppendLine();
        }

        foreach (PersistentVolumeClaimObject c in inv.PersistentVolumeClaims)
        {
            text.Append("PVC ").Append(Meta(c.Meta)).Append($" phase={c.Phase} volume={Str(c.VolumeName)} requested={Opt(c.RequestedStorage)} capacity={Opt(c.Capacity)}")
                .Append($" class={Str(c.StorageClass)} modes={c.AccessModes}").AppendLine();
        }

        foreach (LimitRangeObject l in inv.LimitRanges)
        {
            text.Append("LimitRange ").Append(Meta(l.Meta)).Append(" limits=").AppendJoin(";", l.Limits.Select(i =>
                $"{Str(i.Type)}:default({Named(i.Default)}):defaultRequest({Named(i.DefaultRequest)}):min({Named(i.Min)}):max({Named(i.Max)}):ratio({Named(i.MaxLimitRequestRatio)})")).AppendLine();
        }

        foreach (ResourceQuotaObject q in inv.ResourceQuotas)
        {
            text.Append("ResourceQuota ").Append(Meta(q.Meta)).Append($" hard={Named(q.Hard)} used={Named(q.Used)} scopes={string.Join(",", q.Scopes.Select(Str))}").AppendLine();
        }

        for (int n = 0; n < s.Namespaces.Count; n++)
        {
            text.Append("namespace ").Append(Str(s.Namespaces.Name[n])).Append(" annotations=")
                .AppendJoin(",", s.Namespaces.Annotations[n].Keys.ToArray().Select((k, i) => $"{Str(k)}={Str(s.Namespaces.Annotations[n].Values[i])}")).AppendLine();
        }

        text.Append(DescribeWorkloads(s));
        VolumeIndex volumes = s.Volumes;
        for (int c = 0; c < inv.PersistentVolumeClaims.Count; c++)
        {
            text.Append("claim ").Append(Str(inv.PersistentVolumeClaims[c].Meta.Name)).Append(" pods=")
                .AppendJoin(",", volumes.PodsMounting(c).ToArray().Select(p => s.Pods.Name[p])).Append(" volume=").Append(volumes.VolumeOf(c)).AppendLine();
        }

        for (int v = 0; v < inv.PersistentVolumes.Count; v++)
        {
            text.Append("volume ").Append(Str(inv.PersistentVolumes[v].Meta.Name)).Append(" claim=").Append(volumes.ClaimOf(v)).AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Each workload with its identity, resolution, object and pods; then each HPA's target and each Job's CronJob.</summary>
    public static string DescribeWorkloads(ClusterSnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var text = new StringBuilder();
        WorkloadIndex index = s.Workloads;
        for (int w = 0; w < index.Count; w++)
        {
            text.Append("workload ").AppendLine(Describe(s, index[w], index.PodsOf(w)));
        }

        for (int h = 0; h < s.Inventory.HorizontalPodAutoscalers.Count; h++)
        {
            int target = index.HpaTarget(h);
            text.Append("hpa ").Append(s.Strings[s.Inventory.HorizontalPodAutoscalers[h].Meta.Name]).Append(" -> ")
                .AppendLine(target < 0 ? "-" : Name(s, index[target]));
        }

        for (int j = 0; j < s.Inventory.Jobs.Count; j++)
        {
            int cron = index.CronJobOf(j);
            text.Append("job ").Append(s.Strings[s.Inventory.Jobs[j].Meta.Name]).Append(" cronjob=")
                .AppendLine(cron < 0 ? "-" : s.Strings[s.Inventory.CronJobs[cron].Meta.Name]);
        }

        return text.ToString();
    }

    /// <summary><c>namespace/Kind/name</c> of a workload.</summary>
    public static string Name(ClusterSnapshot s, WorkloadRef w)
    {
        ArgumentNullException.ThrowIfNull(s);
        return $"{s.Strings[w.Namespace]}/{w.KindText(s.Strings)}/{s.Strings[w.Name]}";
    }

    private static string Describe(ClusterSnapshot s, WorkloadRef w, ReadOnlySpan<int> pods)
    {
        string obj = w.ObjectRow < 0 ? "-" : $"{w.ObjectKind}/{s.Strings[s.Inventory.MetaOf(w.ObjectKind, w.ObjectRow).Name]}";
        var names = new List<string>(pods.Length);
        foreach (int p in pods)
        {
            names.Add(s.Pods.Name[p]);
        }

        return $"{Name(s, w)} {w.Resolution} uid={s.Strings[w.Uid]} object={obj} pods={string.Join(",", names)}";
    }
}
