using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Evictor;

/// <summary>
/// Binds and validates the <c>args</c> of a <c>DefaultEvictor</c> pluginConfig entry (descheduler-semantics §2.2).
/// Every problem goes to the reader's <see cref="ConfigProblems"/> with its path; the caller reports unknown keys with
/// <see cref="ArgsReader.RejectUnknown"/> afterwards.
/// </summary>
public static class DefaultEvictorSettingsBinder
{
    /// <summary>The descheduler's <c>SystemCriticalPriority</c>: the default threshold and the largest one allowed.</summary>
    public const int SystemCriticalPriority = 2_000_000_000;

    /// <summary>Protections that are on by default, by the name <c>podProtections.defaultDisabled</c> uses.</summary>
    public static IReadOnlyDictionary<string, PodProtections> DefaultProtections { get; } = new Dictionary<string, PodProtections>(StringComparer.Ordinal)
    {
        ["PodsWithLocalStorage"] = PodProtections.PodsWithLocalStorage,
        ["DaemonSetPods"] = PodProtections.DaemonSetPods,
        ["SystemCriticalPods"] = PodProtections.SystemCriticalPods,
        ["FailedBarePods"] = PodProtections.FailedBarePods,
        ["SafeToEvictAnnotation"] = PodProtections.SafeToEvictAnnotation,
        ["DoNotDisruptAnnotation"] = PodProtections.DoNotDisruptAnnotation,
    };

    /// <summary>Protections that are off by default, by the name <c>podProtections.extraEnabled</c> uses.</summary>
    public static IReadOnlyDictionary<string, PodProtections> ExtraProtections { get; } = new Dictionary<string, PodProtections>(StringComparer.Ordinal)
    {
        ["PodsWithPVC"] = PodProtections.PodsWithPVC,
        ["PodsWithoutPDB"] = PodProtections.PodsWithoutPDB,
        ["PodsWithResourceClaims"] = PodProtections.PodsWithResourceClaims,
    };

    private static readonly string DefaultProtectionNames = string.Join(", ", DefaultProtections.Keys);
    private static readonly string ExtraProtectionNames = string.Join(", ", ExtraProtections.Keys);

    /// <summary>
    /// The pre-v0.34 booleans and the podProtections entry each one stands for. <c>true</c> is the only value that
    /// does anything, as in the descheduler, where these are plain (non-pointer) bools.
    /// </summary>
    private static readonly (string Key, PodProtections Protection, bool Disables, string Replacement)[] LegacyFlags =
    [
        ("evictLocalStoragePods", PodProtections.PodsWithLocalStorage, true, "podProtections.defaultDisabled: [PodsWithLocalStorage]"),
        ("evictDaemonSetPods", PodProtections.DaemonSetPods, true, "podProtections.defaultDisabled: [DaemonSetPods]"),
        ("evictSystemCriticalPods", PodProtections.SystemCriticalPods, true, "podProtections.defaultDisabled: [SystemCriticalPods]"),
        ("evictFailedBarePods", PodProtections.FailedBarePods, true, "podProtections.defaultDisabled: [FailedBarePods]"),
        ("ignorePvcPods", PodProtections.PodsWithPVC, false, "podProtections.extraEnabled: [PodsWithPVC]"),
        ("ignorePodsWithoutPDB", PodProtections.PodsWithoutPDB, false, "podProtections.extraEnabled: [PodsWithoutPDB]"),
    ];

    public static DefaultEvictorSettings Bind(ArgsReader args)
    {
        ConfigProblems problems = args.Problems;

        LabelSelectorSpec? nodeSelector = null;
        if (args.Child("nodeSelector") is { } nodeSelectorNode)
        {
            nodeSelector = ReadStringSelector(nodeSelectorNode, problems);
        }

        LabelSelectorSpec? labelSelector = args.LabelSelector("labelSelector");
        LabelSelectorSpec? namespaceLabelSelector = args.LabelSelector("namespaceLabelSelector");
        (int? priorityValue, string? priorityName) = ReadPriorityThreshold(args);
        bool nodeFit = args.Bool("nodeFit") ?? false;
        uint minReplicas = (uint)(args.Integer("minReplicas", 0, uint.MaxValue) ?? 0);
        TimeSpan? minPodAge = ReadMinPodAge(args);
        NoEvictionPolicy noEvictionPolicy = ReadNoEvictionPolicy(args);

        PodProtections protections = PodProtections.Defaults;
        IReadOnlyList<string> storageClasses = [];
        bool podProtectionsUsed = false;
        if (args.Child("podProtections") is { } podProtectionsNode)
        {
            (protections, storageClasses, podProtectionsUsed) = ReadPodProtections(podProtectionsNode, problems);
        }

        foreach ((string key, PodProtections protection, bool disables, string replacement) in LegacyFlags)
        {
            PolicyNode? flagNode = args.Child(key);
            if (args.Bool(key) != true)
            {
                continue;
            }

            // The descheduler refuses a policy that says the same thing in both vocabularies: which one wins is
            // not obvious to a reader, so neither may.
            if (podProtectionsUsed)
            {
                problems.Add(flagNode!, $"cannot be combined with podProtections; use {replacement} instead");
                continue;
            }

            protections = disables ? protections & ~protection : protections | protection;
        }

        return new DefaultEvictorSettings
        {
            NodeSelector = nodeSelector,
            LabelSelector = labelSelector,
            NamespaceLabelSelector = namespaceLabelSelector,
            PriorityThresholdValue = priorityValue,
            PriorityThresholdName = priorityName,
            NodeFit = nodeFit,
            MinReplicas = minReplicas,
            MinPodAge = minPodAge,
            NoEvictionPolicy = noEvictionPolicy,
            Protections = protections,
            ProtectedStorageClasses = storageClasses,
        };
    }

    /// <summary>A label selector in its string form (<c>a=b,c in (d,e),!f</c>); empty means every node, as in Go.</summary>
    internal static LabelSelectorSpec? ReadStringSelector(PolicyNode node, ConfigProblems problems)
    {
        if (node.Kind != PolicyNodeKind.Scalar)
        {
            problems.Add(node, "must be a label selector string such as 'kubernetes.io/os=linux,node-role.kubernetes.io/control-plane!='");
            return null;
        }

        string text = node.Scalar!;
        if (text.Trim().Length == 0)
        {
            return null;
        }

        if (!LabelSelectorSpec.TryParse(text, out LabelSelectorSpec selector, out string error))
        {
            problems.Add(node, $"'{text}' is not a valid label selector: {error}");
            return null;
        }

        return selector;
    }

    private static (int? Value, string? Name) ReadPriorityThreshold(ArgsReader args)
    {
        PolicyNode? node = args.Child("priorityThreshold");
        if (node is null)
        {
            return (null, null);
        }

        var threshold = new ArgsReader(node, args.Problems, args.FieldPath("priorityThreshold"));
        int? value = null;
        if (threshold.Child("value") is { } valueNode
            && ArgsReader.ToInteger(valueNode, int.MinValue, int.MaxValue, args.Problems) is long parsed)
        {
            if (parsed > SystemCriticalPriority)
            {
                args.Problems.Add(valueNode, $"{parsed} is greater than {SystemCriticalPriority}, the priority of system-critical pods");
            }
            else
            {
                value = (int)parsed;
            }
        }

        // An empty name means "not set" in the descheduler (it tests len(name) > 0).
        string? name = threshold.String("name");
        if (name is { Length: 0 })
        {
            name = null;
        }

        threshold.RejectUnknown();
        if (value is not null && name is not null)
        {
            args.Problems.Add(node, "only one of value and name can be set");
            return (null, null);
        }

        return (value, name);
    }

    private static TimeSpan? ReadMinPodAge(ArgsReader args)
    {
        PolicyNode? node = args.Child("minPodAge");
        if (node is null)
        {
            return null;
        }

        if (node.Kind != PolicyNodeKind.Scalar)
        {
            args.Problems.Add(node, "must be a duration such as \"5m\", \"1h30m\" or \"300s\"");
            return null;
        }

        if (!GoDuration.TryParse(node.Scalar!, out TimeSpan age, out string error))
        {
            args.Problems.Add(node, $"'{node.Scalar}' is not a duration: {error} (examples: \"5m\", \"1h30m\", \"300s\")");
            return null;
        }

        if (age < TimeSpan.Zero)
        {
            args.Problems.Add(node, $"'{node.Scalar}' is negative; a minimum pod age must be zero or more");
            return null;
        }

        return age;
    }

    private static NoEvictionPolicy ReadNoEvictionPolicy(ArgsReader args)
    {
        string? text = args.String("noEvictionPolicy");
        switch (text)
        {
            case null or "" or nameof(NoEvictionPolicy.Preferred):
                return NoEvictionPolicy.Preferred;
            case nameof(NoEvictionPolicy.Mandatory):
                return NoEvictionPolicy.Mandatory;
            default:
                args.Problems.Add(args.FieldPath("noEvictionPolicy"), $"'{text}' is not one of Preferred, Mandatory (or empty, which means Preferred)");
                return NoEvictionPolicy.Preferred;
        }
    }

    private static (PodProtections Protections, IReadOnlyList<string> StorageClasses, bool Used) ReadPodProtections(PolicyNode node, ConfigProblems problems)
    {
        var reader = new ArgsReader(node, problems, node.Path);
        PodProtections protections = PodProtections.Defaults;
        bool used = false;

        List<(string Name, PolicyNode Node)> disabled = ReadProtectionList(reader, "defaultDisabled", problems);
        foreach ((string name, PolicyNode item) in disabled)
        {
            used = true;
            if (DefaultProtections.TryGetValue(name, out PodProtections protection))
            {
                protections &= ~protection;
            }
            else if (ExtraProtections.ContainsKey(name))
            {
                problems.Add(item, $"'{name}' is off by default; to turn it on, list it in extraEnabled (defaultDisabled accepts: {DefaultProtectionNames})");
            }
            else
            {
                problems.Add(item, $"unknown protection '{name}' (defaultDisabled accepts: {DefaultProtectionNames})");
            }
        }

        List<(string Name, PolicyNode Node)> enabled = ReadProtectionList(reader, "extraEnabled", problems);
        foreach ((string name, PolicyNode item) in enabled)
        {
            used = true;
            if (ExtraProtections.TryGetValue(name, out PodProtections protection))
            {
                protections |= protection;
            }
            else if (DefaultProtections.ContainsKey(name))
            {
                problems.Add(item, $"'{name}' is on by default; to turn it off, list it in defaultDisabled (extraEnabled accepts: {ExtraProtectionNames})");
            }
            else
            {
                problems.Add(item, $"unknown protection '{name}' (extraEnabled accepts: {ExtraProtectionNames})");
            }
        }

        IReadOnlyList<string> storageClasses = [];
        if (reader.Child("config") is { } configNode)
        {
            var config = new ArgsReader(configNode, problems, configNode.Path);
            if (config.Child("PodsWithPVC") is { } pvcNode)
            {
                used = true;
                storageClasses = ReadPvcConfig(pvcNode, problems);

                // Settings for a protection that is off would silently do nothing; that is always a mistake.
                if ((protections & PodProtections.PodsWithPVC) == 0)
                {
                    problems.Add(pvcNode, "has no effect unless PodsWithPVC is listed in podProtections.extraEnabled");
                }
            }

            config.RejectUnknown();
        }

        reader.RejectUnknown();
        return (protections, storageClasses, used);
    }

    private static List<(string Name, PolicyNode Node)> ReadProtectionList(ArgsReader reader, string key, ConfigProblems problems)
    {
        var names = new List<(string, PolicyNode)>();
        PolicyNode? node = reader.Child(key);
        if (node is null)
        {
            return names;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of protection names");
            return names;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (PolicyNode item in node.Items)
        {
            if (item.Kind != PolicyNodeKind.Scalar)
            {
                problems.Add(item, "must be a protection name");
            }
            else if (!seen.Add(item.Scalar!))
            {
                problems.Add(item, $"'{item.Scalar}' is listed more than once");
            }
            else
            {
                names.Add((item.Scalar!, item));
            }
        }

        return names;
    }

    private static List<string> ReadPvcConfig(PolicyNode node, ConfigProblems problems)
    {
        var reader = new ArgsReader(node, problems, node.Path);
        var classes = new List<string>();
        PolicyNode? list = reader.Child("protectedStorageClasses");
        if (list is not null && list.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(list, "must be a list of {name: <storage class>}");
        }
        else if (list is not null)
        {
            foreach (PolicyNode item in list.Items)
            {
                if (item.Kind != PolicyNodeKind.Mapping)
                {
                    problems.Add(item, "must be {name: <storage class>}");
                    continue;
                }

                var entry = new ArgsReader(item, problems, item.Path);
                string? name = entry.String("name");
                entry.RejectUnknown();
                if (name is { Length: > 0 })
                {
                    classes.Add(name);
                }
                else if (name is not null || item["name"] is null or { Kind: PolicyNodeKind.Null })
                {
                    // A missing or empty name; a non-string name was reported by the reader already.
                    problems.Add(entry.FieldPath("name"), "a storage class name is required and must not be empty");
                }
            }
        }

        reader.RejectUnknown();
        return classes;
    }
}
