using Rebalancer.Core.Model;

namespace Rebalancer.Core.Tests.Model;

public class SnapshotBuilderTests
{
    /// <summary>Enough pods that the pod columns and the conditions span more than one of the builder's 32,768-item chunks.</summary>
    [Fact]
    public void Columns_of_many_pods_keep_every_value_in_order()
    {
        const int Pods = 40_000;
        var builder = new SnapshotBuilder();
        int ns = builder.Strings.Intern("default");
        int ready = builder.Strings.Intern("Ready");
        int app = builder.Strings.Intern("app");
        int[] values = [builder.Strings.Intern("a"), builder.Strings.Intern("b"), builder.Strings.Intern("c")];
        var node = new NodeRecord { Name = "node-0" };
        node.Allocatable.Add(new ResourceAmount(ResourceCatalog.Cpu, 64_000));
        builder.AddNode(node);
        int nodeName = builder.Strings.Intern("node-0");

        var pod = new PodRecord();
        for (int p = 0; p < Pods; p++)
        {
            pod.Clear();
            pod.Namespace = ns;
            pod.Name = "pod-" + p.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pod.NodeName = p % 2 == 0 ? nodeName : 0;
            pod.CreationTime = p;
            pod.Labels.Add((app, values[p % 3]));
            for (int c = 0; c < p % 4; c++)
            {
                pod.Conditions.Add(new PodCondition(ready, c, 0, p));
            }

            ContainerRecord container = pod.AddContainer(ContainerKind.Regular);
            container.Requests.Add(new ResourceAmount(ResourceCatalog.Cpu, p % 1000));
            builder.AddPod(pod);
        }

        ClusterSnapshot snapshot = builder.Build();
        PodTable pods = snapshot.Pods;

        Assert.Equal(Pods, pods.Count);
        Assert.Equal(Enumerable.Range(0, Pods).Where(p => p % 2 == 0), snapshot.PodsOn(0).ToArray());
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => "pod-" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)), pods.Name);
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => (long)p), pods.CreationTime);
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => p % 2 == 0 ? 0 : -1), pods.Node);
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => values[p % 3]), pods.Labels.Values);
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => (long)(p % 1000)), Enumerable.Range(0, Pods).Select(p => pods.RequestsOf(p)[ResourceCatalog.Cpu]));
        PodCondition[] conditions =
            [.. Enumerable.Range(0, Pods).SelectMany(p => Enumerable.Range(0, p % 4).Select(c => new PodCondition(ready, c, 0, p)))];
        Assert.Equal(conditions, pods.Conditions);
        Assert.Equal(Enumerable.Range(0, Pods).Select(p => p % 4), Enumerable.Range(0, Pods).Select(p => pods.ConditionsOf(p).Length));
    }
}
