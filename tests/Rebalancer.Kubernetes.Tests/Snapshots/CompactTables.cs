using System.Reflection;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Tests.Snapshots;

/// <summary>Copies of snapshot tables with one value or column changed, to write compact files the reader must refuse.</summary>
internal static class CompactTables
{
    public static T[] Poke<T>(T[] column, int index, T value)
    {
        T[] copy = (T[])column.Clone();
        copy[index] = value;
        return copy;
    }

    public static ClusterSnapshot WithPods(ClusterSnapshot s, Func<PodTable, PodTable> change) =>
        ClusterSnapshot.FromTables(s.Strings, s.Resources, s.Nodes, change(s.Pods), s.Pdbs, s.Namespaces, s.PriorityClasses,
            s.Inventory, s.ConstraintSets);

    /// <summary>A copy of <paramref name="pods"/> with one column replaced (the table's columns are init-only).</summary>
    public static PodTable Replace(PodTable pods, string column, object value)
    {
        var copy = new PodTable(pods.ResourceCount);
        foreach (PropertyInfo property in typeof(PodTable).GetProperties().Where(p => p.CanWrite))
        {
            property.SetValue(copy, property.Name == column ? value : property.GetValue(pods));
        }

        return copy;
    }
}
