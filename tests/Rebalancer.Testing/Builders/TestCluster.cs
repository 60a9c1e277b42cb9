using Rebalancer.Core.Model;

namespace Rebalancer.Testing.Builders;

/// <summary>
/// Builds small clusters for tests, in the spirit of the descheduler's BuildTestNode / BuildTestPod: sensible defaults
/// (Ready, Running, no owner) and an <c>Action</c> customiser per object. Quantities are cpu millicores and bytes.
/// </summary>
public sealed class TestCluster
{
    public const long Gi = 1024L * 1024 * 1024;
    public const long Mi = 1024L * 1024;

    private readonly SnapshotBuilder _builder = new();
    private readonly NodeRecord _node = new();
    private readonly PodRecord _pod = new();
    private int _uid;

    public SnapshotBuilder Builder => _builder;

    public StringTable Strings => _builder.Strings;

    public TestCluster Node(string name, long cpu = 4000, long memory = 8 * Gi, int pods = 110, Action<NodeBuilder>? configure = null)
    {
        _node.Clear();
        _node.Name = name;
        _node.Flags = NodeFlags.Ready;
        _node.Labels.Add((Strings.Intern("kubernetes.io/hostname"), Strings.Intern(name)));
        _node.Allocatable.Add(new ResourceAmount(ResourceCatalog.Cpu, cpu));
        _node.Allocatable.Add(new ResourceAmount(ResourceCatalog.Memory, memory));
        _node.Allocatable.Add(new ResourceAmount(ResourceCatalog.Pods, pods));
        configure?.Invoke(new NodeBuilder(this, _node));
        _builder.AddNode(_node);
        return this;
    }

    /// <summary>Adds <paramref name="count"/> identical nodes named <c>prefix-0</c>, <c>prefix-1</c>…</summary>
    public TestCluster Nodes(int count, string prefix = "node", long cpu = 4000, long memory = 8 * Gi, int pods = 110, Action<NodeBuilder>? configure = null)
    {
        for (int i = 0; i < count; i++)
        {
            Node($"{prefix}-{i}", cpu, memory, pods, configure);
        }

        return this;
    }

    public TestCluster Pod(string name, string? node, long cpu = 100, long memory = 128 * Mi, Action<PodBuilder>? configure = null)
    {
        _pod.Clear();
        _pod.Namespace = Strings.Intern("default");
        _pod.Name = name;
        _pod.Uid = "uid-" + (++_uid).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _pod.NodeName = node is null ? 0 : Strings.Intern(node);
        _pod.Phase = PodPhase.Running;
        _pod.Flags = PodFlags.Ready;
        _pod.CreationTime = UnixTime.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _pod.StartTime = _pod.CreationTime;
        _pod.Conditions.Add(new PodCondition(Strings.Intern("Ready"), Strings.Intern("True"), 0, _pod.StartTime));
        ContainerRecord container = _pod.AddContainer(ContainerKind.Regular);
        container.Name = Strings.Intern("main");
        container.Image = Strings.Intern("registry.example/app:1");
        if (cpu > 0)
        {
            container.Requests.Add(new ResourceAmount(ResourceCatalog.Cpu, cpu));
        }

        if (memory > 0)
        {
            container.Requests.Add(new ResourceAmount(ResourceCatalog.Memory, memory));
        }

        configure?.Invoke(new PodBuilder(this, _pod));
        _builder.AddPod(_pod);
        return this;
    }

    /// <summary>Adds pods of one ReplicaSet: <c>rs-0</c>… on the given nodes (one pod per entry).</summary>
    public TestCluster ReplicaSetPods(string replicaSet, IEnumerable<string> nodes, long cpu = 100, long memory = 128 * Mi, Action<PodBuilder>? configure = null)
    {
        int i = 0;
        foreach (string node in nodes)
        {
            Pod($"{replicaSet}-{i++}", node, cpu, memory, p =>
            {
                p.Owner("ReplicaSet", replicaSet).Label("app", replicaSet);
                configure?.Invoke(p);
            });
        }

        return this;
    }

    public TestCluster Pdb(string name, Action<PdbRecord, StringTable> configure, string @namespace = "default")
    {
        var pdb = new PdbRecord { Namespace = Strings.Intern(@namespace), Name = name, Generation = 1 };
        configure(pdb, Strings);
        _builder.AddPdb(pdb);
        return this;
    }

    /// <summary>A PDB over pods labelled app=<paramref name="app"/> with a current status allowing <paramref name="allowed"/> disruptions.</summary>
    public TestCluster PdbAllowing(string name, string app, int allowed, int healthy = 3, string @namespace = "default") =>
        Pdb(name, (pdb, strings) =>
        {
            pdb.Selector = Selector(strings, ("app", app));
            // A budget allowing more disruptions than there are healthy pods still has minAvailable 0, never below.
            pdb.MinAvailable = new IntOrPercent(Math.Max(0, healthy - allowed), false);
            pdb.HasStatus = true;
            pdb.ObservedGeneration = 1;
            pdb.DisruptionsAllowed = allowed;
            pdb.CurrentHealthy = healthy;
            pdb.DesiredHealthy = Math.Max(0, healthy - allowed);
            pdb.ExpectedPods = healthy;
        }, @namespace);

    public TestCluster Namespace(string name, params (string Key, string Value)[] labels)
    {
        _builder.AddNamespace(name, labels.Select(l => (Strings.Intern(l.Key), Strings.Intern(l.Value))).ToList());
        return this;
    }

    public TestCluster PriorityClass(string name, int value)
    {
        _builder.AddPriorityClass(name, value, false);
        return this;
    }

    public ClusterSnapshot Build() => _builder.Build();

    public static LabelSelector Selector(StringTable strings, params (string Key, string Value)[] matchLabels) =>
        new(matchLabels.Select(l => new SelectorRequirement(strings.Intern(l.Key), SelectorOperator.In, [strings.Intern(l.Value)])).ToArray());
}

public sealed class NodeBuilder(TestCluster cluster, NodeRecord node)
{
    public NodeRecord Record => node;

    public NodeBuilder Label(string key, string value)
    {
        int k = cluster.Strings.Intern(key);
        node.Labels.RemoveAll(l => l.Key == k);
        node.Labels.Add((k, cluster.Strings.Intern(value)));
        return this;
    }

    public NodeBuilder Taint(string key, string value = "", TaintEffect effect = TaintEffect.NoSchedule)
    {
        node.Taints.Add(new Taint(cluster.Strings.Intern(key), cluster.Strings.Intern(value), effect));
        return this;
    }

    public NodeBuilder Unschedulable()
    {
        node.Flags |= NodeFlags.Unschedulable;
        return this;
    }

    public NodeBuilder NotReady()
    {
        node.Flags &= ~NodeFlags.Ready;
        return this;
    }

    public NodeBuilder Allocatable(string resource, long amount)
    {
        int r = cluster.Builder.Resources.GetOrAdd(resource);
        node.Allocatable.RemoveAll(a => a.Resource == r);
        node.Allocatable.Add(new ResourceAmount(r, amount));
        return this;
    }
}
