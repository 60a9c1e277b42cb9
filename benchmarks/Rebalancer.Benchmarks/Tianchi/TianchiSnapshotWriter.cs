using System.Globalization;
using System.Text.Json;

namespace Rebalancer.Benchmarks.Tianchi;

/// <summary>What the conversion produced and what it had to leave out or approximate.</summary>
internal sealed record TianchiConversion(
    int Nodes,
    int PlacedPods,
    int PendingPods,
    int Apps,
    int AntiAffinityRules,
    int SelfAntiAffinityRules,
    int SpreadCapRules,
    int DroppedCrossAppCaps,
    int RulesOnAbsentApps,
    int AppsWithAntiAffinity,
    int NodesOverCpu,
    int NodesOverMemory,
    int UsageAt);

/// <summary>
/// Writes <see cref="TianchiData"/> as a kubectl-shaped snapshot (a <c>v1</c> <c>List</c> of Nodes, Pods and the
/// Namespace, then a NodeMetricsList and a PodMetricsList), the format of <c>samples/demo-cluster.json</c>.
/// <para>
/// The synthetic generator's <c>KubectlJsonWriter</c> is not reused: it writes a <c>ClusterModel</c> (node pools,
/// workloads with self anti-affinity only, realism noise) that cannot carry per-app node shapes, cross-app
/// anti-affinity or per-node caps; this writer emits only what the data set has, with the same key order rules.
/// </para>
/// Mapping (see docs/benchmarks.md, "Tianchi 2018 data set B"):
/// <list type="bullet">
/// <item>machine → Node: allocatable = capacity = cores, GB (Gi), disk GB (<c>ephemeral-storage</c> Gi), P/M/PM as the
/// extended resources <c>tianchi.aliyun.com/p|m|pm</c>, <c>pods: 110</c> (the data set has no pod limit; the fullest
/// machine runs 37).</item>
/// <item>app → ReplicaSet owner <c>app-N</c>; instance → Pod <c>inst-N</c> in namespace <c>tianchi</c>, label
/// <c>app: app-N</c>; requests = the peak of the cpu curve (rounded up to a millicore) and of the memory curve (rounded
/// up to a MiB), disk and P/M/PM as they are; unplaced instances are Pending pods.</item>
/// <item>&lt;A,B,0&gt; (A≠B) and &lt;A,A,0&gt; → required pod anti-affinity of A's pods on <c>kubernetes.io/hostname</c>
/// selecting <c>app in (B…)</c> (the scheduler checks it both ways, so one direction suffices); &lt;A,A,k&gt; with k ≥ 1
/// → a <c>topologySpreadConstraint</c> with <c>maxSkew: k+1</c> on hostname, <c>DoNotSchedule</c>: with 6,000 nodes and at
/// most 610 instances some node always has none, so the constraint caps a node at exactly k+1 (the judge's rule);
/// &lt;A,B,k&gt; with A≠B and k ≥ 1 has no Kubernetes equivalent (a cap on B that applies only where A runs) and is
/// dropped (counted; <c>tianchi-check</c> checks a plan against it).</item>
/// <item>usage at one time point (<c>--usage-at</c>, default 0) → PodMetrics/NodeMetrics.</item>
/// </list>
/// </summary>
internal static class TianchiSnapshotWriter
{
    public const string Namespace = "tianchi";
    public const int MaxPodsPerNode = 110;
    private const string Created = "2018-07-26T00:00:00Z";

    public static TianchiConversion Write(TianchiData data, Stream output, int usageAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(usageAt);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(usageAt, TianchiData.TimePoints);

        var present = new HashSet<string>(data.Instances.Select(i => i.App), StringComparer.Ordinal);
        var antiAffinity = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var selfCap = new Dictionary<string, int>(StringComparer.Ordinal);
        int cross = 0, self = 0, spread = 0, dropped = 0, absent = 0;
        foreach (TianchiRule rule in data.Rules)
        {
            // A rule about an app without instances constrains nothing; leaving it out keeps the pod specs small.
            if (!present.Contains(rule.A) || !present.Contains(rule.B))
            {
                absent++;
                continue;
            }

            if (rule.K == 0)
            {
                if (!antiAffinity.TryGetValue(rule.A, out SortedSet<string>? targets))
                {
                    antiAffinity[rule.A] = targets = new SortedSet<string>(StringComparer.Ordinal);
                }

                targets.Add(TianchiData.KubeName(rule.B));
                if (rule.A == rule.B)
                {
                    self++;
                }
                else
                {
                    cross++;
                }
            }
            else if (rule.A == rule.B)
            {
                // The official judge allows k+1 instances of the same app on one machine.
                selfCap[rule.A] = selfCap.TryGetValue(rule.A, out int k) ? Math.Min(k, rule.K) : rule.K;
                spread++;
            }
            else
            {
                dropped++;
            }
        }

        // A self anti-affinity (at most 1) is stricter than any cap k+1 >= 2 from another rule for the same app.
        foreach ((string app, SortedSet<string> targets) in antiAffinity)
        {
            if (targets.Contains(TianchiData.KubeName(app)))
            {
                selfCap.Remove(app);
            }
        }

        var machineIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int m = 0; m < data.Machines.Count; m++)
        {
            machineIndex.Add(data.Machines[m].Id, m);
        }

        // Sums of the requests (peaks) per machine: the data set only guarantees the sum of the curves fits at every
        // time point, so the sum of peaks may exceed a machine; those machines are counted in the summary.
        double[] cpuPeaks = new double[data.Machines.Count];
        double[] memPeaks = new double[data.Machines.Count];
        double[] cpuNow = new double[data.Machines.Count];
        double[] memNow = new double[data.Machines.Count];
        foreach (TianchiInstance instance in data.Instances)
        {
            if (instance.Machine is { } machine)
            {
                TianchiApp app = data.Apps[instance.App];
                int m = machineIndex[machine];
                cpuPeaks[m] += CpuMilli(app.PeakCpu) / 1000.0;
                memPeaks[m] += MemoryMi(app.PeakMemory) / 1024.0;
                cpuNow[m] += app.Cpu[usageAt];
                memNow[m] += app.Memory[usageAt];
            }
        }

        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("items");
        foreach (TianchiMachine machine in data.Machines)
        {
            WriteNode(w, machine);
            Flush(w);
        }

        // Pods in the API server's list order: by namespace, then name.
        foreach (TianchiInstance instance in data.Instances.OrderBy(i => TianchiData.KubeName(i.Id), StringComparer.Ordinal))
        {
            TianchiApp app = data.Apps[instance.App];
            WritePod(w, instance, app, antiAffinity.GetValueOrDefault(instance.App), selfCap.TryGetValue(instance.App, out int k) ? k + 1 : null);
            Flush(w);
        }

        WriteNamespace(w);
        w.WriteEndArray();
        w.WriteString("kind", "List");
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", string.Empty);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');

        WriteMetrics(output, data, usageAt, cpuNow, memNow);

        int overCpu = 0, overMemory = 0;
        for (int m = 0; m < data.Machines.Count; m++)
        {
            overCpu += cpuPeaks[m] > data.Machines[m].Cores ? 1 : 0;
            overMemory += memPeaks[m] > data.Machines[m].MemoryGb ? 1 : 0;
        }

        int placed = data.Instances.Count(i => i.Machine is not null);
        return new TianchiConversion(data.Machines.Count, placed, data.Instances.Count - placed, present.Count, cross, self, spread, dropped, absent,
            antiAffinity.Count, overCpu, overMemory, usageAt);
    }

    /// <summary>Millicores, rounded up: a request below the peak could let the planner overfill a machine.</summary>
    public static long CpuMilli(double cores) => (long)Math.Ceiling((cores * 1000) - 1e-6);

    /// <summary>MiB, rounded up.</summary>
    public static long MemoryMi(double gb) => (long)Math.Ceiling((gb * 1024) - 1e-6);

    private static void Flush(Utf8JsonWriter w)
    {
        if (w.BytesPending > (1 << 20))
        {
            w.Flush();
        }
    }

    private static void WriteNode(Utf8JsonWriter w, TianchiMachine machine)
    {
        string name = TianchiData.KubeName(machine.Id);
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Node");
        w.WriteStartObject("metadata");
        w.WriteString("creationTimestamp", Created);
        w.WriteStartObject("labels");
        w.WriteString("kubernetes.io/hostname", name);
        w.WriteString("kubernetes.io/os", "linux");
        w.WriteString("tianchi.aliyun.com/shape", machine.Cores + "c" + machine.MemoryGb + "g");
        w.WriteEndObject();
        w.WriteString("name", name);
        w.WriteString("uid", Uid(1, Number(machine.Id)));
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteEndObject();
        w.WriteStartObject("status");
        Capacity(w, "allocatable", machine);
        Capacity(w, "capacity", machine);
        w.WriteStartArray("conditions");
        w.WriteStartObject();
        w.WriteString("lastHeartbeatTime", Created);
        w.WriteString("lastTransitionTime", Created);
        w.WriteString("message", "kubelet is posting ready status");
        w.WriteString("reason", "KubeletReady");
        w.WriteString("status", "True");
        w.WriteString("type", "Ready");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Capacity(Utf8JsonWriter w, string name, TianchiMachine machine)
    {
        w.WriteStartObject(name);
        w.WriteString("cpu", machine.Cores.ToString(CultureInfo.InvariantCulture));
        w.WriteString("ephemeral-storage", machine.DiskGb + "Gi");
        w.WriteString("memory", machine.MemoryGb + "Gi");
        w.WriteString("pods", MaxPodsPerNode.ToString(CultureInfo.InvariantCulture));
        w.WriteString("tianchi.aliyun.com/m", machine.M.ToString(CultureInfo.InvariantCulture));
        w.WriteString("tianchi.aliyun.com/p", machine.P.ToString(CultureInfo.InvariantCulture));
        w.WriteString("tianchi.aliyun.com/pm", machine.Pm.ToString(CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }

    private static void WritePod(Utf8JsonWriter w, TianchiInstance instance, TianchiApp app, SortedSet<string>? antiAffinity, int? maxPerNode)
    {
        string name = TianchiData.KubeName(instance.Id);
        string appName = TianchiData.KubeName(app.Id);
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Pod");
        w.WriteStartObject("metadata");
        w.WriteString("creationTimestamp", Created);
        w.WriteString("generateName", appName + "-");
        w.WriteStartObject("labels");
        w.WriteString("app", appName);
        w.WriteEndObject();
        w.WriteString("name", name);
        w.WriteString("namespace", Namespace);
        w.WriteStartArray("ownerReferences");
        w.WriteStartObject();
        w.WriteString("apiVersion", "apps/v1");
        w.WriteBoolean("blockOwnerDeletion", true);
        w.WriteBoolean("controller", true);
        w.WriteString("kind", "ReplicaSet");
        w.WriteString("name", appName);
        w.WriteString("uid", Uid(2, Number(app.Id)));
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("uid", Uid(3, Number(instance.Id)));
        w.WriteEndObject();

        w.WriteStartObject("spec");
        if (antiAffinity is not null)
        {
            w.WriteStartObject("affinity");
            w.WriteStartObject("podAntiAffinity");
            w.WriteStartArray("requiredDuringSchedulingIgnoredDuringExecution");
            w.WriteStartObject();
            w.WriteStartObject("labelSelector");
            w.WriteStartArray("matchExpressions");
            w.WriteStartObject();
            w.WriteString("key", "app");
            w.WriteString("operator", "In");
            w.WriteStartArray("values");
            foreach (string target in antiAffinity)
            {
                w.WriteStringValue(target);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("topologyKey", "kubernetes.io/hostname");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteStartArray("containers");
        w.WriteStartObject();
        w.WriteString("image", "registry.example/tianchi/" + appName + ":2018");
        w.WriteString("name", "app");
        w.WriteStartObject("resources");
        w.WriteStartObject("requests");
        w.WriteString("cpu", CpuMilli(app.PeakCpu) + "m");
        w.WriteString("ephemeral-storage", app.DiskGb + "Gi");
        w.WriteString("memory", MemoryMi(app.PeakMemory) + "Mi");
        if (app.M > 0)
        {
            w.WriteString("tianchi.aliyun.com/m", app.M.ToString(CultureInfo.InvariantCulture));
        }

        if (app.P > 0)
        {
            w.WriteString("tianchi.aliyun.com/p", app.P.ToString(CultureInfo.InvariantCulture));
        }

        if (app.Pm > 0)
        {
            w.WriteString("tianchi.aliyun.com/pm", app.Pm.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        if (instance.Machine is { } machine)
        {
            w.WriteString("nodeName", TianchiData.KubeName(machine));
        }

        w.WriteNumber("priority", 0);
        w.WriteString("restartPolicy", "Always");
        w.WriteString("schedulerName", "default-scheduler");
        if (maxPerNode is { } skew)
        {
            w.WriteStartArray("topologySpreadConstraints");
            w.WriteStartObject();
            w.WriteStartObject("labelSelector");
            w.WriteStartObject("matchLabels");
            w.WriteString("app", appName);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteNumber("maxSkew", skew);
            w.WriteString("topologyKey", "kubernetes.io/hostname");
            w.WriteString("whenUnsatisfiable", "DoNotSchedule");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();

        w.WriteStartObject("status");
        w.WriteStartArray("conditions");
        if (instance.Machine is null)
        {
            w.WriteStartObject();
            w.WriteString("lastTransitionTime", Created);
            w.WriteString("message", "0/6000 nodes are available: the instance was not placed in the data set.");
            w.WriteString("reason", "Unschedulable");
            w.WriteString("status", "False");
            w.WriteString("type", "PodScheduled");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("phase", "Pending");
        }
        else
        {
            foreach (string type in (ReadOnlySpan<string>)["Initialized", "Ready", "ContainersReady", "PodScheduled"])
            {
                w.WriteStartObject();
                w.WriteString("lastTransitionTime", Created);
                w.WriteString("status", "True");
                w.WriteString("type", type);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("phase", "Running");
            w.WriteString("startTime", Created);
        }

        w.WriteString("qosClass", "Burstable");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteNamespace(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("apiVersion", "v1");
        w.WriteString("kind", "Namespace");
        w.WriteStartObject("metadata");
        w.WriteString("creationTimestamp", Created);
        w.WriteStartObject("labels");
        w.WriteString("kubernetes.io/metadata.name", Namespace);
        w.WriteEndObject();
        w.WriteString("name", Namespace);
        w.WriteString("uid", Uid(4, 1));
        w.WriteEndObject();
        w.WriteStartObject("spec");
        w.WriteStartArray("finalizers");
        w.WriteStringValue("kubernetes");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("status");
        w.WriteString("phase", "Active");
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Usage at one of the 98 time points, as metrics-server would report it (nanocores, KiB).</summary>
    private static void WriteMetrics(Stream output, TianchiData data, int t, double[] cpuNow, double[] memNow)
    {
        string timestamp = "2018-07-26T00:" + (t / 60).ToString("00", CultureInfo.InvariantCulture) + ":" + (t % 60).ToString("00", CultureInfo.InvariantCulture) + "Z";
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("kind", "NodeMetricsList");
            w.WriteString("apiVersion", "metrics.k8s.io/v1beta1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            for (int m = 0; m < data.Machines.Count; m++)
            {
                w.WriteStartObject();
                w.WriteStartObject("metadata");
                w.WriteString("name", TianchiData.KubeName(data.Machines[m].Id));
                w.WriteString("creationTimestamp", timestamp);
                w.WriteEndObject();
                w.WriteString("timestamp", timestamp);
                w.WriteString("window", "15s");
                Usage(w, cpuNow[m], memNow[m]);
                w.WriteEndObject();
                Flush(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("kind", "PodMetricsList");
            w.WriteString("apiVersion", "metrics.k8s.io/v1beta1");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (TianchiInstance instance in data.Instances.Where(i => i.Machine is not null).OrderBy(i => TianchiData.KubeName(i.Id), StringComparer.Ordinal))
            {
                TianchiApp app = data.Apps[instance.App];
                w.WriteStartObject();
                w.WriteStartObject("metadata");
                w.WriteString("name", TianchiData.KubeName(instance.Id));
                w.WriteString("namespace", Namespace);
                w.WriteString("creationTimestamp", timestamp);
                w.WriteStartObject("labels");
                w.WriteString("app", TianchiData.KubeName(app.Id));
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteString("timestamp", timestamp);
                w.WriteString("window", "15s");
                w.WriteStartArray("containers");
                w.WriteStartObject();
                w.WriteString("name", "app");
                Usage(w, app.Cpu[t], app.Memory[t]);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                Flush(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        output.WriteByte((byte)'\n');
    }

    private static void Usage(Utf8JsonWriter w, double cores, double gb)
    {
        w.WriteStartObject("usage");
        w.WriteString("cpu", (long)Math.Round(cores * 1e9) + "n");
        w.WriteString("memory", (long)Math.Round(gb * 1024 * 1024) + "Ki");
        w.WriteEndObject();
    }

    /// <summary>The number in an id such as <c>inst_40570</c>.</summary>
    private static long Number(string id) => long.Parse(id.AsSpan(id.LastIndexOf('_') + 1), NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>A stable uid per object (kind code, number), so two conversions of the same data are byte-identical.</summary>
    private static string Uid(int kind, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"7a1c{kind:x4}-2018-4000-8000-{number:x12}");
}
