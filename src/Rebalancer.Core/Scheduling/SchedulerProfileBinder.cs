using Rebalancer.Core.Policy;
using Rebalancer.Core.Scheduling.Scoring;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;

namespace Rebalancer.Core.Scheduling;

/// <summary>
/// Binds a policy's top-level <c>scheduler:</c> section (Rebalancer's extension of <c>descheduler/v1alpha2</c>, see
/// docs/policy.md) to a <see cref="SchedulerProfile"/>. Its shape is a KubeSchedulerConfiguration profile's, so the
/// relevant part of a cluster's scheduler configuration can be pasted:
/// <code>
/// scheduler:
///   name: bin-packing                 # optional label for reports
///   plugins:
///     score:                          # or multiPoint
///       enabled:  [{name: NodeResourcesFit, weight: 5}]
///       disabled: [{name: NodeResourcesBalancedAllocation}]   # "*" disables every default
///   pluginConfig:
///     - name: NodeResourcesFit
///       args: {scoringStrategy: {type: MostAllocated}}
/// </code>
/// Merging follows kube-scheduler: the default plugins, minus the disabled ones, plus the enabled ones (an enabled
/// default takes the new weight). Problems are reported with their paths; a plugin the model does not implement is
/// accepted and reported as not modelled.
/// </summary>
public static class SchedulerProfileBinder
{
    private const int MaxWeight = 1000;

    public static SchedulerProfile Bind(PolicyNode? node, string path, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        if (node is null)
        {
            return SchedulerProfile.Default;
        }

        var reader = new ArgsReader(node, problems, path);
        string? name = reader.String("name");
        var plugins = new ArgsReader(reader.Child("plugins"), problems, reader.FieldPath("plugins"));
        var sets = new List<(ArgsReader Set, bool Score)>();
        foreach ((string key, bool score) in new[] { ("multiPoint", false), ("score", true) })
        {
            if (plugins.Child(key) is { } setNode)
            {
                sets.Add((new ArgsReader(setNode, problems, setNode.Path), score));
            }
        }

        foreach ((string key, PolicyNode value) in plugins.Node?.Entries ?? [])
        {
            if (key is not ("multiPoint" or "score"))
            {
                // Marked as read so RejectUnknown does not report it twice.
                plugins.Child(key);
                problems.Add(value, $"only the score and multiPoint extension points are modelled (the filters are kube-scheduler's defaults, see docs/compatibility.md); '{key}' cannot be changed");
            }
        }

        plugins.RejectUnknown();

        // kube-scheduler's merge: defaults, then every disabled list, then every enabled list.
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (ScorePluginEntry entry in ScorePluginCatalog.Entries.Where(e => e.InDefaultProfile))
        {
            weights[entry.Name] = entry.DefaultWeight;
        }

        var enabledLists = new List<(PolicyNode Node, bool Score)>();
        foreach ((ArgsReader set, bool score) in sets)
        {
            PolicyNode? disabled = set.Child("disabled");
            PolicyNode? enabled = set.Child("enabled");
            set.RejectUnknown();
            foreach ((string plugin, _, string at) in ReadPlugins(disabled, problems, allowWeight: false))
            {
                if (plugin == "*")
                {
                    weights.Clear();
                }
                else if (Check(plugin, at, score, problems))
                {
                    weights.Remove(plugin);
                }
            }

            if (enabled is not null)
            {
                enabledLists.Add((enabled, score));
            }
        }

        foreach ((PolicyNode enabled, bool score) in enabledLists)
        {
            foreach ((string plugin, int? weight, string at) in ReadPlugins(enabled, problems, allowWeight: true))
            {
                if (plugin == "*")
                {
                    problems.Add(at, "'*' can only disable plugins");
                }
                else if (Check(plugin, at, score, problems) && ScorePluginCatalog.Find(plugin) is { } entry)
                {
                    weights[plugin] = weight ?? entry.DefaultWeight;
                }
            }
        }

        Dictionary<string, object> settings = BindPluginConfig(reader.Child("pluginConfig"), reader.FieldPath("pluginConfig"), weights, problems, warnings);
        reader.RejectUnknown();

        List<ScorePluginConfig> configured = [.. ScorePluginCatalog.Entries
            .Where(e => weights.ContainsKey(e.Name))
            .Select(e => new ScorePluginConfig(e, weights[e.Name], settings.GetValueOrDefault(e.Name) ?? e.Defaults))];
        var spreading = settings.GetValueOrDefault(ScorePluginCatalog.PodTopologySpreadName) as PodTopologySpreadSettings ?? PodTopologySpreadSettings.Default;
        bool isDefault = Describe(configured) == Describe(SchedulerProfile.Default.Plugins) && spreading.ToString() == PodTopologySpreadSettings.Default.ToString();
        return new SchedulerProfile
        {
            Name = name is { Length: > 0 } ? name : isDefault ? SchedulerProfile.DefaultName : "custom",
            IsDefault = isDefault,
            Plugins = configured,
            Spreading = spreading,
        };
    }

    private static string Describe(IEnumerable<ScorePluginConfig> plugins) => string.Join("; ", plugins.Select(p => p.ToString()));

    /// <summary>True for a score plugin of the catalogue; a known non-scoring plugin is fine in multiPoint (ignored) and an error in score.</summary>
    private static bool Check(string plugin, string at, bool score, ConfigProblems problems)
    {
        if (ScorePluginCatalog.Find(plugin) is not null)
        {
            return true;
        }

        if (ScorePluginCatalog.NonScoring.Contains(plugin))
        {
            if (score)
            {
                problems.Add(at, $"'{plugin}' is not a score plugin ({KnownScorePlugins()})");
            }

            return false;
        }

        string? similar = ScorePluginCatalog.Entries.Select(e => e.Name).Concat(ScorePluginCatalog.NonScoring)
            .FirstOrDefault(n => string.Equals(n, plugin, StringComparison.OrdinalIgnoreCase));
        problems.Add(at, $"unknown plugin '{plugin}' ({KnownScorePlugins()})" + (similar is null ? string.Empty : $"; did you mean '{similar}'? (names are case-sensitive)"));
        return false;
    }

    private static string KnownScorePlugins() => "known score plugins: " + string.Join(", ", ScorePluginCatalog.Entries.Select(e => e.Name));

    /// <summary>A <c>[{name, weight}]</c> list; every item's path is kept for later problems.</summary>
    private static List<(string Name, int? Weight, string Path)> ReadPlugins(PolicyNode? node, ConfigProblems problems, bool allowWeight)
    {
        var result = new List<(string, int?, string)>();
        if (node is null)
        {
            return result;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, allowWeight ? "must be a list of {name, weight}" : "must be a list of {name}");
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (PolicyNode item in node.Items)
        {
            var reader = new ArgsReader(item, problems, item.Path);
            string? name = reader.String("name");
            long? weight = allowWeight ? reader.Integer("weight", 1, MaxWeight) : null;
            reader.RejectUnknown();
            if (reader.Node is null)
            {
                continue;
            }

            if (string.IsNullOrEmpty(name))
            {
                problems.Add(reader.FieldPath("name"), "is required (a plugin name)");
                continue;
            }

            if (!seen.Add(name))
            {
                problems.Add(reader.FieldPath("name"), $"'{name}' is listed more than once");
                continue;
            }

            result.Add((name, weight is long w ? (int)w : null, reader.FieldPath("name")));
        }

        return result;
    }

    private static Dictionary<string, object> BindPluginConfig(PolicyNode? node, string path, Dictionary<string, int> enabled, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        var settings = new Dictionary<string, object>(StringComparer.Ordinal);
        if (node is null)
        {
            return settings;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of {name, args}");
            return settings;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (PolicyNode item in node.Items)
        {
            var reader = new ArgsReader(item, problems, item.Path);
            string? name = reader.String("name");
            PolicyNode? argsNode = reader.Child("args");
            reader.RejectUnknown();
            string namePath = reader.FieldPath("name");
            if (reader.Node is null)
            {
                continue;
            }

            if (string.IsNullOrEmpty(name))
            {
                problems.Add(namePath, "is required (the plugin name)");
                continue;
            }

            if (seen.TryGetValue(name, out string? first))
            {
                problems.Add(namePath, $"duplicate pluginConfig for '{name}' (first at {first})");
                continue;
            }

            seen[name] = item.Path;
            ScorePluginEntry? entry = ScorePluginCatalog.Find(name);
            if (entry is null)
            {
                if (ScorePluginCatalog.NonScoring.Contains(name))
                {
                    warnings.Add(new ConfigProblem(item.Path, $"'{name}' is not a score plugin: its args do not change the scheduler model"));
                }
                else
                {
                    Check(name, namePath, score: false, problems);
                }

                continue;
            }

            var args = new ArgsReader(argsNode, problems, reader.FieldPath("args"));
            if (!entry.IsModelled)
            {
                warnings.Add(new ConfigProblem(item.Path, $"'{name}' is not modelled ({entry.NotModelledReason}): its args do not change the scheduler model"));
                continue;
            }

            if (entry.Bind is null)
            {
                foreach ((string key, PolicyNode value) in args.Node?.Entries ?? [])
                {
                    problems.Add(value, key == "addedAffinity"
                        ? "addedAffinity is not modelled: Rebalancer scores only the pods' own preferred node affinity; remove it"
                        : $"unknown field '{key}' ('{name}' takes no args here)");
                }

                continue;
            }

            settings[name] = entry.Bind(args);
            args.RejectUnknown();
            if (!enabled.ContainsKey(name) && name != ScorePluginCatalog.PodTopologySpreadName)
            {
                warnings.Add(new ConfigProblem(item.Path, $"'{name}' is not enabled in the scheduler profile: its args are valid but unused"));
            }
        }

        return settings;
    }
}
