using Rebalancer.Core.Model;
using Rebalancer.Kubernetes.Snapshots;
using Rebalancer.Kubernetes.Snapshots.Compact;
using static Rebalancer.Kubernetes.Tests.Snapshots.CompactTables;
using static Rebalancer.Kubernetes.Tests.Snapshots.SnapshotTestKit;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>
/// A compact file can be crafted as easily as a JSON one: the reader applies the same value rules (no negative amount,
/// no duplicate object, totals within range) to tables written with a valid checksum, at their table, row and column.
/// </summary>
public class CompactSnapshotValueRulesTests
{
    private static readonly Lazy<ClusterSnapshot> Fixture = new(() => Load(List(
        Node("node-a"),
        Node("node-b"),
        Pod("web-1", node: "node-a"),
        Pod("web-2", node: "node-b"),
        """{"kind":"PodDisruptionBudget","metadata":{"name":"budget","namespace":"default"},"spec":{"minAvailable":1}}""",
        """{"kind":"PodDisruptionBudget","metadata":{"name":"other","namespace":"default"},"spec":{"maxUnavailable":"50%"}}""",
        """{"kind":"Namespace","metadata":{"name":"default"}}""",
        """{"kind":"Namespace","metadata":{"name":"shop"}}"""))
        .Snapshot);

    public static TheoryData<string, Func<ClusterSnapshot, ClusterSnapshot>, string> Broken => new()
    {
        {
            "negative request",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Requests), Poke(p.Requests, ResourceCatalog.Cpu, -5L))),
            "compact snapshot, pods[0].requests: cpu is negative; resource amounts are 0 or more (value '-5')"
        },
        {
            "requests past 2^62 in all",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Requests),
                Poke(Poke(p.Requests, ResourceCatalog.Memory, 3L << 60), p.ResourceCount + ResourceCatalog.Memory, 3L << 60))),
            "compact snapshot, pods[1].requests: the pods' requests of memory add up to more than 4611686018427387904 bytes (2^62)"
        },
        {
            "one request past 2^62",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Requests), Poke(p.Requests, ResourceCatalog.Cpu, long.MaxValue))),
            "compact snapshot, pods[0].requests: the pods' requests of cpu add up to more than 4611686018427387904 millicores"
        },
        {
            "negative allocatable",
            s => WithNodes(s, allocatable: Poke(s.Nodes.Allocatable, s.Nodes.ResourceCount + ResourceCatalog.Pods, -110L)),
            "compact snapshot, nodes[1].allocatable: pods is negative; resource amounts are 0 or more (value '-110')"
        },
        {
            "negative pod usage",
            s => WithPods(s, p => Replace(p, nameof(PodTable.UsageMemory), Poke(p.UsageMemory, 1, -1L))),
            "compact snapshot, pods[1].usage.memory: memory usage is negative"
        },
        {
            "negative scoring request",
            s => WithPods(s, p => Replace(p, nameof(PodTable.NonZeroCpuMilli), Poke(p.NonZeroCpuMilli, 1, -100L))),
            "compact snapshot, pods[1].nonZeroRequests.cpu: cpu scoring request is negative; resource amounts are 0 or more (value '-100')"
        },
        {
            "scoring requests past 2^62 in all",
            s => WithPods(s, p => Replace(p, nameof(PodTable.NonZeroMemory), Poke(Poke(p.NonZeroMemory, 0, 3L << 60), 1, 3L << 60))),
            "compact snapshot, pods[1].nonZeroRequests.memory: the pods' scoring requests of memory add up to more than 4611686018427387904 bytes (2^62)"
        },
        {
            "node usage past 2^62",
            s => WithNodes(s, usageCpu: [SnapshotRules.MaxTotal, 1]),
            "compact snapshot, nodes[1].usage.cpu: the nodes' usage of cpu add up to more than 4611686018427387904 millicores"
        },
        {
            "duplicate pod",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Name), Utf8StringColumn.From(["web-1", "web-1"]))),
            "compact snapshot, pods[1].name: a second pod default/web-1 (the first is pods[0]); pods are unique by namespace and name"
        },
        {
            "duplicate uid",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Uid), Utf8StringColumn.From(["same", "same"]))),
            "compact snapshot, pods[1].uid: pod default/web-2 has the uid of pod default/web-1 (pods[0]); uids are unique"
        },
        {
            "a pod name longer than Kubernetes allows",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Name), Utf8StringColumn.From(["web-1", new string('w', 254)]))),
            "compact snapshot, pods[1].name: is longer than 253 bytes"
        },
        {
            "negative restarts",
            s => WithPods(s, p => Replace(p, nameof(PodTable.Restarts), Poke(p.Restarts, 0, -1))),
            "compact snapshot, pods[0].restarts: is negative"
        },
        {
            "duplicate node",
            s => WithNodes(s, names: ["node-a", "node-a"]),
            "compact snapshot, nodes[1].name: a second node named 'node-a' (the first is nodes[0]); every node appears once"
        },
        {
            "negative minAvailable",
            s => WithPdbs(s, pdb => pdb.MinAvailable = new IntOrPercent(-1, false)),
            "compact snapshot, pdbs[0].spec.minAvailable: expected an integer of 0 or more or a percentage from \"0%\" to \"100%\" (value '-1')"
        },
        {
            "a percentage past 100%",
            s => WithPdbs(s, pdb => pdb.MaxUnavailable = pdb.MaxUnavailable is null ? null : new IntOrPercent(150, true)),
            "compact snapshot, pdbs[1].spec.maxUnavailable: expected an integer of 0 or more or a percentage from \"0%\" to \"100%\" (value '150%')"
        },
        {
            "negative status counter",
            s => WithPdbs(s, pdb => pdb.ExpectedPods = -2),
            "compact snapshot, pdbs[0].status.expectedPods: is negative"
        },
        {
            "duplicate PodDisruptionBudget",
            s => WithPdbs(s, pdb => pdb.Name = "budget"),
            "compact snapshot, pdbs[1].name: a second PodDisruptionBudget default/budget (the first is pdbs[0]); each appears once"
        },
        {
            "duplicate Namespace",
            s => ClusterSnapshot.FromTables(s.Strings, s.Resources, s.Nodes, s.Pods, s.Pdbs,
                new NamespaceTable([s.Namespaces.Name[0], s.Namespaces.Name[0]], s.Namespaces.Labels), s.PriorityClasses, s.Inventory, s.ConstraintSets),
            "compact snapshot, namespaces[1].name: a second Namespace 'default' (the first is namespaces[0]); each appears once"
        },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Crafted_values_are_refused_at_their_table_row_and_column(string what, Func<ClusterSnapshot, ClusterSnapshot> damage, string expected)
    {
        ClusterSnapshot damaged = damage(Fixture.Value);
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, damaged, CompactSnapshot.ProvenanceOf(damaged, []));

        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(stream.ToArray()), "x.rbsnap"));

        Assert.True(e.Message.StartsWith("x.rbsnap: " + expected, StringComparison.Ordinal), $"{what}: {e.Message}");
    }

    [Fact]
    public void The_fixture_itself_obeys_the_rules_and_reads_back()
    {
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, Fixture.Value, CompactSnapshot.ProvenanceOf(Fixture.Value, []));

        ClusterSnapshot back = SnapshotLoader.Load(new MemoryStream(stream.ToArray()), "x.rbsnap").Snapshot;

        Assert.Null(SnapshotRules.Check(back));
        Assert.Equal(2, back.Pods.Count);
    }

    [Fact]
    public void A_string_longer_than_any_Kubernetes_string_is_refused_before_it_is_read()
    {
        ClusterSnapshot s = Load(List(Pod("web-1"))).Snapshot; // not the shared fixture: its string table changes
        s.Strings.Intern(new string('s', SnapshotRules.MaxStringBytes + 1));
        using var stream = new MemoryStream();
        CompactSnapshot.Write(stream, s, CompactSnapshot.ProvenanceOf(s, []));

        var e = Assert.Throws<SnapshotFormatException>(() => SnapshotLoader.Load(new MemoryStream(stream.ToArray()), "x.rbsnap"));

        Assert.Contains($"a string of {SnapshotRules.MaxStringBytes + 1} bytes; snapshot strings are at most {SnapshotRules.MaxStringBytes} bytes", e.Message, StringComparison.Ordinal);
    }

    private static ClusterSnapshot WithNodes(ClusterSnapshot s, string[]? names = null, long[]? allocatable = null, long[]? usageCpu = null)
    {
        NodeTable n = s.Nodes;
        var nodes = new NodeTable(n.ResourceCount, names ?? n.Name, n.Flags, n.CreationTime, n.Labels, n.Annotations, n.TaintStart, n.Taints,
            allocatable ?? n.Allocatable, usageCpu ?? n.UsageCpuMilli, n.UsageMemory, usageCpu is null ? n.HasUsage : [true, true]);
        return ClusterSnapshot.FromTables(s.Strings, s.Resources, nodes, s.Pods, s.Pdbs, s.Namespaces, s.PriorityClasses, s.Inventory, s.ConstraintSets);
    }

    /// <summary>Copies of the PodDisruptionBudgets, every one changed by <paramref name="change"/> (the fixture's records are shared).</summary>
    private static ClusterSnapshot WithPdbs(ClusterSnapshot s, Action<PdbRecord> change)
    {
        var pdbs = new List<PdbRecord>();
        for (int i = 0; i < s.Pdbs.Count; i++)
        {
            PdbRecord original = s.Pdbs[i];
            var copy = new PdbRecord
            {
                Namespace = original.Namespace,
                Name = original.Name,
                Selector = original.Selector,
                MinAvailable = original.MinAvailable,
                MaxUnavailable = original.MaxUnavailable,
                Generation = original.Generation,
            };
            change(copy);
            pdbs.Add(copy);
        }

        return ClusterSnapshot.FromTables(s.Strings, s.Resources, s.Nodes, s.Pods, pdbs, s.Namespaces, s.PriorityClasses, s.Inventory, s.ConstraintSets);
    }
}
