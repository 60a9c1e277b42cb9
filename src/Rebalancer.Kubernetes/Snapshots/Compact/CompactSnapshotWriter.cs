using System.Buffers.Binary;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots.Compact;

/// <summary>
/// Writes a <see cref="ClusterSnapshot"/> in the compact format: the snapshot's own columns in a fixed order, arrays of
/// records packed field by field (<see cref="CompactRecords"/>), the object graphs of constraint sets and PDBs field by
/// field. <see cref="CompactSnapshotReader"/> reads the same order. <paramref name="version"/> 1 writes what format
/// version 1 held (no inventory beyond claims' storage classes, no namespace annotations, no last terminated reasons),
/// for the tests that check such files still load.
/// </summary>
internal sealed partial class CompactSnapshotWriter(CompactOutput output, int version = CompactFormat.Version)
{
    public void Write(ClusterSnapshot snapshot, CompactSnapshotProvenance provenance)
    {
        Span<byte> header = stackalloc byte[CompactFormat.HeaderLength];
        CompactFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[CompactFormat.Magic.Length..], version);
        foreach (byte b in header)
        {
            output.Byte(b);
        }

        output.Strings(provenance.Warnings);
        Counts(provenance.ObjectsByKind);
        Counts(provenance.SkippedByKind);

        var strings = new string[snapshot.Strings.Count];
        for (int i = 0; i < strings.Length; i++)
        {
            strings[i] = snapshot.Strings[i];
        }

        output.Strings(strings);
        output.Strings(snapshot.Resources.Names);
        Nodes(snapshot.Nodes);
        Pods(snapshot.Pods);
        output.Array<int>(snapshot.Namespaces.Name);
        KeyValues(snapshot.Namespaces.Labels);
        if (version == 1)
        {
            PriorityClasses(snapshot.PriorityClasses);
            output.Array<int>([.. snapshot.Inventory.PersistentVolumeClaims.Select(c => c.Meta.Namespace)]);
            output.Array<int>([.. snapshot.Inventory.PersistentVolumeClaims.Select(c => c.Meta.Name)]);
            output.Array<int>([.. snapshot.Inventory.PersistentVolumeClaims.Select(c => c.StorageClass)]);
        }
        else
        {
            KeyValues(snapshot.Namespaces.Annotations);
            PriorityClasses(snapshot.PriorityClasses);
        }

        output.Int32(snapshot.ConstraintSets.Length);
        foreach (PodConstraints constraints in snapshot.ConstraintSets)
        {
            Constraints(constraints);
        }

        output.Int32(snapshot.Pdbs.Count);
        foreach (PdbRecord pdb in snapshot.Pdbs)
        {
            Pdb(pdb);
        }

        if (version != 1)
        {
            Inventory(snapshot.Inventory);
        }

        output.Finish();
    }

    private void Counts(IReadOnlyList<KeyValuePair<string, int>> counts)
    {
        output.Strings([.. counts.Select(pair => pair.Key)]);
        output.Array<int>([.. counts.Select(pair => pair.Value)]);
    }

    private void Nodes(NodeTable nodes)
    {
        output.Strings(nodes.Name);
        output.Array<NodeFlags>(nodes.Flags);
        output.Array<long>(nodes.CreationTime);
        KeyValues(nodes.Labels);
        KeyValues(nodes.Annotations);
        output.Array<int>(nodes.TaintStart);
        output.Records(nodes.Taints, CompactRecords.TaintSize, CompactRecords.Write);
        output.Array<long>(nodes.Allocatable);
        output.Array<long>(nodes.UsageCpuMilli);
        output.Array<long>(nodes.UsageMemory);
        output.Array<bool>(nodes.HasUsage);
    }

    private void Pods(PodTable pods)
    {
        output.Array<int>(pods.Namespace);
        output.Utf8Strings(pods.Name);
        output.Utf8Strings(pods.Uid);
        output.Array<int>(pods.Node);
        output.Array<int>(pods.NodeName);
        output.Array<PodPhase>(pods.Phase);
        output.Array<QosClass>(pods.Qos);
        output.Array<PodFlags>(pods.Flags);
        output.Array<int>(pods.Priority);
        output.Array<int>(pods.PriorityClassName);
        output.Array<int>(pods.StatusReason);
        output.Array<long>(pods.CreationTime);
        output.Array<long>(pods.StartTime);
        output.Array<long>(pods.DeletionTime);
        KeyValues(pods.Labels);
        KeyValues(pods.Annotations);
        output.Array<int>(pods.OwnerStart);
        output.Records(pods.Owners, CompactRecords.OwnerSize, CompactRecords.Write);
        output.Array<int>(pods.ImageStart);
        output.Array<int>(pods.Images);
        output.Array<long>(pods.Requests);
        output.Array<int>(pods.Constraints);
        output.Array<int>(pods.PvcStart);
        output.Array<int>(pods.PvcClaims);
        output.Array<int>(pods.ContainerStatusStart);
        if (version == 1)
        {
            output.Records(pods.ContainerStatuses, CompactRecords.ContainerStatusSizeV1, CompactRecords.WriteV1);
        }
        else
        {
            output.Records(pods.ContainerStatuses, CompactRecords.ContainerStatusSize, CompactRecords.Write);
        }
        output.Array<int>(pods.ConditionStart);
        output.Records(pods.Conditions, CompactRecords.ConditionSize, CompactRecords.Write);
        output.Array<int>(pods.Restarts);
        output.Array<int>(pods.InitRestarts);
        output.Array<long>(pods.UsageCpuMilli);
        output.Array<long>(pods.UsageMemory);
        output.Array<bool>(pods.HasUsage);
        if (version != 1)
        {
            output.Array<long>(pods.NonZeroCpuMilli);
            output.Array<long>(pods.NonZeroMemory);
        }
    }

    private void KeyValues(KeyValueColumn column)
    {
        output.Array<int>(column.Start);
        output.Array<int>(column.Keys);
        output.Array<int>(column.Values);
    }

    // Dictionary order is kept (it is the order the source listed them in), so a read-back snapshot enumerates alike.
    private void PriorityClasses(IReadOnlyDictionary<int, PriorityClassInfo> classes)
    {
        output.Array<int>([.. classes.Keys]);
        output.Array<int>([.. classes.Values.Select(c => c.Value)]);
        output.Array<bool>([.. classes.Values.Select(c => c.GlobalDefault)]);
    }

    private void Constraints(PodConstraints constraints)
    {
        output.Int32(constraints.Tolerations.Length);
        foreach (Toleration toleration in constraints.Tolerations)
        {
            output.Int32(toleration.Key);
            output.Byte((byte)toleration.Operator);
            output.Int32(toleration.Value);
            output.Byte((byte)toleration.Effect);
        }

        output.Array<int>([.. constraints.NodeSelector.Select(p => p.Key)]);
        output.Array<int>([.. constraints.NodeSelector.Select(p => p.Value)]);
        output.Bool(constraints.RequiredNodeAffinity is not null);
        if (constraints.RequiredNodeAffinity is not null)
        {
            output.Int32(constraints.RequiredNodeAffinity.Length);
            foreach (NodeSelectorTerm term in constraints.RequiredNodeAffinity)
            {
                Term(term);
            }
        }

        output.Int32(constraints.PreferredNodeAffinity.Length);
        foreach (PreferredSchedulingTerm preferred in constraints.PreferredNodeAffinity)
        {
            output.Int32(preferred.Weight);
            Term(preferred.Term);
        }

        AffinityTerms(constraints.RequiredPodAffinity);
        AffinityTerms(constraints.RequiredPodAntiAffinity);
        if (version != 1)
        {
            WeightedTerms(constraints.PreferredPodAffinity);
        }

        WeightedTerms(constraints.PreferredPodAntiAffinity);

        output.Int32(constraints.TopologySpread.Length);
        foreach (TopologySpreadConstraint spread in constraints.TopologySpread)
        {
            output.Int32(spread.MaxSkew);
            output.Int32(spread.TopologyKey);
            output.Byte((byte)spread.WhenUnsatisfiable);
            Selector(spread.Selector);
            output.Bool(spread.MinDomains.HasValue);
            output.Int32(spread.MinDomains ?? 0);
            output.Byte((byte)spread.NodeAffinityPolicy);
            output.Byte((byte)spread.NodeTaintsPolicy);
            output.Array<int>(spread.MatchLabelKeys);
        }
    }

    private void Term(NodeSelectorTerm term)
    {
        output.Int32(term.Requirements.Length);
        foreach (NodeSelectorRequirement requirement in term.Requirements)
        {
            output.Int32(requirement.Key);
            output.Byte((byte)requirement.Operator);
            output.Array<int>(requirement.Values);
            output.Strings(requirement.RawValues);
            output.Bool(requirement.IsField);
        }
    }

    private void AffinityTerms(PodAffinityTerm[] terms)
    {
        output.Int32(terms.Length);
        foreach (PodAffinityTerm term in terms)
        {
            AffinityTerm(term);
        }
    }

    private void WeightedTerms(WeightedPodAffinityTerm[] terms)
    {
        output.Int32(terms.Length);
        foreach (WeightedPodAffinityTerm weighted in terms)
        {
            output.Int32(weighted.Weight);
            AffinityTerm(weighted.Term);
        }
    }

    private void AffinityTerm(PodAffinityTerm term)
    {
        Selector(term.Selector);
        output.Array<int>(term.Namespaces);
        output.Bool(term.NamespaceSelector is not null);
        if (term.NamespaceSelector is not null)
        {
            Selector(term.NamespaceSelector);
        }

        output.Int32(term.TopologyKey);
    }

    private void Selector(LabelSelector selector)
    {
        output.Bool(selector.MatchesNothing);
        output.Int32(selector.Requirements.Length);
        foreach (SelectorRequirement requirement in selector.Requirements)
        {
            output.Int32(requirement.Key);
            output.Byte((byte)requirement.Operator);
            output.Array<int>(requirement.Values);
        }
    }

    private void Pdb(PdbRecord pdb)
    {
        output.Int32(pdb.Namespace);
        output.String(pdb.Name);
        Selector(pdb.Selector);
        IntOrPercent(pdb.MinAvailable);
        IntOrPercent(pdb.MaxUnavailable);
        output.Byte((byte)pdb.UnhealthyPodEvictionPolicy);
        output.Int64(pdb.Generation);
        output.Bool(pdb.HasStatus);
        output.Int64(pdb.ObservedGeneration);
        output.Int32(pdb.DisruptionsAllowed);
        output.Int32(pdb.CurrentHealthy);
        output.Int32(pdb.DesiredHealthy);
        output.Int32(pdb.ExpectedPods);
        output.Strings(pdb.DisruptedPods);
    }

    private void IntOrPercent(IntOrPercent? value)
    {
        output.Bool(value.HasValue);
        output.Int32(value?.Value ?? 0);
        output.Bool(value?.IsPercent ?? false);
    }
}

/// <summary>What a compact snapshot carries besides the snapshot: the source loader's warnings and object counts.</summary>
public sealed record CompactSnapshotProvenance(
    IReadOnlyList<string> Warnings,
    IReadOnlyList<KeyValuePair<string, int>> ObjectsByKind,
    IReadOnlyList<KeyValuePair<string, int>> SkippedByKind);
