using System.Globalization;
using System.Text.Json;
using Rebalancer.Testing.ApiServer.Model;

namespace Rebalancer.Testing.ApiServer.Http;

/// <summary>
/// Server-side printing of the workload and inventory kinds, following <c>pkg/printers/internalversion/printers.go</c>
/// (v1.32): the columns kubectl shows for <c>get deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,hpa,pv,pvc,
/// limitranges,resourcequotas</c>, and their wide columns (containers, images, selector).
/// </summary>
internal static partial class Tables
{
    private static readonly Column ContainersColumn = new("Containers", "string", "", "Names of each container in the template.", 1);
    private static readonly Column ImagesColumn = new("Images", "string", "", "Images referenced by each container in the template.", 1);
    private static readonly Column SelectorColumn = new("Selector", "string", "", "Label selector.", 1);

    private static IReadOnlyList<Column>? InventoryColumns(ResourceType type)
    {
        if (type == ResourceCatalog.Deployments)
        {
            return
            [
                NameColumn,
                new("Ready", "string", "", "Number of the pod with ready state"),
                new("Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                new("Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ];
        }

        if (type == ResourceCatalog.ReplicaSets)
        {
            return
            [
                NameColumn,
                new("Desired", "integer", "", "Replicas is the number of desired pods."),
                new("Current", "integer", "", "Replicas is the most recently observed number of replicas."),
                new("Ready", "integer", "", "The number of ready replicas for this replica set."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ];
        }

        if (type == ResourceCatalog.StatefulSets)
        {
            return [NameColumn, new("Ready", "string", "", "Number of the pod with ready state"), AgeColumn, ContainersColumn, ImagesColumn];
        }

        if (type == ResourceCatalog.DaemonSets)
        {
            return
            [
                NameColumn,
                new("Desired", "integer", "", "The total number of nodes that should be running the daemon pod."),
                new("Current", "integer", "", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                new("Ready", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
                new("Up-to-date", "integer", "", "The total number of nodes that are running updated daemon pod"),
                new("Available", "integer", "", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
                new("Node Selector", "string", "", "NodeSelector is a selector which must be true for the pod to fit on a node."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ];
        }

        if (type == ResourceCatalog.Jobs)
        {
            return
            [
                NameColumn,
                new("Status", "string", "", "Status of the job."),
                new("Completions", "string", "", "The completion status of the job."),
                new("Duration", "string", "", "Time required to complete the job."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ];
        }

        if (type == ResourceCatalog.CronJobs)
        {
            return
            [
                NameColumn,
                new("Schedule", "string", "", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
                new("Timezone", "string", "", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
                new("Suspend", "boolean", "", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
                new("Active", "integer", "", "A list of pointers to currently running jobs."),
                new("Last Schedule", "string", "", "Information when was the last time the job was successfully scheduled."),
                AgeColumn, ContainersColumn, ImagesColumn, SelectorColumn,
            ];
        }

        if (type == ResourceCatalog.HorizontalPodAutoscalers)
        {
            return
            [
                NameColumn,
                new("Reference", "string", "", "reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource."),
                new("Targets", "string", "", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used)."),
                new("MinPods", "string", "", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down."),
                new("MaxPods", "integer", "", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up."),
                new("Replicas", "string", "", "current number of replicas of pods managed by this autoscaler."),
                AgeColumn,
            ];
        }

        if (type == ResourceCatalog.PersistentVolumes)
        {
            return
            [
                NameColumn,
                new("Capacity", "string", "", "capacity is the description of the persistent volume's resources and capacity."),
                new("Access Modes", "string", "", "accessModes contains all ways the volume can be mounted."),
                new("Reclaim Policy", "string", "", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
                new("Status", "string", "", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
                new("Claim", "string", "", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
                new("StorageClass", "string", "", "storageClassName is the name of StorageClass to which this persistent volume belongs."),
                new("VolumeAttributesClass", "string", "", "Name of VolumeAttributesClass to which this persistent volume belongs."),
                new("Reason", "string", "", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
                AgeColumn,
                new("VolumeMode", "string", "", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.", 1),
            ];
        }

        if (type == ResourceCatalog.PersistentVolumeClaims)
        {
            return
            [
                NameColumn,
                new("Status", "string", "", "phase represents the current phase of PersistentVolumeClaim."),
                new("Volume", "string", "", "volumeName is the binding reference to the PersistentVolume backing this claim."),
                new("Capacity", "string", "", "capacity represents the actual resources of the underlying volume."),
                new("Access Modes", "string", "", "accessModes contains the desired access modes the volume should have."),
                new("StorageClass", "string", "", "storageClassName is the name of the StorageClass required by the claim."),
                new("VolumeAttributesClass", "string", "", "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim."),
                AgeColumn,
                new("VolumeMode", "string", "", "volumeMode defines what type of volume is required by the claim.", 1),
            ];
        }

        if (type == ResourceCatalog.ResourceQuotas)
        {
            return
            [
                NameColumn, AgeColumn,
                new("Request", "string", "", "Request represents a minimum amount of cpu/memory that a container may consume."),
                new("Limit", "string", "", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
            ];
        }

        // LimitRanges print Name / Created At, the default below.
        return null;
    }

    private static object[]? InventoryCells(ResourceType type, JsonElement obj, string name, string age, DateTimeOffset now)
    {
        JsonElement template = obj.At("spec", "template", "spec");
        if (type == ResourceCatalog.Deployments)
        {
            long desired = obj.Long("spec", "replicas") ?? 1;
            return
            [
                name, $"{obj.Long("status", "readyReplicas") ?? 0}/{desired}", obj.Long("status", "updatedReplicas") ?? 0, obj.Long("status", "availableReplicas") ?? 0,
                age, Containers(template), Images(template), FormatSelector(obj.At("spec", "selector")),
            ];
        }

        if (type == ResourceCatalog.ReplicaSets)
        {
            return
            [
                name, obj.Long("spec", "replicas") ?? 1, obj.Long("status", "replicas") ?? 0, obj.Long("status", "readyReplicas") ?? 0,
                age, Containers(template), Images(template), FormatSelector(obj.At("spec", "selector")),
            ];
        }

        if (type == ResourceCatalog.StatefulSets)
        {
            return [name, $"{obj.Long("status", "readyReplicas") ?? 0}/{obj.Long("spec", "replicas") ?? 1}", age, Containers(template), Images(template)];
        }

        if (type == ResourceCatalog.DaemonSets)
        {
            Dictionary<string, string> nodeSelector = template.At("nodeSelector").StringMap();
            return
            [
                name, obj.Long("status", "desiredNumberScheduled") ?? 0, obj.Long("status", "currentNumberScheduled") ?? 0, obj.Long("status", "numberReady") ?? 0,
                obj.Long("status", "updatedNumberScheduled") ?? 0, obj.Long("status", "numberAvailable") ?? 0,
                nodeSelector.Count == 0 ? "<none>" : string.Join(',', nodeSelector.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
                age, Containers(template), Images(template), FormatSelector(obj.At("spec", "selector")),
            ];
        }

        if (type == ResourceCatalog.Jobs)
        {
            return
            [
                name, JobStatus(obj), JobCompletions(obj), JobDuration(obj, now), age, Containers(template), Images(template), FormatSelector(obj.At("spec", "selector")),
            ];
        }

        if (type == ResourceCatalog.CronJobs)
        {
            JsonElement jobTemplate = obj.At("spec", "jobTemplate", "spec", "template", "spec");
            JsonElement suspend = obj.At("spec", "suspend");
            return
            [
                name, obj.Str("spec", "schedule") ?? "", obj.Str("spec", "timeZone") is { Length: > 0 } zone ? zone : "<none>",
                suspend.ValueKind == JsonValueKind.True ? "True" : suspend.ValueKind == JsonValueKind.False ? "False" : "<unset>",
                (long)obj.At("status", "active").Items().Count(),
                Json.ParseTime(obj.Str("status", "lastScheduleTime")) is { } last ? HumanDuration(now - last) : "<none>",
                age, Containers(jobTemplate), Images(jobTemplate), FormatSelector(obj.At("spec", "jobTemplate", "spec", "selector")),
            ];
        }

        if (type == ResourceCatalog.HorizontalPodAutoscalers)
        {
            return
            [
                name, $"{obj.Str("spec", "scaleTargetRef", "kind")}/{obj.Str("spec", "scaleTargetRef", "name")}", HpaTargets(obj),
                obj.Long("spec", "minReplicas") is { } min ? min.ToString(CultureInfo.InvariantCulture) : "<unset>",
                obj.Long("spec", "maxReplicas") ?? 0, (obj.Long("status", "currentReplicas") ?? 0).ToString(CultureInfo.InvariantCulture), age,
            ];
        }

        if (type == ResourceCatalog.PersistentVolumes)
        {
            string claim = obj.At("spec", "claimRef").IsObject() ? $"{obj.Str("spec", "claimRef", "namespace")}/{obj.Str("spec", "claimRef", "name")}" : "";
            return
            [
                name, obj.Str("spec", "capacity", "storage") ?? "", AccessModes(obj.At("spec", "accessModes")), obj.Str("spec", "persistentVolumeReclaimPolicy") ?? "",
                obj.Str("status", "phase") ?? "", claim, obj.Str("spec", "storageClassName") ?? "",
                obj.Str("spec", "volumeAttributesClassName") ?? "<unset>", obj.Str("status", "reason") ?? "", age, obj.Str("spec", "volumeMode") ?? "<unset>",
            ];
        }

        if (type == ResourceCatalog.PersistentVolumeClaims)
        {
            // As printPersistentVolumeClaim: capacity and access modes come from the status once the claim names a volume.
            bool bound = !string.IsNullOrEmpty(obj.Str("spec", "volumeName"));
            return
            [
                name, obj.Str("metadata", "deletionTimestamp") is null ? obj.Str("status", "phase") ?? "" : "Terminating", obj.Str("spec", "volumeName") ?? "", bound ? obj.Str("status", "capacity", "storage") ?? "" : "",
                bound ? AccessModes(obj.At("status", "accessModes")) : "", obj.Str("spec", "storageClassName") ?? "",
                obj.Str("status", "currentVolumeAttributesClassName") ?? "<unset>", age, obj.Str("spec", "volumeMode") ?? "<unset>",
            ];
        }

        if (type == ResourceCatalog.ResourceQuotas)
        {
            Dictionary<string, string> hard = obj.At("status", "hard").StringMap();
            Dictionary<string, string> used = obj.At("status", "used").StringMap();
            var requests = new List<string>();
            var limits = new List<string>();
            foreach (string resource in hard.Keys.Order(StringComparer.Ordinal))
            {
                string entry = $"{resource}: {(used.TryGetValue(resource, out string? u) ? u : "0")}/{hard[resource]}";
                (resource.Split('.') is [ "limits", _, .. ] ? limits : requests).Add(entry);
            }

            return [name, age, string.Join(", ", requests), string.Join(", ", limits)];
        }

        return null;
    }

    private static string Containers(JsonElement podSpec) => string.Join(',', podSpec.At("containers").Items().Select(c => c.Str("name") ?? ""));

    private static string Images(JsonElement podSpec) => string.Join(',', podSpec.At("containers").Items().Select(c => c.Str("image") ?? ""));

    /// <summary><c>metav1.FormatLabelSelector</c>: <c>app=web,tier notin (batch)</c>, <c>&lt;none&gt;</c> for an empty or absent selector.</summary>
    private static string FormatSelector(JsonElement selector)
    {
        var parts = new List<string>();
        foreach ((string key, string value) in selector.At("matchLabels").StringMap().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parts.Add($"{key}={value}");
        }

        foreach (JsonElement expression in selector.At("matchExpressions").Items())
        {
            string key = expression.Str("key") ?? "";
            string values = string.Join(',', expression.At("values").Items().Select(v => v.GetString()).Order(StringComparer.Ordinal));
            parts.Add(expression.Str("operator") switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => key,
            });
        }

        return parts.Count == 0 ? "<none>" : string.Join(',', parts);
    }

    private static string AccessModes(JsonElement modes)
    {
        string[] order = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];
        string[] shortNames = ["RWO", "ROX", "RWX", "RWOP"];
        var present = modes.Items().Select(m => m.GetString()).ToHashSet(StringComparer.Ordinal);
        return string.Join(',', order.Select((mode, i) => present.Contains(mode) ? shortNames[i] : null).Where(s => s is not null));
    }

    private static bool HasCondition(JsonElement job, string type) =>
        job.At("status", "conditions").Items().Any(c => c.Str("type") == type && c.Str("status") == "True");

    private static string JobStatus(JsonElement job) =>
        HasCondition(job, "Complete") ? "Complete"
        : HasCondition(job, "Failed") ? "Failed"
        : job.Str("metadata", "deletionTimestamp") is not null ? "Terminating"
        : HasCondition(job, "Suspended") ? "Suspended"
        : HasCondition(job, "FailureTarget") ? "FailureTarget"
        : HasCondition(job, "SuccessCriteriaMet") ? "SuccessCriteriaMet"
        : "Running";

    private static string JobCompletions(JsonElement job)
    {
        long succeeded = job.Long("status", "succeeded") ?? 0;
        if (job.Long("spec", "completions") is { } completions)
        {
            return $"{succeeded}/{completions}";
        }

        long parallelism = job.Long("spec", "parallelism") ?? 1;
        return parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
    }

    private static string JobDuration(JsonElement job, DateTimeOffset now)
    {
        if (Json.ParseTime(job.Str("status", "startTime")) is not { } start)
        {
            return "";
        }

        return HumanDuration((Json.ParseTime(job.Str("status", "completionTime")) ?? now) - start);
    }

    /// <summary><c>formatHPAMetrics</c>: up to two metrics as <c>cpu: 35%/70%</c>, <c>&lt;unknown&gt;</c> before the first sample, then "+ N more...".</summary>
    private static string HpaTargets(JsonElement hpa)
    {
        var specs = hpa.At("spec", "metrics").Items().ToList();
        if (specs.Count == 0)
        {
            return "<none>";
        }

        var statuses = hpa.At("status", "currentMetrics").Items().ToList();
        var list = new List<string>();
        for (int i = 0; i < specs.Count; i++)
        {
            JsonElement spec = specs[i];
            JsonElement status = i < statuses.Count ? statuses[i] : default;
            string type = spec.Str("type") ?? "";
            string field = type switch
            {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                "External" => "external",
                _ => "",
            };
            JsonElement target = spec.At(field, "target");
            JsonElement current = status.IsObject() ? status.At(field, "current") : default;
            string Current(string property) => current.Str(property) ?? "<unknown>";
            if (type is "Resource" or "ContainerResource")
            {
                string resource = spec.Str(field, "name") ?? "";
                list.Add(target.Str("averageValue") is { } averageValue
                    ? $"{resource}: {Current("averageValue")}/{averageValue}"
                    : $"{resource}: {(current.Long("averageUtilization") is { } u ? u.ToString(CultureInfo.InvariantCulture) + "%" : "<unknown>")}/{(target.Long("averageUtilization") is { } t ? t.ToString(CultureInfo.InvariantCulture) + "%" : "<auto>")}");
            }
            else if (type is "Pods" or "Object" or "External")
            {
                list.Add(target.Str("averageValue") is { } averageValue
                    ? $"{Current("averageValue")}/{averageValue}{(type == "Pods" ? "" : " (avg)")}"
                    : $"{Current("value")}/{target.Str("value") ?? ""}");
            }
            else
            {
                list.Add("<unknown type>");
            }
        }

        return list.Count > 2 ? $"{string.Join(", ", list.Take(2))} + {list.Count - 2} more..." : string.Join(", ", list);
    }
}
