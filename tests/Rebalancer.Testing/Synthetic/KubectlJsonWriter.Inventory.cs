using System.Globalization;

namespace Rebalancer.Testing.Synthetic;

/// <summary>
/// The workload and housekeeping objects, in the order of <c>kubectl get …,deployments,replicasets,statefulsets,
/// daemonsets,jobs,cronjobs,hpa,pv,pvc,limitranges,resourcequotas</c>, each kind sorted as the API server lists it
/// (namespace, then name). The controllers' objects are the ones the pods' ownerReferences name (same uids), with the
/// status their pods give them. Every choice made here draws from its own generator (<c>_inventoryIds</c>), after the
/// pods were written, so the pods' bytes do not depend on it.
/// </summary>
internal sealed partial class KubectlJsonWriter
{
    private const string Provisioner = "ebs.csi.aws.com";

    private readonly Random _jobIds;
    private readonly Random _jobNoise;
    private readonly Random _inventoryIds;

    /// <summary>True while a pod template is written (no node, no admission-added fields).</summary>
    private bool _template;

    private int[] _ready = [];
    private int[] _podCount = [];

    private void WriteInventory()
    {
        _ready = new int[_m.Workloads.Count];
        _podCount = new int[_m.Workloads.Count];
        for (int i = 0; i < _m.PodCount; i++)
        {
            ref readonly PodSlot pod = ref _m.Pods[i];
            _podCount[pod.Workload]++;
            _ready[pod.Workload] += pod.State == PodState.Running ? 1 : 0;
        }

        int[] order = [.. Enumerable.Range(0, _m.Workloads.Count).OrderBy(w => _m.Namespaces[_m.Workloads[w].Namespace].Name, StringComparer.Ordinal)
            .ThenBy(w => _m.Workloads[w].Name, StringComparer.Ordinal)];
        string[] deploymentUids = new string[_m.Workloads.Count];
        foreach (int w in order.Where(w => _m.Workloads[w].Kind == WorkloadKind.Deployment))
        {
            deploymentUids[w] = RandomIds.Uid(_inventoryIds);
            WriteDeployment(_m.Workloads[w], w, deploymentUids[w]);
            MaybeFlush();
        }

        WriteReplicaSets(order, deploymentUids);
        foreach (int w in order.Where(w => _m.Workloads[w].Kind == WorkloadKind.StatefulSet))
        {
            WriteStatefulSet(_m.Workloads[w], w);
            MaybeFlush();
        }

        foreach (int w in order.Where(w => _m.Workloads[w].Kind == WorkloadKind.DaemonSet))
        {
            WriteDaemonSet(_m.Workloads[w], w);
        }

        InventorySpec inventory = _m.Inventory;
        foreach (CronJobSpec cron in inventory.CronJobs)
        {
            cron.Uid = RandomIds.Uid(_inventoryIds);
        }

        foreach (int w in order.Where(w => _m.Workloads[w].Kind == WorkloadKind.Job))
        {
            WriteJob(_m.Workloads[w], w);
        }

        foreach (CronJobSpec cron in inventory.CronJobs.OrderBy(c => _m.Namespaces[c.Namespace].Name, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal))
        {
            WriteCronJob(cron);
        }

        foreach (HpaSpec hpa in inventory.Hpas.OrderBy(h => _m.Namespaces[_m.Workloads[h.Workload].Namespace].Name, StringComparer.Ordinal)
            .ThenBy(h => _m.Workloads[h.Workload].Name, StringComparer.Ordinal))
        {
            WriteHpa(hpa);
        }

        List<Volume> volumes = Volumes();
        foreach (Volume v in volumes.OrderBy(v => v.VolumeName, StringComparer.Ordinal).Where(v => v.VolumeName.Length > 0))
        {
            WritePersistentVolume(v);
            MaybeFlush();
        }

        foreach (Volume v in volumes.Where(v => v.ClaimExists).OrderBy(v => _m.Namespaces[v.Namespace].Name, StringComparer.Ordinal).ThenBy(v => v.Claim, StringComparer.Ordinal))
        {
            WritePersistentVolumeClaim(v);
            MaybeFlush();
        }

        foreach (int ns in inventory.LimitRanges.OrderBy(n => _m.Namespaces[n].Name, StringComparer.Ordinal))
        {
            WriteLimitRange(ns);
        }

        foreach ((int ns, double headroom) in inventory.Quotas.OrderBy(q => _m.Namespaces[q.Namespace].Name, StringComparer.Ordinal))
        {
            WriteResourceQuota(ns, headroom);
        }
    }

    // ---------------------------------------------------------------- shared parts

    private void ObjectMetadata(string name, int ns, long created, string uid, int generation, List<(string Key, string Value)>? labels,
        List<(string Key, string Value)>? annotations, Action? owners = null)
    {
        _w.WriteStartObject("metadata"u8);
        if (annotations is { Count: > 0 })
        {
            Map("annotations"u8, annotations);
        }

        Time("creationTimestamp"u8, created);
        if (generation > 0)
        {
            _w.WriteNumber("generation"u8, generation);
        }

        if (labels is { Count: > 0 })
        {
            Map("labels"u8, labels);
        }

        _w.WriteString("name"u8, name);
        if (ns >= 0)
        {
            _w.WriteString("namespace"u8, _m.Namespaces[ns].Name);
        }

        owners?.Invoke();
        ResourceVersion();
        _w.WriteString("uid"u8, uid);
        _w.WriteEndObject();
    }

    private void OwnerReference(ReadOnlySpan<byte> apiVersion, string kind, string name, string uid)
    {
        _w.WriteStartArray("ownerReferences"u8);
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, apiVersion);
        _w.WriteBoolean("blockOwnerDeletion"u8, true);
        _w.WriteBoolean("controller"u8, true);
        _w.WriteString("kind"u8, kind);
        _w.WriteString("name"u8, name);
        _w.WriteString("uid"u8, uid);
        _w.WriteEndObject();
        _w.WriteEndArray();
    }

    /// <summary>The labels a workload's pod template carries (its pods' labels less what controllers add per pod).</summary>
    private List<(string Key, string Value)> TemplateLabels(WorkloadSpec w, bool withHash = false)
    {
        var labels = new List<(string Key, string Value)> { ("app.kubernetes.io/name", w.Name) };
        if (w.Kind is WorkloadKind.Deployment or WorkloadKind.StatefulSet)
        {
            labels.Add(("app.kubernetes.io/part-of", _m.Namespaces[w.Namespace].Name));
        }

        if (_real && w.Kind == WorkloadKind.Deployment)
        {
            labels.Add(("app.kubernetes.io/version", w.Version));
        }

        if (withHash)
        {
            labels.Add(("pod-template-hash", w.TemplateHash));
        }

        return labels;
    }

    private List<(string Key, string Value)> TemplateAnnotations(WorkloadSpec w)
    {
        var annotations = new List<(string Key, string Value)>();
        if (w.SafeToEvictFalse)
        {
            annotations.Add(("cluster-autoscaler.kubernetes.io/safe-to-evict", "false"));
        }

        if (w.DoNotDisrupt)
        {
            annotations.Add(("karpenter.sh/do-not-disrupt", "true"));
        }

        if (_real && (w.Flavor & 0x10) != 0 && !w.RunsToCompletion)
        {
            annotations.Add(("prometheus.io/scrape", "true"));
            annotations.Add(("prometheus.io/port", (w.Kind == WorkloadKind.DaemonSet ? 9100 : 8080).ToString(CultureInfo.InvariantCulture)));
        }

        if (_real && (w.Flavor & 0x60) == 0x60 && w.Kind == WorkloadKind.Deployment)
        {
            annotations.Add(("kubectl.kubernetes.io/restartedAt", FormatTimeString(_now - w.AgeSeconds)));
        }

        return annotations;
    }

    /// <summary><c>template: {metadata, spec}</c> with the pod spec the pods were written from, less what admission and the scheduler add.</summary>
    private void PodTemplate(WorkloadSpec w, List<(string Key, string Value)> labels)
    {
        _w.WriteStartObject("template"u8);
        _w.WriteStartObject("metadata"u8);
        List<(string Key, string Value)> annotations = TemplateAnnotations(w);
        if (annotations.Count > 0)
        {
            Map("annotations"u8, annotations);
        }

        _w.WriteNull("creationTimestamp"u8);
        Map("labels"u8, labels);
        _w.WriteEndObject();
        _template = true;
        try
        {
            WritePodSpec(w, default, null);
        }
        finally
        {
            _template = false;
        }

        _w.WriteEndObject();
    }

    private void MatchLabelsSelector(List<(string Key, string Value)> labels)
    {
        _w.WriteStartObject("selector"u8);
        Map("matchLabels"u8, labels);
        _w.WriteEndObject();
    }

    private void Condition(ReadOnlySpan<byte> type, bool status, long transition, string reason, string message, bool withUpdate = true)
    {
        _w.WriteStartObject();
        if (withUpdate)
        {
            Time("lastTransitionTime"u8, transition);
            Time("lastUpdateTime"u8, transition);
        }
        else
        {
            Time("lastTransitionTime"u8, transition);
        }

        _w.WriteString("message"u8, message);
        _w.WriteString("reason"u8, reason);
        _w.WriteString("status"u8, status ? "True"u8 : "False"u8);
        _w.WriteString("type"u8, type);
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- apps/v1

    private void WriteDeployment(WorkloadSpec w, int index, string uid)
    {
        long created = _now - w.AgeSeconds - (86_400L * (1 + (w.Flavor & 31)));
        int revision = 1 + w.OldRevisions;
        var labels = new List<(string, string)> { ("app.kubernetes.io/name", w.Name), ("app.kubernetes.io/part-of", _m.Namespaces[w.Namespace].Name) };
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "apps/v1"u8);
        _w.WriteString("kind"u8, "Deployment"u8);
        ObjectMetadata(w.Name, w.Namespace, created, uid, revision, labels, [("deployment.kubernetes.io/revision", revision.ToString(CultureInfo.InvariantCulture))]);
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("progressDeadlineSeconds"u8, 600);
        _w.WriteNumber("replicas"u8, w.Replicas);
        _w.WriteNumber("revisionHistoryLimit"u8, 10);
        MatchLabelsSelector([("app.kubernetes.io/name", w.Name)]);
        _w.WriteStartObject("strategy"u8);
        _w.WriteStartObject("rollingUpdate"u8);
        _w.WriteString("maxSurge"u8, "25%"u8);
        _w.WriteString("maxUnavailable"u8, "25%"u8);
        _w.WriteEndObject();
        _w.WriteString("type"u8, "RollingUpdate"u8);
        _w.WriteEndObject();
        PodTemplate(w, TemplateLabels(w));
        _w.WriteEndObject();

        int ready = _ready[index];
        _w.WriteStartObject("status"u8);
        if (ready > 0)
        {
            _w.WriteNumber("availableReplicas"u8, ready);
        }

        _w.WriteStartArray("conditions"u8);
        bool available = ready >= Math.Max(1, w.Replicas - (int)Math.Ceiling(w.Replicas * 0.25));
        Condition("Available"u8, available, _now - w.AgeSeconds + 60, available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.");
        Condition("Progressing"u8, true, created + 30, "NewReplicaSetAvailable", $"ReplicaSet \"{w.OwnerName}\" has successfully progressed.");
        _w.WriteEndArray();
        _w.WriteNumber("observedGeneration"u8, revision);
        if (ready > 0)
        {
            _w.WriteNumber("readyReplicas"u8, ready);
        }

        _w.WriteNumber("replicas"u8, _podCount[index]);
        if (_podCount[index] > ready)
        {
            _w.WriteNumber("unavailableReplicas"u8, _podCount[index] - ready);
        }

        _w.WriteNumber("updatedReplicas"u8, _podCount[index]);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    /// <summary>Each Deployment's current ReplicaSet (the pods' owner) and its older revisions, scaled to zero, in name order.</summary>
    private void WriteReplicaSets(int[] order, string[] deploymentUids)
    {
        var sets = new List<(int Workload, string Name, string Uid, int Revision)>();
        foreach (int w in order.Where(w => _m.Workloads[w].Kind == WorkloadKind.Deployment))
        {
            WorkloadSpec spec = _m.Workloads[w];
            for (int r = 0; r < spec.OldRevisions; r++)
            {
                sets.Add((w, spec.Name + "-" + RandomIds.Suffix(_inventoryIds, 10), RandomIds.Uid(_inventoryIds), r + 1));
            }

            sets.Add((w, spec.OwnerName, spec.OwnerUid, spec.OldRevisions + 1));
        }

        foreach ((int w, string name, string uid, int revision) in sets.OrderBy(s => _m.Namespaces[_m.Workloads[s.Workload].Namespace].Name, StringComparer.Ordinal)
            .ThenBy(s => s.Name, StringComparer.Ordinal))
        {
            WriteReplicaSet(_m.Workloads[w], w, name, uid, revision, deploymentUids[w]);
            MaybeFlush();
        }
    }

    private void WriteReplicaSet(WorkloadSpec w, int index, string name, string uid, int revision, string deploymentUid)
    {
        bool current = name == w.OwnerName;
        string hash = name[(w.Name.Length + 1)..];
        long created = _now - w.AgeSeconds - (current ? 0 : 86_400L * (w.OldRevisions - revision + 2));
        int replicas = current ? w.Replicas : 0;
        List<(string Key, string Value)> labels = TemplateLabels(w);
        labels.RemoveAll(l => l.Key == "app.kubernetes.io/version");
        labels.Add(("pod-template-hash", hash));
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "apps/v1"u8);
        _w.WriteString("kind"u8, "ReplicaSet"u8);
        ObjectMetadata(name, w.Namespace, created, uid, current ? 1 : 2, [.. labels],
            [
                ("deployment.kubernetes.io/desired-replicas", w.Replicas.ToString(CultureInfo.InvariantCulture)),
                ("deployment.kubernetes.io/max-replicas", (w.Replicas + (int)Math.Ceiling(w.Replicas * 0.25)).ToString(CultureInfo.InvariantCulture)),
                ("deployment.kubernetes.io/revision", revision.ToString(CultureInfo.InvariantCulture)),
            ],
            () => OwnerReference("apps/v1"u8, "Deployment", w.Name, deploymentUid));
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("replicas"u8, replicas);
        MatchLabelsSelector([("app.kubernetes.io/name", w.Name), ("pod-template-hash", hash)]);
        PodTemplate(w, labels);
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        int ready = current ? _ready[index] : 0;
        if (ready > 0)
        {
            _w.WriteNumber("availableReplicas"u8, ready);
        }

        _w.WriteNumber("fullyLabeledReplicas"u8, current ? _podCount[index] : 0);
        _w.WriteNumber("observedGeneration"u8, current ? 1 : 2);
        if (ready > 0)
        {
            _w.WriteNumber("readyReplicas"u8, ready);
        }

        _w.WriteNumber("replicas"u8, current ? _podCount[index] : 0);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WriteStatefulSet(WorkloadSpec w, int index)
    {
        long created = _now - w.AgeSeconds - 86_400;
        string revision = w.Name + "-" + w.TemplateHash[..9];
        List<(string Key, string Value)> labels = TemplateLabels(w);
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "apps/v1"u8);
        _w.WriteString("kind"u8, "StatefulSet"u8);
        ObjectMetadata(w.Name, w.Namespace, created, w.OwnerUid, 1, [("app.kubernetes.io/name", w.Name)], null);
        _w.WriteStartObject("spec"u8);
        _w.WriteStartObject("persistentVolumeClaimRetentionPolicy"u8);
        _w.WriteString("whenDeleted"u8, "Retain"u8);
        _w.WriteString("whenScaled"u8, "Retain"u8);
        _w.WriteEndObject();
        _w.WriteString("podManagementPolicy"u8, "OrderedReady"u8);
        _w.WriteNumber("replicas"u8, w.Replicas);
        _w.WriteNumber("revisionHistoryLimit"u8, 10);
        MatchLabelsSelector([("app.kubernetes.io/name", w.Name)]);
        _w.WriteString("serviceName"u8, F($"{w.Name}-headless"));
        PodTemplate(w, labels);
        _w.WriteStartObject("updateStrategy"u8);
        _w.WriteStartObject("rollingUpdate"u8);
        _w.WriteNumber("partition"u8, 0);
        _w.WriteEndObject();
        _w.WriteString("type"u8, "RollingUpdate"u8);
        _w.WriteEndObject();
        if (w.Pvc)
        {
            _w.WriteStartArray("volumeClaimTemplates"u8);
            _w.WriteStartObject();
            _w.WriteString("apiVersion"u8, "v1"u8);
            _w.WriteString("kind"u8, "PersistentVolumeClaim"u8);
            _w.WriteStartObject("metadata"u8);
            _w.WriteNull("creationTimestamp"u8);
            _w.WriteString("name"u8, "data"u8);
            _w.WriteEndObject();
            ClaimSpec(w.StorageGi, null);
            _w.WriteStartObject("status"u8);
            _w.WriteString("phase"u8, "Pending"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteEndArray();
        }

        _w.WriteEndObject();
        int ready = _ready[index];
        _w.WriteStartObject("status"u8);
        _w.WriteNumber("availableReplicas"u8, ready);
        _w.WriteNumber("collisionCount"u8, 0);
        _w.WriteNumber("currentReplicas"u8, _podCount[index]);
        _w.WriteString("currentRevision"u8, revision);
        _w.WriteNumber("observedGeneration"u8, 1);
        _w.WriteNumber("readyReplicas"u8, ready);
        _w.WriteNumber("replicas"u8, _podCount[index]);
        _w.WriteString("updateRevision"u8, revision);
        _w.WriteNumber("updatedReplicas"u8, _podCount[index]);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WriteDaemonSet(WorkloadSpec w, int index)
    {
        long created = _now - w.AgeSeconds - 86_400;
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "apps/v1"u8);
        _w.WriteString("kind"u8, "DaemonSet"u8);
        ObjectMetadata(w.Name, w.Namespace, created, w.OwnerUid, 1, [("app.kubernetes.io/name", w.Name)], [("deprecated.daemonset.template.generation", "1")]);
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("revisionHistoryLimit"u8, 10);
        MatchLabelsSelector([("app.kubernetes.io/name", w.Name)]);
        PodTemplate(w, TemplateLabels(w));
        _w.WriteStartObject("updateStrategy"u8);
        _w.WriteStartObject("rollingUpdate"u8);
        _w.WriteNumber("maxSurge"u8, 0);
        _w.WriteString("maxUnavailable"u8, "10%"u8);
        _w.WriteEndObject();
        _w.WriteString("type"u8, "RollingUpdate"u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
        int scheduled = _podCount[index];
        _w.WriteStartObject("status"u8);
        _w.WriteNumber("currentNumberScheduled"u8, scheduled);
        _w.WriteNumber("desiredNumberScheduled"u8, _m.Nodes.Count);
        _w.WriteNumber("numberAvailable"u8, _ready[index]);
        _w.WriteNumber("numberMisscheduled"u8, 0);
        _w.WriteNumber("numberReady"u8, _ready[index]);
        if (_ready[index] < _m.Nodes.Count)
        {
            _w.WriteNumber("numberUnavailable"u8, _m.Nodes.Count - _ready[index]);
        }

        _w.WriteNumber("observedGeneration"u8, 1);
        _w.WriteNumber("updatedNumberScheduled"u8, scheduled);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- batch/v1

    private void JobLabels(WorkloadSpec w)
    {
        _kv.Add(("batch.kubernetes.io/controller-uid", w.OwnerUid));
        _kv.Add(("batch.kubernetes.io/job-name", w.Name));
        _kv.Add(("controller-uid", w.OwnerUid));
        _kv.Add(("job-name", w.Name));
    }

    private void WriteJob(WorkloadSpec w, int index)
    {
        long created = _now - w.AgeSeconds;
        long started = created + 1;
        long finished = started + w.RunSeconds;
        bool failed = w.BareState == PodState.Failed;
        _kv.Clear();
        JobLabels(w);
        List<(string Key, string Value)> labels = [.. _kv];
        CronJobSpec? cron = w.CronJob is null ? null : _m.Inventory.CronJobs.Single(c => c.Name == w.CronJob && c.Namespace == w.Namespace);
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "batch/v1"u8);
        _w.WriteString("kind"u8, "Job"u8);
        ObjectMetadata(w.Name, w.Namespace, created, w.OwnerUid, 1, labels, [("batch.kubernetes.io/job-tracking", "")],
            cron is null ? null : () => OwnerReference("batch/v1"u8, "CronJob", cron.Name, cron.Uid));
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("backoffLimit"u8, 6);
        _w.WriteString("completionMode"u8, "NonIndexed"u8);
        _w.WriteNumber("completions"u8, 1);
        _w.WriteBoolean("manualSelector"u8, false);
        _w.WriteNumber("parallelism"u8, 1);
        _w.WriteString("podReplacementPolicy"u8, "TerminatingOrFailed"u8);
        MatchLabelsSelector([("batch.kubernetes.io/controller-uid", w.OwnerUid)]);
        _w.WriteBoolean("suspend"u8, false);
        PodTemplate(w, labels);
        if (w.TtlSecondsAfterFinished is { } ttl)
        {
            _w.WriteNumber("ttlSecondsAfterFinished"u8, ttl);
        }

        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        if (!failed)
        {
            Time("completionTime"u8, finished);
        }

        _w.WriteStartArray("conditions"u8);
        if (failed)
        {
            Condition("FailureTarget"u8, true, finished, "BackoffLimitExceeded", "Job has reached the specified backoff limit", withUpdate: false);
            Condition("Failed"u8, true, finished, "BackoffLimitExceeded", "Job has reached the specified backoff limit", withUpdate: false);
        }
        else
        {
            Condition("SuccessCriteriaMet"u8, true, finished, "CompletionsReached", "Reached expected number of succeeded pods", withUpdate: false);
            Condition("Complete"u8, true, finished, "CompletionsReached", "Reached expected number of succeeded pods", withUpdate: false);
        }

        _w.WriteEndArray();
        if (failed)
        {
            _w.WriteNumber("failed"u8, _podCount[index]);
        }

        _w.WriteNumber("ready"u8, 0);
        Time("startTime"u8, started);
        if (!failed)
        {
            _w.WriteNumber("succeeded"u8, _podCount[index]);
        }

        _w.WriteNumber("terminating"u8, 0);
        Empty("uncountedTerminatedPods"u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WriteCronJob(CronJobSpec cron)
    {
        long created = _now - cron.AgeSeconds;
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "batch/v1"u8);
        _w.WriteString("kind"u8, "CronJob"u8);
        ObjectMetadata(cron.Name, cron.Namespace, created, cron.Uid, 1, [("app.kubernetes.io/name", cron.Name)], null);
        _w.WriteStartObject("spec"u8);
        _w.WriteString("concurrencyPolicy"u8, "Forbid"u8);
        _w.WriteNumber("failedJobsHistoryLimit"u8, 1);
        _w.WriteStartObject("jobTemplate"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteNull("creationTimestamp"u8);
        _w.WriteEndObject();
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("backoffLimit"u8, 2);
        _w.WriteStartObject("template"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteNull("creationTimestamp"u8);
        _w.WriteStartObject("labels"u8);
        _w.WriteString("app.kubernetes.io/name"u8, cron.Name);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteStartObject("spec"u8);
        _w.WriteStartArray("containers"u8);
        _w.WriteStartObject();
        _w.WriteString("image"u8, cron.Container.Image);
        _w.WriteString("imagePullPolicy"u8, "IfNotPresent"u8);
        _w.WriteString("name"u8, cron.Container.Name);
        _w.WriteStartObject("resources"u8);
        if (cron.Container.MemoryLimitBytes > 0)
        {
            _w.WriteStartObject("limits"u8);
            Bytes("memory"u8, cron.Container.MemoryLimitBytes);
            _w.WriteEndObject();
        }

        _w.WriteStartObject("requests"u8);
        Cpu("cpu"u8, cron.Container.CpuMilli);
        Bytes("memory"u8, cron.Container.MemoryBytes);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("terminationMessagePath"u8, "/dev/termination-log"u8);
        _w.WriteString("terminationMessagePolicy"u8, "File"u8);
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteString("dnsPolicy"u8, "ClusterFirst"u8);
        _w.WriteString("restartPolicy"u8, "OnFailure"u8);
        _w.WriteString("schedulerName"u8, "default-scheduler"u8);
        Empty("securityContext"u8);
        _w.WriteNumber("terminationGracePeriodSeconds"u8, 30);
        _w.WriteEndObject();
        _w.WriteEndObject();
        if (cron.JobTtlSecondsAfterFinished is { } ttl)
        {
            _w.WriteNumber("ttlSecondsAfterFinished"u8, ttl);
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("schedule"u8, cron.Schedule);
        _w.WriteNumber("successfulJobsHistoryLimit"u8, cron.SuccessfulJobsHistoryLimit ?? 3);
        _w.WriteBoolean("suspend"u8, cron.Suspend);
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        if (cron.LastScheduleAgo is { } ago)
        {
            Time("lastScheduleTime"u8, _now - ago);
            Time("lastSuccessfulTime"u8, _now - ago + 90);
        }

        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- autoscaling/v2

    private void WriteHpa(HpaSpec hpa)
    {
        WorkloadSpec w = _m.Workloads[hpa.Workload];
        long created = _now - w.AgeSeconds - 3_600;
        int current = Math.Max(5, hpa.CpuUtilization - 30 + _inventoryIds.Next(45));
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "autoscaling/v2"u8);
        _w.WriteString("kind"u8, "HorizontalPodAutoscaler"u8);
        ObjectMetadata(w.Name, w.Namespace, created, RandomIds.Uid(_inventoryIds), 0, [("app.kubernetes.io/name", w.Name)], null);
        _w.WriteStartObject("spec"u8);
        _w.WriteNumber("maxReplicas"u8, hpa.MaxReplicas);
        _w.WriteStartArray("metrics"u8);
        _w.WriteStartObject();
        if (hpa.Container is { } container)
        {
            _w.WriteStartObject("containerResource"u8);
            _w.WriteString("container"u8, container);
        }
        else
        {
            _w.WriteStartObject("resource"u8);
        }

        _w.WriteString("name"u8, "cpu"u8);
        _w.WriteStartObject("target"u8);
        _w.WriteNumber("averageUtilization"u8, hpa.CpuUtilization);
        _w.WriteString("type"u8, "Utilization"u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("type"u8, hpa.Container is null ? "Resource"u8 : "ContainerResource"u8);
        _w.WriteEndObject();
        if (hpa.MemoryAverageBytes > 0)
        {
            _w.WriteStartObject();
            _w.WriteStartObject("resource"u8);
            _w.WriteString("name"u8, "memory"u8);
            _w.WriteStartObject("target"u8);
            Bytes("averageValue"u8, hpa.MemoryAverageBytes);
            _w.WriteString("type"u8, "AverageValue"u8);
            _w.WriteEndObject();
            _w.WriteEndObject();
            _w.WriteString("type"u8, "Resource"u8);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        _w.WriteNumber("minReplicas"u8, hpa.MinReplicas);
        _w.WriteStartObject("scaleTargetRef"u8);
        _w.WriteString("apiVersion"u8, "apps/v1"u8);
        _w.WriteString("kind"u8, w.Kind == WorkloadKind.StatefulSet ? "StatefulSet"u8 : "Deployment"u8);
        _w.WriteString("name"u8, w.Name);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        _w.WriteStartArray("conditions"u8);
        Condition("AbleToScale"u8, true, created + 15, "ReadyForNewScale", "recommended size matches current size", withUpdate: false);
        Condition("ScalingActive"u8, true, created + 15, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", withUpdate: false);
        bool limited = w.Replicas <= hpa.MinReplicas;
        Condition("ScalingLimited"u8, limited, created + 15, limited ? "TooFewReplicas" : "DesiredWithinRange",
            limited ? "the desired replica count is less than the minimum replica count" : "the desired count is within the acceptable range", withUpdate: false);
        _w.WriteEndArray();
        _w.WriteStartArray("currentMetrics"u8);
        _w.WriteStartObject();
        _w.WriteStartObject(hpa.Container is null ? "resource"u8 : "containerResource"u8);
        if (hpa.Container is { } c)
        {
            _w.WriteString("container"u8, c);
        }

        _w.WriteStartObject("current"u8);
        _w.WriteNumber("averageUtilization"u8, current);
        Cpu("averageValue"u8, w.Requests[Dim.Cpu] * current / 100);
        _w.WriteEndObject();
        _w.WriteString("name"u8, "cpu"u8);
        _w.WriteEndObject();
        _w.WriteString("type"u8, hpa.Container is null ? "Resource"u8 : "ContainerResource"u8);
        _w.WriteEndObject();
        if (hpa.MemoryAverageBytes > 0)
        {
            _w.WriteStartObject();
            _w.WriteStartObject("resource"u8);
            _w.WriteStartObject("current"u8);
            Bytes("averageValue"u8, hpa.MemoryAverageBytes / 4 * (1 + _inventoryIds.Next(3)));
            _w.WriteEndObject();
            _w.WriteString("name"u8, "memory"u8);
            _w.WriteEndObject();
            _w.WriteString("type"u8, "Resource"u8);
            _w.WriteEndObject();
        }

        _w.WriteEndArray();
        _w.WriteNumber("currentReplicas"u8, w.Replicas);
        _w.WriteNumber("desiredReplicas"u8, w.Replicas);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- v1 storage

    /// <summary>A claim and its volume (either may be missing: a claim still Pending, a volume whose claim was deleted).</summary>
    private sealed record Volume(int Namespace, string Claim, string ClaimUid, string VolumeName, int SizeGi, bool ClaimExists, string Phase,
        long PhaseSince, string ReclaimPolicy, long Created, int Node, string App);

    /// <summary>The claims of the StatefulSets' pods (<c>data-&lt;pod&gt;</c>, dynamically provisioned) and the extra ones.</summary>
    private List<Volume> Volumes()
    {
        var volumes = new List<Volume>();
        foreach (int p in _m.PodOrder)
        {
            ref readonly PodSlot pod = ref _m.Pods[p];
            WorkloadSpec w = _m.Workloads[pod.Workload];
            if (!w.Pvc)
            {
                continue;
            }

            string uid = RandomIds.Uid(_inventoryIds);
            long created = _now - Math.Max(pod.AgeSeconds, w.AgeSeconds);
            volumes.Add(new Volume(w.Namespace, "data-" + pod.Name, uid, "pvc-" + uid, w.StorageGi, true, "Bound", created + 5, "Delete", created, pod.Node, w.Name));
        }

        foreach (ExtraVolumeSpec extra in _m.Inventory.Volumes)
        {
            string uid = RandomIds.Uid(_inventoryIds);
            long phaseSince = _now - extra.PhaseAgeSeconds;
            volumes.Add(new Volume(extra.Namespace, extra.Claim, uid, "pvc-" + uid, extra.SizeGi, extra.ClaimExists, extra.PhaseOfVolume, phaseSince,
                extra.ReclaimPolicy, phaseSince - (30 * 86_400), -1, extra.Claim));
        }

        return volumes;
    }

    private void ClaimSpec(int sizeGi, string? volumeName)
    {
        _w.WriteStartObject("spec"u8);
        _w.WriteStartArray("accessModes"u8);
        _w.WriteStringValue("ReadWriteOnce"u8);
        _w.WriteEndArray();
        _w.WriteStartObject("resources"u8);
        _w.WriteStartObject("requests"u8);
        Bytes("storage"u8, sizeGi * Catalog.Gi);
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("storageClassName"u8, "gp3"u8);
        _w.WriteString("volumeMode"u8, "Filesystem"u8);
        if (volumeName is not null)
        {
            _w.WriteString("volumeName"u8, volumeName);
        }

        _w.WriteEndObject();
    }

    private void WritePersistentVolume(Volume v)
    {
        string zone = v.Node >= 0 ? _m.ZoneNames[_m.Nodes[v.Node].Zone] : _m.ZoneNames[0];
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "PersistentVolume"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteStartObject("annotations"u8);
        _w.WriteString("pv.kubernetes.io/provisioned-by"u8, Provisioner);
        _w.WriteString("volume.kubernetes.io/provisioner-deletion-secret-name"u8, ""u8);
        _w.WriteString("volume.kubernetes.io/provisioner-deletion-secret-namespace"u8, ""u8);
        _w.WriteEndObject();
        Time("creationTimestamp"u8, v.Created + 2);
        _w.WriteStartArray("finalizers"u8);
        _w.WriteStringValue("external-provisioner.volume.kubernetes.io/finalizer"u8);
        _w.WriteStringValue("kubernetes.io/pv-protection"u8);
        _w.WriteEndArray();
        _w.WriteString("name"u8, v.VolumeName);
        ResourceVersion();
        _w.WriteString("uid"u8, RandomIds.Uid(_inventoryIds));
        _w.WriteEndObject();
        _w.WriteStartObject("spec"u8);
        _w.WriteStartArray("accessModes"u8);
        _w.WriteStringValue("ReadWriteOnce"u8);
        _w.WriteEndArray();
        _w.WriteStartObject("capacity"u8);
        Bytes("storage"u8, v.SizeGi * Catalog.Gi);
        _w.WriteEndObject();
        _w.WriteStartObject("claimRef"u8);
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "PersistentVolumeClaim"u8);
        _w.WriteString("name"u8, v.Claim);
        _w.WriteString("namespace"u8, _m.Namespaces[v.Namespace].Name);
        _w.WriteString("resourceVersion"u8, F($"{_rv - 17}"));
        _w.WriteString("uid"u8, v.ClaimUid);
        _w.WriteEndObject();
        _w.WriteStartObject("csi"u8);
        _w.WriteString("driver"u8, Provisioner);
        _w.WriteString("fsType"u8, "ext4"u8);
        _w.WriteStartObject("volumeAttributes"u8);
        _w.WriteString("storage.kubernetes.io/csiProvisionerIdentity"u8, "1717000000000-8081-ebs.csi.aws.com"u8);
        _w.WriteEndObject();
        _w.WriteString("volumeHandle"u8, "vol-0" + RandomIds.HexString(_inventoryIds, 16));
        _w.WriteEndObject();
        _w.WriteStartObject("nodeAffinity"u8);
        _w.WriteStartObject("required"u8);
        _w.WriteStartArray("nodeSelectorTerms"u8);
        _w.WriteStartObject();
        _w.WriteStartArray("matchExpressions"u8);
        _w.WriteStartObject();
        _w.WriteString("key"u8, "topology.kubernetes.io/zone"u8);
        _w.WriteString("operator"u8, "In"u8);
        _w.WriteStartArray("values"u8);
        _w.WriteStringValue(zone);
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.WriteString("persistentVolumeReclaimPolicy"u8, v.ReclaimPolicy);
        _w.WriteString("storageClassName"u8, "gp3"u8);
        _w.WriteString("volumeMode"u8, "Filesystem"u8);
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        Time("lastPhaseTransitionTime"u8, v.PhaseSince);
        _w.WriteString("phase"u8, v.Phase);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void WritePersistentVolumeClaim(Volume v)
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "PersistentVolumeClaim"u8);
        _w.WriteStartObject("metadata"u8);
        _w.WriteStartObject("annotations"u8);
        _w.WriteString("pv.kubernetes.io/bind-completed"u8, "yes"u8);
        _w.WriteString("pv.kubernetes.io/bound-by-controller"u8, "yes"u8);
        _w.WriteString("volume.beta.kubernetes.io/storage-provisioner"u8, Provisioner);
        if (v.Node >= 0)
        {
            _w.WriteString("volume.kubernetes.io/selected-node"u8, _m.Nodes[v.Node].Name);
        }

        _w.WriteString("volume.kubernetes.io/storage-provisioner"u8, Provisioner);
        _w.WriteEndObject();
        Time("creationTimestamp"u8, v.Created);
        _w.WriteStartArray("finalizers"u8);
        _w.WriteStringValue("kubernetes.io/pvc-protection"u8);
        _w.WriteEndArray();
        _w.WriteStartObject("labels"u8);
        _w.WriteString("app.kubernetes.io/name"u8, v.App);
        _w.WriteEndObject();
        _w.WriteString("name"u8, v.Claim);
        _w.WriteString("namespace"u8, _m.Namespaces[v.Namespace].Name);
        ResourceVersion();
        _w.WriteString("uid"u8, v.ClaimUid);
        _w.WriteEndObject();
        ClaimSpec(v.SizeGi, v.VolumeName);
        _w.WriteStartObject("status"u8);
        _w.WriteStartArray("accessModes"u8);
        _w.WriteStringValue("ReadWriteOnce"u8);
        _w.WriteEndArray();
        _w.WriteStartObject("capacity"u8);
        Bytes("storage"u8, v.SizeGi * Catalog.Gi);
        _w.WriteEndObject();
        _w.WriteString("phase"u8, "Bound"u8);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    // ---------------------------------------------------------------- LimitRange, ResourceQuota

    private void WriteLimitRange(int ns)
    {
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "LimitRange"u8);
        ObjectMetadata("defaults", ns, _now - _m.Namespaces[ns].AgeSeconds + 600, RandomIds.Uid(_inventoryIds), 0, null, null);
        _w.WriteStartObject("spec"u8);
        _w.WriteStartArray("limits"u8);
        _w.WriteStartObject();
        _w.WriteStartObject("default"u8);
        Cpu("cpu"u8, 500);
        Bytes("memory"u8, 512 * Catalog.Mi);
        _w.WriteEndObject();
        _w.WriteStartObject("defaultRequest"u8);
        Cpu("cpu"u8, 100);
        Bytes("memory"u8, 128 * Catalog.Mi);
        _w.WriteEndObject();
        _w.WriteStartObject("max"u8);
        Cpu("cpu"u8, 16_000);
        Bytes("memory"u8, 64 * Catalog.Gi);
        _w.WriteEndObject();
        _w.WriteString("type"u8, "Container"u8);
        _w.WriteEndObject();
        _w.WriteEndArray();
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    /// <summary>A quota whose <c>used</c> is what the namespace's running pods request (the quota controller's count).</summary>
    private void WriteResourceQuota(int ns, double headroom)
    {
        long cpu = 0;
        long memory = 0;
        long memoryLimits = 0;
        int pods = 0;
        for (int i = 0; i < _m.PodCount; i++)
        {
            ref readonly PodSlot pod = ref _m.Pods[i];
            WorkloadSpec w = _m.Workloads[pod.Workload];
            if (w.Namespace != ns || pod.State is PodState.Succeeded or PodState.Failed)
            {
                continue;
            }

            pods++;
            cpu += w.Requests[Dim.Cpu];
            memory += w.Requests[Dim.Memory];
            memoryLimits += w.Containers.Where(c => c.Role != ContainerRole.Init).Sum(c => Math.Max(c.MemoryLimitBytes, c.MemoryBytes));
        }

        long hardCpu = RoundUp((long)(cpu * headroom), 1000);
        long hardMemory = RoundUp((long)(memory * headroom), Catalog.Gi);
        long hardLimits = RoundUp((long)(memoryLimits * headroom), Catalog.Gi);
        long hardPods = RoundUp((long)(pods * headroom), 10);
        _w.WriteStartObject();
        _w.WriteString("apiVersion"u8, "v1"u8);
        _w.WriteString("kind"u8, "ResourceQuota"u8);
        ObjectMetadata("compute", ns, _now - _m.Namespaces[ns].AgeSeconds + 600, RandomIds.Uid(_inventoryIds), 0, null, null);
        _w.WriteStartObject("spec"u8);
        QuotaList("hard"u8, hardCpu, hardMemory, hardLimits, hardPods);
        _w.WriteEndObject();
        _w.WriteStartObject("status"u8);
        QuotaList("hard"u8, hardCpu, hardMemory, hardLimits, hardPods);
        QuotaList("used"u8, cpu, memory, memoryLimits, pods);
        _w.WriteEndObject();
        _w.WriteEndObject();
    }

    private void QuotaList(ReadOnlySpan<byte> name, long cpu, long memory, long memoryLimits, long pods)
    {
        _w.WriteStartObject(name);
        Bytes("limits.memory"u8, memoryLimits);
        Quantity("pods"u8, pods, default);
        Cpu("requests.cpu"u8, cpu);
        Bytes("requests.memory"u8, memory);
        _w.WriteEndObject();
    }

    private static long RoundUp(long value, long unit) => Math.Max(unit, (value + unit - 1) / unit * unit);
}
