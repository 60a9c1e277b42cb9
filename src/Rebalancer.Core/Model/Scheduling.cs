namespace Rebalancer.Core.Model;

public readonly record struct Taint(int Key, int Value, TaintEffect Effect);

/// <summary>A toleration. Key 0 (empty) with <see cref="TolerationOperator.Exists"/> tolerates every taint.</summary>
public readonly record struct Toleration(int Key, TolerationOperator Operator, int Value, TaintEffect Effect)
{
    /// <summary>The scheduler's ToleratesTaint: effect, key and value must match (empty effect and key are wildcards).</summary>
    public bool Tolerates(Taint taint)
    {
        if (Effect != TaintEffect.Any && Effect != taint.Effect)
        {
            return false;
        }

        if (Key != 0 && Key != taint.Key)
        {
            return false;
        }

        return Operator == TolerationOperator.Exists || Value == taint.Value;
    }
}

/// <summary>
/// A node selector requirement of node affinity. Gt/Lt compare integers, so the raw strings are kept beside the ids.
/// <see cref="IsField"/> marks a matchFields entry (only <c>metadata.name</c> exists).
/// </summary>
public sealed record NodeSelectorRequirement(int Key, SelectorOperator Operator, int[] Values, string[] RawValues, bool IsField)
{
    public bool Equals(NodeSelectorRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && IsField == other.IsField
        && Values.AsSpan().SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, IsField, ContentHash.Of(Values));
}

/// <summary>A node selector term: all requirements must hold.</summary>
public sealed record NodeSelectorTerm(NodeSelectorRequirement[] Requirements)
{
    public bool Equals(NodeSelectorTerm? other) => other is not null && Requirements.AsSpan().SequenceEqual(other.Requirements);

    public override int GetHashCode() => ContentHash.Of(Requirements);
}

public sealed record PreferredSchedulingTerm(int Weight, NodeSelectorTerm Term);

/// <summary>A pod (anti-)affinity term. Empty <see cref="Namespaces"/> and no <see cref="NamespaceSelector"/> mean the pod's own namespace.</summary>
public sealed record PodAffinityTerm(LabelSelector Selector, int[] Namespaces, LabelSelector? NamespaceSelector, int TopologyKey)
{
    public bool Equals(PodAffinityTerm? other) =>
        other is not null && Selector.Equals(other.Selector) && Namespaces.AsSpan().SequenceEqual(other.Namespaces)
        && Equals(NamespaceSelector, other.NamespaceSelector) && TopologyKey == other.TopologyKey;

    public override int GetHashCode() => HashCode.Combine(Selector, ContentHash.Of(Namespaces), NamespaceSelector, TopologyKey);
}

public sealed record WeightedPodAffinityTerm(int Weight, PodAffinityTerm Term);

public sealed record TopologySpreadConstraint(
    int MaxSkew,
    int TopologyKey,
    UnsatisfiableConstraintAction WhenUnsatisfiable,
    LabelSelector Selector,
    int? MinDomains,
    NodeInclusionPolicy NodeAffinityPolicy,
    NodeInclusionPolicy NodeTaintsPolicy,
    int[] MatchLabelKeys)
{
    public bool Equals(TopologySpreadConstraint? other) =>
        other is not null && MaxSkew == other.MaxSkew && TopologyKey == other.TopologyKey
        && WhenUnsatisfiable == other.WhenUnsatisfiable && Selector.Equals(other.Selector) && MinDomains == other.MinDomains
        && NodeAffinityPolicy == other.NodeAffinityPolicy && NodeTaintsPolicy == other.NodeTaintsPolicy
        && MatchLabelKeys.AsSpan().SequenceEqual(other.MatchLabelKeys);

    public override int GetHashCode() => HashCode.Combine(MaxSkew, TopologyKey, WhenUnsatisfiable, Selector, MinDomains,
        NodeAffinityPolicy, NodeTaintsPolicy, ContentHash.Of(MatchLabelKeys));
}

/// <summary>
/// Everything that decides where a pod may be scheduled, apart from its resource requests. Pods of one workload share
/// one instance (the snapshot interns them), so "scheduling-equivalent" pods have the same constraints id.
/// </summary>
public sealed class PodConstraints : IEquatable<PodConstraints>
{
    public static readonly PodConstraints None = new();

    // The builder interns one instance per pod, so the content hash is computed once per instance (0 = not yet).
    private int _hashCode;

    public Toleration[] Tolerations { get; init; } = [];

    /// <summary><c>spec.nodeSelector</c> as (key id, value id) pairs.</summary>
    public (int Key, int Value)[] NodeSelector { get; init; } = [];

    /// <summary>Required node affinity terms (ORed); null when the pod has none.</summary>
    public NodeSelectorTerm[]? RequiredNodeAffinity { get; init; }

    public PreferredSchedulingTerm[] PreferredNodeAffinity { get; init; } = [];

    public PodAffinityTerm[] RequiredPodAffinity { get; init; } = [];

    public PodAffinityTerm[] RequiredPodAntiAffinity { get; init; } = [];

    /// <summary>Preferred pod affinity terms: only the scheduler's InterPodAffinity score reads them.</summary>
    public WeightedPodAffinityTerm[] PreferredPodAffinity { get; init; } = [];

    public WeightedPodAffinityTerm[] PreferredPodAntiAffinity { get; init; } = [];

    public TopologySpreadConstraint[] TopologySpread { get; init; } = [];

    public bool HasNodeSelectorOrAffinity => NodeSelector.Length > 0 || RequiredNodeAffinity is not null;

    public bool Equals(PodConstraints? other) =>
        ReferenceEquals(this, other)
        || other is not null
        && Tolerations.AsSpan().SequenceEqual(other.Tolerations)
        && NodeSelector.AsSpan().SequenceEqual(other.NodeSelector)
        && SequenceEqual(RequiredNodeAffinity, other.RequiredNodeAffinity)
        && PreferredNodeAffinity.AsSpan().SequenceEqual(other.PreferredNodeAffinity)
        && RequiredPodAffinity.AsSpan().SequenceEqual(other.RequiredPodAffinity)
        && RequiredPodAntiAffinity.AsSpan().SequenceEqual(other.RequiredPodAntiAffinity)
        && PreferredPodAffinity.AsSpan().SequenceEqual(other.PreferredPodAffinity)
        && PreferredPodAntiAffinity.AsSpan().SequenceEqual(other.PreferredPodAntiAffinity)
        && TopologySpread.AsSpan().SequenceEqual(other.TopologySpread);

    public override bool Equals(object? obj) => Equals(obj as PodConstraints);

    /// <summary>
    /// A hash over the whole content: workloads differ mostly in affinity and spread terms, so hashing only their counts
    /// put thousands of distinct sets into a few buckets.
    /// </summary>
    public override int GetHashCode()
    {
        if (_hashCode == 0)
        {
            var hash = new HashCode();
            hash.Add(ContentHash.Of(Tolerations));
            hash.Add(ContentHash.Of(NodeSelector));
            hash.Add(RequiredNodeAffinity is null ? -1 : ContentHash.Of(RequiredNodeAffinity));
            hash.Add(ContentHash.Of(PreferredNodeAffinity));
            hash.Add(ContentHash.Of(RequiredPodAffinity));
            hash.Add(ContentHash.Of(RequiredPodAntiAffinity));
            hash.Add(ContentHash.Of(PreferredPodAffinity));
            hash.Add(ContentHash.Of(PreferredPodAntiAffinity));
            hash.Add(ContentHash.Of(TopologySpread));
            int code = hash.ToHashCode();
            _hashCode = code == 0 ? 1 : code;
        }

        return _hashCode;
    }

    private static bool SequenceEqual(NodeSelectorTerm[]? a, NodeSelectorTerm[]? b) =>
        a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}

/// <summary>Content hashes of the arrays inside the value-equal model records.</summary>
internal static class ContentHash
{
    public static int Of<T>(T[] items)
    {
        var hash = new HashCode();
        hash.Add(items.Length);
        foreach (T item in items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }
}
