using System.Globalization;
using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Testing.Builders;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>JSON fixtures in kubectl's shape, loading shortcuts and a canonical dump to compare snapshots.</summary>
internal static class SnapshotTestKit
{
    public const string Source = "test.json";

    public static SnapshotLoadResult Load(string json) => SnapshotLoader.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), Source);

    /// <summary>Loads through the internal entry point with a chosen initial buffer size.</summary>
    public static SnapshotLoadResult Load(Stream stream, int bufferSize)
    {
        var builder = new SnapshotBuilder();
        var stats = new SnapshotLoadStatistics();
        var warnings = new List<string>();
        SnapshotLoader.LoadInto(stream, Source, builder, stats, warnings, bufferSize);
        return new SnapshotLoadResult(builder.Build(), warnings, stats);
    }

    public static SnapshotFormatException LoadFails(string json) =>
        Assert.Throws<SnapshotFormatException>(() => Load(json));

    public static string Node(string name, string extraMetadata = "", string spec = "{}", string? allocatable = null) => $$$"""
        {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{name}}}","labels":{"kubernetes.io/hostname":"{{{name}}}"}{{{extraMetadata}}}},
         "spec":{{{spec}}},
         "status":{"allocatable":{{{allocatable ?? """{"cpu":"4","memory":"16Gi","pods":"110"}"""}}},
                   "capacity":{"cpu":"4","memory":"16Gi","pods":"110"},
                   "conditions":[{"type":"Ready","status":"True"}]}}
        """;

    /// <summary>A pod; <paramref name="spec"/> is merged into <c>spec</c> after nodeName and one container.</summary>
    public static string Pod(string name, string ns = "default", string node = "node-a", string metadata = "", string spec = "",
        string status = """{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}""",
        string containers = """[{"name":"app","image":"nginx:1.27","resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}]""") => $$"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"{{name}}","namespace":"{{ns}}","uid":"uid-{{name}}","labels":{"app":"web"},
                     "creationTimestamp":"2025-01-01T00:00:00Z"{{metadata}}},
         "spec":{"nodeName":"{{node}}","containers":{{containers}}{{spec}}},
         "status":{{status}}}
        """;

    public static string List(params string[] items) =>
        $$"""{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[{{string.Join(",\n", items)}}]}""";

    public static int PodIndex(ClusterSnapshot snapshot, string name)
    {
        int index = snapshot.Pods.Name.IndexOf(name);
        Assert.True(index >= 0, $"pod {name} not loaded");
        return index;
    }

    public static long Request(ClusterSnapshot snapshot, int pod, string resource)
    {
        int id = snapshot.Resources.Find(resource);
        return id < 0 ? 0 : snapshot.Pods.RequestsOf(pod)[id];
    }

    public static long Allocatable(ClusterSnapshot snapshot, int node, string resource)
    {
        int id = snapshot.Resources.Find(resource);
        return id < 0 ? 0 : snapshot.Nodes.AllocatableOf(node)[id];
    }

    public static string[] Labels(ClusterSnapshot snapshot, LabelView labels)
    {
        var pairs = new string[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            pairs[i] = snapshot.Strings[labels.Keys[i]] + "=" + snapshot.Strings[labels.Values[i]];
        }

        return pairs;
    }

    /// <summary>Everything the loader produces, as text, so two loads can be compared field by field.</summary>
    public static string Dump(SnapshotLoadResult result)
    {
        ClusterSnapshot s = result.Snapshot;
        var text = new StringBuilder();
        string Str(int id) => s.Strings[id];
        text.AppendLine("resources " + string.Join(",", s.Resources.Names));
        for (int n = 0; n < s.Nodes.Count; n++)
        {
            text.Append("node ").Append(s.Nodes.Name[n]).Append(' ').Append(s.Nodes.Flags[n]).Append(' ')
                .Append(s.Nodes.CreationTime[n]).Append(" alloc=").AppendJoin(",", s.Nodes.AllocatableOf(n).ToArray())
                .Append(" labels=").AppendJoin(",", Labels(s, s.Nodes.Labels[n]))
                .Append(" annotations=").AppendJoin(",", Labels(s, s.Nodes.Annotations[n]))
                .Append(" taints=").AppendJoin(",", s.Nodes.TaintsOf(n).ToArray().Select(t => $"{Str(t.Key)}={Str(t.Value)}:{t.Effect}"))
                .Append(" usage=").Append(s.Nodes.HasUsage[n]).Append('/').Append(s.Nodes.UsageCpuMilli[n]).Append('/').Append(s.Nodes.UsageMemory[n])
                .AppendLine();
        }

        for (int p = 0; p < s.Pods.Count; p++)
        {
            text.Append("pod ").Append(s.PodKey(p)).Append(" uid=").Append(s.Pods.Uid[p]).Append(" node=").Append(Str(s.Pods.NodeName[p]))
                .Append('#').Append(s.Pods.Node[p]).Append(' ').Append(s.Pods.Phase[p]).Append(' ').Append(s.Pods.Qos[p])
                .Append(" flags=").Append(s.Pods.Flags[p]).Append(" prio=").Append(s.Pods.Priority[p]).Append('/').Append(Str(s.Pods.PriorityClassName[p]))
                .Append(" reason=").Append(Str(s.Pods.StatusReason[p]))
                .Append(" times=").Append(s.Pods.CreationTime[p]).Append('/').Append(s.Pods.StartTime[p]).Append('/').Append(s.Pods.DeletionTime[p])
                .Append(" req=").AppendJoin(",", s.Pods.RequestsOf(p).ToArray())
                .Append(" labels=").AppendJoin(",", Labels(s, s.Pods.Labels[p]))
                .Append(" annotations=").AppendJoin(",", Labels(s, s.Pods.Annotations[p]))
                .Append(" owners=").AppendJoin(",", s.Pods.OwnersOf(p).ToArray().Select(o => $"{Str(o.Kind)}/{Str(o.Name)}/{Str(o.Uid)}/{o.Controller}"))
                .Append(" images=").AppendJoin(",", s.Pods.ImagesOf(p).ToArray().Select(Str))
                .Append(" pvcs=").AppendJoin(",", s.Pods.PvcClaimsOf(p).ToArray().Select(Str))
                .Append(" statuses=").AppendJoin(",", s.Pods.ContainerStatusesOf(p).ToArray().Select(c =>
                    $"{Str(c.Name)}:{c.Init}:{c.RestartCount}:{Str(c.WaitingReason)}:{Str(c.TerminatedReason)}:{c.ExitCode}:{c.HasExitCode}:{c.Ready}"))
                .Append(" conditions=").AppendJoin(",", s.Pods.ConditionsOf(p).ToArray().Select(c => $"{Str(c.Type)}={Str(c.Status)}:{Str(c.Reason)}:{c.LastTransitionTime}"))
                .Append(" restarts=").Append(s.Pods.Restarts[p]).Append('/').Append(s.Pods.InitRestarts[p])
                .Append(" constraints=").Append(s.Pods.Constraints[p]).Append(':').Append(Describe(s, s.ConstraintsOf(p)))
                .Append(" usage=").Append(s.Pods.HasUsage[p]).Append('/').Append(s.Pods.UsageCpuMilli[p]).Append('/').Append(s.Pods.UsageMemory[p])
                .AppendLine();
        }

        foreach (PdbRecord pdb in s.Pdbs)
        {
            text.Append("pdb ").Append(Str(pdb.Namespace)).Append('/').Append(pdb.Name).Append(' ').Append(Describe(s, pdb.Selector))
                .Append(" min=").Append(pdb.MinAvailable).Append(" max=").Append(pdb.MaxUnavailable).Append(' ').Append(pdb.UnhealthyPodEvictionPolicy)
                .Append(" gen=").Append(pdb.Generation).Append(" status=").Append(pdb.HasStatus).Append('/').Append(pdb.ObservedGeneration)
                .Append('/').Append(pdb.DisruptionsAllowed).Append('/').Append(pdb.CurrentHealthy).Append('/').Append(pdb.DesiredHealthy)
                .Append('/').Append(pdb.ExpectedPods).Append(" disrupted=").AppendJoin(",", pdb.DisruptedPods).AppendLine();
        }

        for (int i = 0; i < s.Namespaces.Count; i++)
        {
            text.Append("namespace ").Append(Str(s.Namespaces.Name[i])).Append(' ').AppendJoin(",", Labels(s, s.Namespaces.Labels[i])).AppendLine();
        }

        foreach ((int name, PriorityClassInfo info) in s.PriorityClasses.OrderBy(pair => Str(pair.Key), StringComparer.Ordinal))
        {
            text.Append("priorityclass ").Append(Str(name)).Append(' ').Append(info.Value).Append(' ').Append(info.GlobalDefault).AppendLine();
        }

        foreach (((int ns, int name), int storageClass) in s.PvcStorageClasses.OrderBy(pair => Str(pair.Key.Namespace) + "/" + Str(pair.Key.Name), StringComparer.Ordinal))
        {
            text.Append("pvc ").Append(Str(ns)).Append('/').Append(Str(name)).Append(' ').Append(Str(storageClass)).AppendLine();
        }

        text.Append(InventoryText.Describe(s));
        text.Append("warnings ").AppendJoin(" | ", result.Warnings).AppendLine();
        text.Append("stats ").Append(result.Statistics.Documents).Append(' ')
            .AppendJoin(",", result.Statistics.ObjectsByKind.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key}={pair.Value}"))
            .AppendLine();
        return text.ToString();
    }

    public static string Describe(ClusterSnapshot s, LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return "<nothing>";
        }

        return selector.IsEverything
            ? "<everything>"
            : string.Join("&", selector.Requirements.Select(r => $"{s.Strings[r.Key]} {r.Operator} ({string.Join("|", r.Values.Select(v => s.Strings[v]))})"));
    }

    public static string Describe(ClusterSnapshot s, PodConstraints c)
    {
        string Str(int id) => s.Strings[id];
        string Term(NodeSelectorTerm term) => string.Join("&", term.Requirements.Select(r =>
            $"{(r.IsField ? "field:" : string.Empty)}{Str(r.Key)} {r.Operator} ({string.Join("|", r.RawValues)})"));
        string PodTerm(PodAffinityTerm term) =>
            $"{Describe(s, term.Selector)} in [{string.Join("|", term.Namespaces.Select(Str))}] ns={(term.NamespaceSelector is null ? "<own>" : Describe(s, term.NamespaceSelector))} key={Str(term.TopologyKey)}";
        var parts = new List<string>
        {
            "tol=" + string.Join(";", c.Tolerations.Select(t => $"{Str(t.Key)} {t.Operator} {Str(t.Value)}:{t.Effect}")),
            "sel=" + string.Join(";", c.NodeSelector.Select(p => $"{Str(p.Key)}={Str(p.Value)}")),
            "req=" + (c.RequiredNodeAffinity is null ? "<none>" : string.Join(" OR ", c.RequiredNodeAffinity.Select(Term))),
            "pref=" + string.Join(";", c.PreferredNodeAffinity.Select(p => $"{p.Weight}:{Term(p.Term)}")),
            "aff=" + string.Join(";", c.RequiredPodAffinity.Select(PodTerm)),
            "anti=" + string.Join(";", c.RequiredPodAntiAffinity.Select(PodTerm)),
            "prefaff=" + string.Join(";", c.PreferredPodAffinity.Select(w => $"{w.Weight}:{PodTerm(w.Term)}")),
            "prefanti=" + string.Join(";", c.PreferredPodAntiAffinity.Select(w => $"{w.Weight}:{PodTerm(w.Term)}")),
            "spread=" + string.Join(";", c.TopologySpread.Select(t =>
                $"{t.MaxSkew}/{Str(t.TopologyKey)}/{t.WhenUnsatisfiable}/{Describe(s, t.Selector)}/{t.MinDomains?.ToString(CultureInfo.InvariantCulture) ?? "-"}/{t.NodeAffinityPolicy}/{t.NodeTaintsPolicy}/{string.Join("|", t.MatchLabelKeys.Select(Str))}")),
        };
        return string.Join(" ", parts);
    }
}

/// <summary>A stream that hands out at most <c>chunk</c> bytes per read, like a slow pipe.</summary>
internal sealed class TrickleStream(byte[] data, int chunk = 1) : ReadOnlyStream
{
    private int _position;

    public int Reads { get; private set; }

    /// <summary>Bytes handed out so far (the loader reads on its own thread).</summary>
    public int Delivered => Volatile.Read(ref _position);

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        int n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        Volatile.Write(ref _position, _position + n);
        return n;
    }
}
