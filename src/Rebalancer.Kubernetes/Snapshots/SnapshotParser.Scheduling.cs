using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Rebalancer.Core.Model;

namespace Rebalancer.Kubernetes.Snapshots;

/// <summary>
/// Scheduling constraints (tolerations, nodeSelector, affinity, topology spread) and label selectors.
/// <para>
/// The pods of one workload repeat these subtrees byte for byte, so each distinct subtree is parsed once: the raw bytes
/// are found by skipping a copy of the reader, and a hit costs one hash and compare, then reuses the parsed (immutable)
/// arrays. Equal parts also make equal <see cref="PodConstraints"/> instances, which the builder interns cheaply.
/// </para>
/// </summary>
internal sealed partial class SnapshotParser
{
    // Bounds the caches for inputs whose subtrees never repeat (per-pod affinities); beyond it parsing is just uncached.
    private const int CacheLimit = 4096;

    private readonly Utf8Dictionary<Toleration[]> _tolerationCache = new();
    private readonly Utf8Dictionary<(int Key, int Value)[]> _nodeSelectorCache = new();
    private readonly Utf8Dictionary<AffinityParts> _affinityCache = new();
    private readonly Utf8Dictionary<TopologySpreadConstraint[]> _spreadCache = new();
    private readonly Dictionary<ConstraintKey, PodConstraints> _constraintCache = [];

    // The parts of the pod being parsed.
    private Toleration[] _tolerations = [];
    private (int Key, int Value)[] _nodeSelector = [];
    private AffinityParts _affinity = AffinityParts.None;
    private TopologySpreadConstraint[] _spread = [];

    private void ResetConstraintParts()
    {
        _tolerations = [];
        _nodeSelector = [];
        _affinity = AffinityParts.None;
        _spread = [];
    }

    private PodConstraints AssembleConstraints()
    {
        if (_tolerations.Length == 0 && _nodeSelector.Length == 0 && ReferenceEquals(_affinity, AffinityParts.None) && _spread.Length == 0)
        {
            return PodConstraints.None;
        }

        var key = new ConstraintKey(_tolerations, _nodeSelector, _affinity, _spread);
        if (_constraintCache.TryGetValue(key, out PodConstraints? constraints))
        {
            return constraints;
        }

        constraints = new PodConstraints
        {
            Tolerations = _tolerations,
            NodeSelector = _nodeSelector,
            RequiredNodeAffinity = _affinity.RequiredNodeAffinity,
            PreferredNodeAffinity = _affinity.PreferredNodeAffinity,
            RequiredPodAffinity = _affinity.RequiredPodAffinity,
            RequiredPodAntiAffinity = _affinity.RequiredPodAntiAffinity,
            PreferredPodAffinity = _affinity.PreferredPodAffinity,
            PreferredPodAntiAffinity = _affinity.PreferredPodAntiAffinity,
            TopologySpread = _spread,
        };
        if (_constraintCache.Count < CacheLimit)
        {
            _constraintCache.Add(key, constraints);
        }

        return constraints;
    }

    /// <summary>
    /// Looks up the raw bytes of the array or object starting at <paramref name="r"/>. On a hit the reader moves past it;
    /// on a miss it stays, and <paramref name="raw"/> holds the bytes for <see cref="Remember{T}"/>.
    /// </summary>
    private static bool TryGetCached<T>(ref TapeReader r, Utf8Dictionary<T> cache, [MaybeNullWhen(false)] out T value, out ReadOnlySpan<byte> raw)
    {
        TapeReader probe = r;
        Skip(ref probe);
        raw = r.RawUntil(probe);
        if (cache.TryGetValue(raw, out value))
        {
            r = probe;
            return true;
        }

        return false;
    }

    private static void Remember<T>(Utf8Dictionary<T> cache, ReadOnlySpan<byte> raw, T value)
    {
        if (cache.Count < CacheLimit)
        {
            cache.Set(raw, value);
        }
    }

    // ---- tolerations and taint effects ------------------------------------------------------------------------------

    private Toleration[] ReadTolerations(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        if (TryGetCached(ref r, _tolerationCache, out Toleration[]? cached, out ReadOnlySpan<byte> raw))
        {
            return cached;
        }

        var tolerations = new List<Toleration>();
        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int key = 0;
                int value = 0;
                TolerationOperator op = TolerationOperator.Equal;
                TaintEffect effect = TaintEffect.Any;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("key"u8))
                    {
                        key = ReadStringId(ref r, "key");
                    }
                    else if (name.SequenceEqual("operator"u8))
                    {
                        ReadOnlySpan<byte> text = ReadUtf8(ref r, "operator");
                        op = text.IsEmpty || text.SequenceEqual("Equal"u8) ? TolerationOperator.Equal
                            : text.SequenceEqual("Exists"u8) ? TolerationOperator.Exists
                            : throw InvalidValue(ref r, "operator", "Equal, Exists");
                    }
                    else if (name.SequenceEqual("value"u8))
                    {
                        value = ReadStringId(ref r, "value");
                    }
                    else if (name.SequenceEqual("effect"u8))
                    {
                        effect = ReadTaintEffect(ref r, allowAny: true);
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                tolerations.Add(new Toleration(key, op, value, effect));
            }

            _path.Pop();
        }

        Toleration[] result = tolerations.Count == 0 ? [] : [.. tolerations];
        Remember(_tolerationCache, raw, result);
        return result;
    }

    /// <summary>A taint effect; the empty effect (<see cref="TaintEffect.Any"/>) only exists on tolerations.</summary>
    private TaintEffect ReadTaintEffect(ref TapeReader r, bool allowAny)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, "effect");
        if (text.IsEmpty && allowAny)
        {
            return TaintEffect.Any;
        }

        return text.SequenceEqual("NoSchedule"u8) ? TaintEffect.NoSchedule
            : text.SequenceEqual("PreferNoSchedule"u8) ? TaintEffect.PreferNoSchedule
            : text.SequenceEqual("NoExecute"u8) ? TaintEffect.NoExecute
            : throw InvalidValue(ref r, "effect", "NoSchedule, PreferNoSchedule, NoExecute");
    }

    // ---- nodeSelector -----------------------------------------------------------------------------------------------

    private (int Key, int Value)[] ReadNodeSelector(ref TapeReader r)
    {
        if (!BeginObject(ref r))
        {
            return [];
        }

        if (TryGetCached(ref r, _nodeSelectorCache, out (int Key, int Value)[]? cached, out ReadOnlySpan<byte> raw))
        {
            return cached;
        }

        var pairs = new List<(int Key, int Value)>();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            int key = _strings.Intern(name);
            pairs.Add((key, ReadStringId(ref r, _strings[key])));
        }

        (int Key, int Value)[] result = pairs.Count == 0 ? [] : [.. pairs];
        Remember(_nodeSelectorCache, raw, result);
        return result;
    }

    // ---- affinity ---------------------------------------------------------------------------------------------------

    /// <summary>The parsed <c>spec.affinity</c> fields <see cref="PodConstraints"/> keeps.</summary>
    private sealed class AffinityParts
    {
        public static readonly AffinityParts None = new();

        public NodeSelectorTerm[]? RequiredNodeAffinity { get; init; }

        public PreferredSchedulingTerm[] PreferredNodeAffinity { get; init; } = [];

        public PodAffinityTerm[] RequiredPodAffinity { get; init; } = [];

        public PodAffinityTerm[] RequiredPodAntiAffinity { get; init; } = [];

        public WeightedPodAffinityTerm[] PreferredPodAffinity { get; init; } = [];

        public WeightedPodAffinityTerm[] PreferredPodAntiAffinity { get; init; } = [];
    }

    private AffinityParts ReadAffinity(ref TapeReader r)
    {
        if (!BeginObject(ref r))
        {
            return AffinityParts.None;
        }

        if (TryGetCached(ref r, _affinityCache, out AffinityParts? cached, out ReadOnlySpan<byte> raw))
        {
            return cached;
        }

        NodeSelectorTerm[]? requiredNode = null;
        PreferredSchedulingTerm[] preferredNode = [];
        PodAffinityTerm[] requiredPod = [];
        PodAffinityTerm[] requiredAnti = [];
        WeightedPodAffinityTerm[] preferredAffinity = [];
        WeightedPodAffinityTerm[] preferredAnti = [];
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("nodeAffinity"u8))
            {
                Enter(ref r, "nodeAffinity");
                if (BeginObject(ref r))
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                    {
                        if (property.SequenceEqual("requiredDuringSchedulingIgnoredDuringExecution"u8))
                        {
                            Enter(ref r, "requiredDuringSchedulingIgnoredDuringExecution");
                            requiredNode = ParseNodeSelectorTerms(ref r);
                            _path.Pop();
                        }
                        else if (property.SequenceEqual("preferredDuringSchedulingIgnoredDuringExecution"u8))
                        {
                            Enter(ref r, "preferredDuringSchedulingIgnoredDuringExecution");
                            preferredNode = ParsePreferredSchedulingTerms(ref r);
                            _path.Pop();
                        }
                        else
                        {
                            Skip(ref r);
                        }
                    }
                }

                _path.Pop();
            }
            else if (name.SequenceEqual("podAffinity"u8) || name.SequenceEqual("podAntiAffinity"u8))
            {
                bool anti = name.SequenceEqual("podAntiAffinity"u8);
                Enter(ref r, anti ? "podAntiAffinity" : "podAffinity");
                if (BeginObject(ref r))
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> property))
                    {
                        if (property.SequenceEqual("requiredDuringSchedulingIgnoredDuringExecution"u8))
                        {
                            Enter(ref r, "requiredDuringSchedulingIgnoredDuringExecution");
                            PodAffinityTerm[] terms = ParsePodAffinityTerms(ref r);
                            if (anti)
                            {
                                requiredAnti = terms;
                            }
                            else
                            {
                                requiredPod = terms;
                            }

                            _path.Pop();
                        }
                        else if (property.SequenceEqual("preferredDuringSchedulingIgnoredDuringExecution"u8))
                        {
                            Enter(ref r, "preferredDuringSchedulingIgnoredDuringExecution");
                            WeightedPodAffinityTerm[] weighted = ParseWeightedPodAffinityTerms(ref r);
                            if (anti)
                            {
                                preferredAnti = weighted;
                            }
                            else
                            {
                                preferredAffinity = weighted;
                            }

                            _path.Pop();
                        }
                        else
                        {
                            Skip(ref r);
                        }
                    }
                }

                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        AffinityParts result = requiredNode is null && preferredNode.Length == 0 && requiredPod.Length == 0
            && requiredAnti.Length == 0 && preferredAffinity.Length == 0 && preferredAnti.Length == 0
            ? AffinityParts.None
            : new AffinityParts
            {
                RequiredNodeAffinity = requiredNode,
                PreferredNodeAffinity = preferredNode,
                RequiredPodAffinity = requiredPod,
                RequiredPodAntiAffinity = requiredAnti,
                PreferredPodAffinity = preferredAffinity,
                PreferredPodAntiAffinity = preferredAnti,
            };
        Remember(_affinityCache, raw, result);
        return result;
    }

    /// <summary>A v1.NodeSelector: null when absent; its terms otherwise (an empty list matches no node, as in the scheduler).</summary>
    private NodeSelectorTerm[]? ParseNodeSelectorTerms(ref TapeReader r)
    {
        if (!BeginObject(ref r))
        {
            return null;
        }

        var terms = new List<NodeSelectorTerm>();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (!name.SequenceEqual("nodeSelectorTerms"u8))
            {
                Skip(ref r);
                continue;
            }

            Enter(ref r, "nodeSelectorTerms");
            if (BeginArray(ref r))
            {
                for (int i = 0; NextElement(ref r); i++)
                {
                    _path.PushIndex(i);
                    terms.Add(ParseNodeSelectorTerm(ref r));
                    _path.Pop();
                }
            }

            _path.Pop();
        }

        return [.. terms];
    }

    private PreferredSchedulingTerm[] ParsePreferredSchedulingTerms(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        var terms = new List<PreferredSchedulingTerm>();
        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int weight = 0;
                NodeSelectorTerm term = new([]);
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("weight"u8))
                    {
                        weight = TryReadInt32(ref r, "weight", out int value) ? value : 0;
                    }
                    else if (name.SequenceEqual("preference"u8))
                    {
                        Enter(ref r, "preference");
                        term = ParseNodeSelectorTerm(ref r);
                        _path.Pop();
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                terms.Add(new PreferredSchedulingTerm(weight, term));
            }

            _path.Pop();
        }

        return [.. terms];
    }

    /// <summary>A term's matchExpressions (on node labels) and matchFields (on <c>metadata.name</c>), all required.</summary>
    private NodeSelectorTerm ParseNodeSelectorTerm(ref TapeReader r)
    {
        var requirements = new List<NodeSelectorRequirement>();
        if (BeginObject(ref r))
        {
            while (NextProperty(ref r, out ReadOnlySpan<byte> name))
            {
                bool fields = name.SequenceEqual("matchFields"u8);
                if (!fields && !name.SequenceEqual("matchExpressions"u8))
                {
                    Skip(ref r);
                    continue;
                }

                Enter(ref r, fields ? "matchFields" : "matchExpressions");
                if (BeginArray(ref r))
                {
                    for (int i = 0; NextElement(ref r); i++)
                    {
                        _path.PushIndex(i);
                        if (BeginObject(ref r))
                        {
                            requirements.Add(ParseNodeSelectorRequirement(ref r, fields));
                        }

                        _path.Pop();
                    }
                }

                _path.Pop();
            }
        }

        return new NodeSelectorTerm([.. requirements]);
    }

    private NodeSelectorRequirement ParseNodeSelectorRequirement(ref TapeReader r, bool isField)
    {
        (int key, SelectorOperator op, int[] values) = ParseRequirement(ref r, allowNumeric: true);

        // Gt/Lt compare the values as integers, so the strings travel with the ids.
        string[] raw = values.Length == 0 ? [] : new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            raw[i] = _strings[values[i]];
        }

        return new NodeSelectorRequirement(key, op, values, raw, isField);
    }

    private PodAffinityTerm[] ParsePodAffinityTerms(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        var terms = new List<PodAffinityTerm>();
        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                terms.Add(ParsePodAffinityTerm(ref r));
            }

            _path.Pop();
        }

        return [.. terms];
    }

    private WeightedPodAffinityTerm[] ParseWeightedPodAffinityTerms(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        var terms = new List<WeightedPodAffinityTerm>();
        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                int weight = 0;
                PodAffinityTerm? term = null;
                while (NextProperty(ref r, out ReadOnlySpan<byte> name))
                {
                    if (name.SequenceEqual("weight"u8))
                    {
                        weight = TryReadInt32(ref r, "weight", out int value) ? value : 0;
                    }
                    else if (name.SequenceEqual("podAffinityTerm"u8))
                    {
                        Enter(ref r, "podAffinityTerm");
                        term = BeginObject(ref r) ? ParsePodAffinityTerm(ref r) : null;
                        _path.Pop();
                    }
                    else
                    {
                        Skip(ref r);
                    }
                }

                if (term is not null)
                {
                    terms.Add(new WeightedPodAffinityTerm(weight, term));
                }
            }

            _path.Pop();
        }

        return [.. terms];
    }

    /// <summary>
    /// A pod (anti-)affinity term, at its StartObject. A missing labelSelector selects nothing (LabelSelectorAsSelector(nil));
    /// a missing namespaceSelector stays null (the term's namespaces, or the pod's own), while <c>{}</c> means all namespaces.
    /// </summary>
    private PodAffinityTerm ParsePodAffinityTerm(ref TapeReader r)
    {
        LabelSelector selector = LabelSelector.Nothing;
        LabelSelector? namespaceSelector = null;
        int[] namespaces = [];
        int topologyKey = 0;
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("labelSelector"u8))
            {
                Enter(ref r, "labelSelector");
                selector = ParseLabelSelector(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("topologyKey"u8))
            {
                topologyKey = ReadStringId(ref r, "topologyKey");
            }
            else if (name.SequenceEqual("namespaces"u8))
            {
                Enter(ref r, "namespaces");
                namespaces = ParseStringIds(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("namespaceSelector"u8))
            {
                Enter(ref r, "namespaceSelector");
                namespaceSelector = r.TokenType == JsonTokenType.Null ? null : ParseLabelSelector(ref r);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        return new PodAffinityTerm(selector, namespaces, namespaceSelector, topologyKey);
    }

    // ---- topologySpreadConstraints ----------------------------------------------------------------------------------

    private TopologySpreadConstraint[] ReadTopologySpread(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        if (TryGetCached(ref r, _spreadCache, out TopologySpreadConstraint[]? cached, out ReadOnlySpan<byte> raw))
        {
            return cached;
        }

        var constraints = new List<TopologySpreadConstraint>();
        for (int i = 0; NextElement(ref r); i++)
        {
            _path.PushIndex(i);
            if (BeginObject(ref r))
            {
                constraints.Add(ParseTopologySpreadConstraint(ref r));
            }

            _path.Pop();
        }

        TopologySpreadConstraint[] result = constraints.Count == 0 ? [] : [.. constraints];
        Remember(_spreadCache, raw, result);
        return result;
    }

    /// <summary>
    /// One constraint. Defaults are the API's: a null labelSelector matches no pod, nodeAffinityPolicy defaults to Honor
    /// and nodeTaintsPolicy to Ignore.
    /// </summary>
    private TopologySpreadConstraint ParseTopologySpreadConstraint(ref TapeReader r)
    {
        int maxSkew = 0;
        int topologyKey = 0;
        UnsatisfiableConstraintAction action = UnsatisfiableConstraintAction.DoNotSchedule;
        LabelSelector selector = LabelSelector.Nothing;
        int? minDomains = null;
        NodeInclusionPolicy affinityPolicy = NodeInclusionPolicy.Honor;
        NodeInclusionPolicy taintsPolicy = NodeInclusionPolicy.Ignore;
        int[] matchLabelKeys = [];
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("maxSkew"u8))
            {
                maxSkew = TryReadInt32(ref r, "maxSkew", out int value) ? value : 0;
            }
            else if (name.SequenceEqual("topologyKey"u8))
            {
                topologyKey = ReadStringId(ref r, "topologyKey");
            }
            else if (name.SequenceEqual("whenUnsatisfiable"u8))
            {
                ReadOnlySpan<byte> text = ReadUtf8(ref r, "whenUnsatisfiable");
                action = text.SequenceEqual("DoNotSchedule"u8) ? UnsatisfiableConstraintAction.DoNotSchedule
                    : text.SequenceEqual("ScheduleAnyway"u8) ? UnsatisfiableConstraintAction.ScheduleAnyway
                    : throw InvalidValue(ref r, "whenUnsatisfiable", "DoNotSchedule, ScheduleAnyway");
            }
            else if (name.SequenceEqual("labelSelector"u8))
            {
                Enter(ref r, "labelSelector");
                selector = ParseLabelSelector(ref r);
                _path.Pop();
            }
            else if (name.SequenceEqual("minDomains"u8))
            {
                minDomains = TryReadInt32(ref r, "minDomains", out int value) ? value : null;
            }
            else if (name.SequenceEqual("nodeAffinityPolicy"u8))
            {
                affinityPolicy = ReadInclusionPolicy(ref r, "nodeAffinityPolicy", NodeInclusionPolicy.Honor);
            }
            else if (name.SequenceEqual("nodeTaintsPolicy"u8))
            {
                taintsPolicy = ReadInclusionPolicy(ref r, "nodeTaintsPolicy", NodeInclusionPolicy.Ignore);
            }
            else if (name.SequenceEqual("matchLabelKeys"u8))
            {
                Enter(ref r, "matchLabelKeys");
                matchLabelKeys = ParseStringIds(ref r);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        return new TopologySpreadConstraint(maxSkew, topologyKey, action, selector, minDomains, affinityPolicy, taintsPolicy, matchLabelKeys);
    }

    private NodeInclusionPolicy ReadInclusionPolicy(ref TapeReader r, string segment, NodeInclusionPolicy absent)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, segment);
        return text.IsEmpty ? absent
            : text.SequenceEqual("Honor"u8) ? NodeInclusionPolicy.Honor
            : text.SequenceEqual("Ignore"u8) ? NodeInclusionPolicy.Ignore
            : throw InvalidValue(ref r, segment, "Honor, Ignore");
    }

    // ---- label selectors --------------------------------------------------------------------------------------------

    /// <summary>
    /// A metav1.LabelSelector at its value: null is <see cref="LabelSelector.Nothing"/> and <c>{}</c>
    /// <see cref="LabelSelector.Everything"/> (apimachinery LabelSelectorAsSelector); matchLabels become In requirements.
    /// </summary>
    private LabelSelector ParseLabelSelector(ref TapeReader r)
    {
        if (!BeginObject(ref r))
        {
            return LabelSelector.Nothing;
        }

        var requirements = new List<SelectorRequirement>();
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("matchLabels"u8))
            {
                Enter(ref r, "matchLabels");
                if (BeginObject(ref r))
                {
                    while (NextProperty(ref r, out ReadOnlySpan<byte> label))
                    {
                        int key = _strings.Intern(label);
                        requirements.Add(new SelectorRequirement(key, SelectorOperator.In, [ReadStringId(ref r, _strings[key])]));
                    }
                }

                _path.Pop();
            }
            else if (name.SequenceEqual("matchExpressions"u8))
            {
                Enter(ref r, "matchExpressions");
                if (BeginArray(ref r))
                {
                    for (int i = 0; NextElement(ref r); i++)
                    {
                        _path.PushIndex(i);
                        if (BeginObject(ref r))
                        {
                            requirements.Add(ParseSelectorRequirement(ref r));
                        }

                        _path.Pop();
                    }
                }

                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        return requirements.Count == 0 ? LabelSelector.Everything : new LabelSelector([.. requirements]);
    }

    private SelectorRequirement ParseSelectorRequirement(ref TapeReader r)
    {
        (int key, SelectorOperator op, int[] values) = ParseRequirement(ref r, allowNumeric: false);
        return new SelectorRequirement(key, op, values);
    }

    /// <summary>The <c>{key, operator, values}</c> of a label or node selector requirement.</summary>
    private (int Key, SelectorOperator Operator, int[] Values) ParseRequirement(ref TapeReader r, bool allowNumeric)
    {
        int key = 0;
        SelectorOperator op = SelectorOperator.In;
        int[] values = [];
        while (NextProperty(ref r, out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("key"u8))
            {
                key = ReadStringId(ref r, "key");
            }
            else if (name.SequenceEqual("operator"u8))
            {
                op = ReadSelectorOperator(ref r, allowNumeric);
            }
            else if (name.SequenceEqual("values"u8))
            {
                Enter(ref r, "values");
                values = ParseStringIds(ref r);
                _path.Pop();
            }
            else
            {
                Skip(ref r);
            }
        }

        return (key, op, values);
    }

    /// <summary>A selector operator; Gt and Lt exist only in node selector requirements.</summary>
    private SelectorOperator ReadSelectorOperator(ref TapeReader r, bool allowNumeric)
    {
        ReadOnlySpan<byte> text = ReadUtf8(ref r, "operator");
        if (text.SequenceEqual("In"u8))
        {
            return SelectorOperator.In;
        }

        if (text.SequenceEqual("NotIn"u8))
        {
            return SelectorOperator.NotIn;
        }

        if (text.SequenceEqual("Exists"u8))
        {
            return SelectorOperator.Exists;
        }

        if (text.SequenceEqual("DoesNotExist"u8))
        {
            return SelectorOperator.DoesNotExist;
        }

        if (allowNumeric && text.SequenceEqual("Gt"u8))
        {
            return SelectorOperator.Gt;
        }

        if (allowNumeric && text.SequenceEqual("Lt"u8))
        {
            return SelectorOperator.Lt;
        }

        throw InvalidValue(ref r, "operator", allowNumeric ? "In, NotIn, Exists, DoesNotExist, Gt, Lt" : "In, NotIn, Exists, DoesNotExist");
    }

    /// <summary>An array of strings as interned ids; null is empty.</summary>
    private int[] ParseStringIds(ref TapeReader r)
    {
        if (!BeginArray(ref r))
        {
            return [];
        }

        List<int>? ids = null;
        for (int i = 0; NextElement(ref r); i++)
        {
            if (r.TokenType != JsonTokenType.String)
            {
                _path.PushIndex(i);
                throw Expected(ref r, "a string");
            }

            (ids ??= []).Add(_strings.Intern(Utf8Value(ref r)));
        }

        return ids is null ? [] : [.. ids];
    }

    /// <summary>Identity of the four constraint parts; the parts come from the caches, so equal pods share references.</summary>
    private readonly struct ConstraintKey(object tolerations, object nodeSelector, object affinity, object spread) : IEquatable<ConstraintKey>
    {
        private readonly object _tolerations = tolerations;
        private readonly object _nodeSelector = nodeSelector;
        private readonly object _affinity = affinity;
        private readonly object _spread = spread;

        public bool Equals(ConstraintKey other) =>
            ReferenceEquals(_tolerations, other._tolerations) && ReferenceEquals(_nodeSelector, other._nodeSelector)
            && ReferenceEquals(_affinity, other._affinity) && ReferenceEquals(_spread, other._spread);

        public override bool Equals(object? obj) => obj is ConstraintKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(
            RuntimeHelpers.GetHashCode(_tolerations), RuntimeHelpers.GetHashCode(_nodeSelector),
            RuntimeHelpers.GetHashCode(_affinity), RuntimeHelpers.GetHashCode(_spread));
    }
}
