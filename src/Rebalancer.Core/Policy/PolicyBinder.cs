using Rebalancer.Core.Evictor;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Policy;

/// <summary>
/// Binds a parsed <c>descheduler/v1alpha2</c> <c>DeschedulerPolicy</c> document to a <see cref="DeschedulerPolicy"/>,
/// applying the descheduler's defaults and validation rules (descheduler-semantics §2, §4) and reporting every problem
/// with its path in one pass, so a user fixes a file in one round instead of one error per run.
/// </summary>
/// <remarks>
/// <para>Where Rebalancer deliberately differs from the descheduler (also listed in <c>docs/compatibility.md</c>):</para>
/// <list type="bullet">
/// <item>Unknown keys are problems everywhere, the top level and profiles included. The descheduler decodes the
/// policy with a non-strict codec and silently ignores them (only plugin <c>args</c> are strict), so a misspelt
/// <c>maxNoOfPodsToEvictPerNode</c> would quietly lift a safety limit.</item>
/// <item>A plugin enabled at an extension point without a <c>pluginConfig</c> entry gets its default args. The
/// descheduler fails with "unable to find plugin config"; requiring an entry whose args are all defaults protects
/// nothing. If the defaults are not valid for that plugin (a required arg), that is reported at the enabled item.</item>
/// <item>A <c>pluginConfig</c> entry for a plugin that no extension point of its profile enables is still validated,
/// as in the descheduler, and then reported as a warning rather than ignored: it is valid but does nothing.</item>
/// <item>A policy without profiles is a problem (it would evict nothing), and so is a name listed twice in one
/// <c>enabled</c> list, a <c>prometheus</c> block on a <c>KubernetesMetrics</c> provider, and a Prometheus URL that is
/// not an absolute http(s) URL.</item>
/// <item><c>presort</c>, <c>sort</c> and every <c>disabled</c> list are accepted and have no effect, as in the
/// descheduler; a non-empty one is reported as a warning. Both <c>preEvictionFilter</c> (what the descheduler's docs
/// write) and <c>preevictionfilter</c> (its actual JSON tag) are accepted.</item>
/// </list>
/// </remarks>
public static class PolicyBinder
{
    /// <summary>Every plugin the descheduler registers (setupplugins.go), to tell "not implemented yet" from a typo.</summary>
    private static readonly HashSet<string> DeschedulerPlugins = new(StringComparer.Ordinal)
    {
        "DefaultEvictor",
        "LowNodeUtilization",
        "HighNodeUtilization",
        "PodLifeTime",
        "RemoveDuplicates",
        "RemoveFailedPods",
        "RemovePodsHavingTooManyRestarts",
        "RemovePodsViolatingInterPodAntiAffinity",
        "RemovePodsViolatingNodeAffinity",
        "RemovePodsViolatingNodeTaints",
        "RemovePodsViolatingTopologySpreadConstraint",
    };

    /// <summary>Plugin sets that exist in the descheduler's type but that no extension point reads.</summary>
    private static readonly string[] IgnoredPluginSets = ["presort", "sort"];

    private static readonly string[] MetricsSources = [nameof(MetricsSource.KubernetesMetrics), nameof(MetricsSource.Prometheus)];

    /// <summary>
    /// Binds <paramref name="root"/>. Problems go to <paramref name="problems"/>; the result is best effort and must not
    /// be used when <see cref="ConfigProblems.Any"/> is true. Warnings are returned in <see cref="DeschedulerPolicy.Warnings"/>.
    /// </summary>
    public static DeschedulerPolicy Bind(PolicyNode root, ConfigProblems problems)
    {
        if (root.Kind == PolicyNodeKind.Null)
        {
            problems.Add(root.Path, $"the policy is empty; expected a DeschedulerPolicy (apiVersion: {DeschedulerPolicy.ApiVersion}, kind: {DeschedulerPolicy.Kind}, profiles: [...])");
            return new DeschedulerPolicy();
        }

        if (root.Kind != PolicyNodeKind.Mapping)
        {
            problems.Add(root.Path, $"the policy must be a mapping (a {DeschedulerPolicy.Kind}), not a {Describe(root)}");
            return new DeschedulerPolicy();
        }

        var warnings = new List<ConfigProblem>();
        var top = new ArgsReader(root, problems, root.Path);
        if (!BindTypeMeta(top, root, problems))
        {
            // A v1alpha1 file has a different schema; binding it as v1alpha2 would bury the one useful message in noise.
            return new DeschedulerPolicy();
        }

        LabelSelectorSpec? nodeSelector = top.Child("nodeSelector") is { } nodeSelectorNode
            ? DefaultEvictorSettingsBinder.ReadStringSelector(nodeSelectorNode, problems)
            : null;
        uint? perNode = ToUInt(top.Integer("maxNoOfPodsToEvictPerNode", 0, uint.MaxValue));
        uint? perNamespace = ToUInt(top.Integer("maxNoOfPodsToEvictPerNamespace", 0, uint.MaxValue));
        uint? total = ToUInt(top.Integer("maxNoOfPodsToEvictTotal", 0, uint.MaxValue));
        long? gracePeriod = top.Integer("gracePeriodSeconds", 0, long.MaxValue);
        bool failureEvents = top.Bool("evictionFailureEventNotification") ?? false;

        bool collectorEnabled = BindMetricsCollector(top, problems, warnings, out string collectorPath);
        List<MetricsProviderConfig> providers = BindMetricsProviders(top.Child("metricsProviders"), problems);
        bool kubernetesProvider = providers.Exists(p => p.Source == MetricsSource.KubernetesMetrics);
        if (collectorEnabled && kubernetesProvider)
        {
            problems.Add(collectorPath, "cannot be combined with a KubernetesMetrics entry in metricsProviders; remove the deprecated metricsCollector");
        }

        UsageHistorySettings usageHistory = BindUsageHistory(top, problems, warnings);
        List<ProfileConfig> profiles = BindProfiles(top.Child("profiles"), top.FieldPath("profiles"), problems, warnings);
        SchedulerProfile scheduler = BindScheduler(top, problems, warnings);
        top.RejectUnknown();

        return new DeschedulerPolicy
        {
            NodeSelector = nodeSelector,
            MaxPodsToEvictPerNode = perNode,
            MaxPodsToEvictPerNamespace = perNamespace,
            MaxPodsToEvictTotal = total,
            GracePeriodSeconds = gracePeriod,
            EvictionFailureEventNotification = failureEvents,
            MetricsProviders = providers,
            KubernetesMetricsEnabled = collectorEnabled || kubernetesProvider,
            UsageHistory = usageHistory,
            Profiles = profiles,
            Scheduler = scheduler,
            Warnings = warnings,
        };
    }

    /// <summary>Checks apiVersion and kind; false when the rest of the document must not be bound.</summary>
    private static bool BindTypeMeta(ArgsReader top, PolicyNode root, ConfigProblems problems)
    {
        bool bindRest = true;
        string? apiVersion = top.String("apiVersion");
        if (apiVersion is null)
        {
            if (IsMissing(root, "apiVersion"))
            {
                problems.Add(top.FieldPath("apiVersion"), $"is required; use {DeschedulerPolicy.ApiVersion}");
            }
        }
        else if (apiVersion == "descheduler/v1alpha1")
        {
            problems.Add(top.FieldPath("apiVersion"), $"descheduler/v1alpha1 is not supported: it was removed in descheduler v0.31; rewrite the policy as {DeschedulerPolicy.ApiVersion} (profiles with pluginConfig and plugins)");
            bindRest = false;
        }
        else if (apiVersion != DeschedulerPolicy.ApiVersion)
        {
            problems.Add(top.FieldPath("apiVersion"), $"'{apiVersion}' is not supported; use {DeschedulerPolicy.ApiVersion}");
        }

        string? kind = top.String("kind");
        if (kind is null)
        {
            if (IsMissing(root, "kind"))
            {
                problems.Add(top.FieldPath("kind"), $"is required; use {DeschedulerPolicy.Kind}");
            }
        }
        else if (kind != DeschedulerPolicy.Kind)
        {
            problems.Add(top.FieldPath("kind"), $"'{kind}' is not supported; use {DeschedulerPolicy.Kind}");
        }

        return bindRest;
    }

    private static bool BindMetricsCollector(ArgsReader top, ConfigProblems problems, List<ConfigProblem> warnings, out string enabledPath)
    {
        string path = top.FieldPath("metricsCollector");
        var collector = new ArgsReader(top.Child("metricsCollector"), problems, path);
        enabledPath = collector.FieldPath("enabled");
        bool enabled = collector.Bool("enabled") ?? false;
        collector.RejectUnknown();
        if (enabled)
        {
            warnings.Add(new ConfigProblem(enabledPath, "is deprecated; use metricsProviders: [{source: KubernetesMetrics}]"));
        }

        return enabled;
    }

    private static List<MetricsProviderConfig> BindMetricsProviders(PolicyNode? node, ConfigProblems problems)
    {
        var providers = new List<MetricsProviderConfig>();
        if (node is null)
        {
            return providers;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of {source, prometheus}");
            return providers;
        }

        var seen = new Dictionary<MetricsSource, string>();
        foreach (PolicyNode item in node.Items)
        {
            if (item.Kind != PolicyNodeKind.Mapping)
            {
                problems.Add(item, "must be a mapping with a source (KubernetesMetrics or Prometheus)");
                continue;
            }

            var reader = new ArgsReader(item, problems, item.Path);
            string? sourceText = reader.String("source", MetricsSources);
            PolicyNode? prometheusNode = reader.Child("prometheus");
            reader.RejectUnknown();
            if (sourceText is null)
            {
                if (IsMissing(item, "source"))
                {
                    problems.Add(reader.FieldPath("source"), "is required (KubernetesMetrics or Prometheus)");
                }

                continue;
            }

            MetricsSource source = Enum.Parse<MetricsSource>(sourceText);
            if (seen.TryGetValue(source, out string? first))
            {
                problems.Add(reader.FieldPath("source"), $"'{sourceText}' is already configured at {first}; each source can be configured only once");
                continue;
            }

            seen[source] = item.Path;
            if (source == MetricsSource.KubernetesMetrics)
            {
                if (prometheusNode is not null)
                {
                    problems.Add(prometheusNode, "is only used with source Prometheus");
                }

                providers.Add(new MetricsProviderConfig(source, null));
                continue;
            }

            if (prometheusNode is null)
            {
                problems.Add(reader.FieldPath("prometheus"), "is required when source is Prometheus (at least prometheus.url)");
                continue;
            }

            if (BindPrometheus(prometheusNode, problems) is { } prometheus)
            {
                providers.Add(new MetricsProviderConfig(source, prometheus));
            }
        }

        return providers;
    }

    /// <summary>
    /// The <c>usageHistory</c> extension block (Rebalancer's own; the descheduler ignores unknown top-level keys).
    /// <c>insecureSkipVerify: true</c> is valid and worth a warning: the token goes to a server nobody checked.
    /// </summary>
    private static UsageHistorySettings BindUsageHistory(ArgsReader top, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        UsageHistorySettings settings = UsageHistorySettings.Bind(top.Child("usageHistory"), top.FieldPath("usageHistory"), problems);
        if (settings.Client.InsecureSkipVerify)
        {
            warnings.Add(new ConfigProblem(PolicyNode.ChildPath(PolicyNode.ChildPath(top.FieldPath("usageHistory"), "client"), "insecureSkipVerify"),
                "is true: Prometheus's TLS certificate is not verified, so the bearer token may be sent to an impostor; give caFile instead"));
        }

        return settings;
    }

    private static PrometheusProviderConfig? BindPrometheus(PolicyNode node, ConfigProblems problems)
    {
        var reader = new ArgsReader(node, problems, node.Path);
        if (reader.Node is not { Kind: PolicyNodeKind.Mapping })
        {
            // "must be a mapping" was reported by the reader; an explicit null is handled by the caller as missing.
            return null;
        }

        string? url = reader.String("url");
        PolicyNode? authNode = reader.Child("authToken");
        reader.RejectUnknown();

        Uri? uri = null;
        bool valid = true;
        if (string.IsNullOrEmpty(url))
        {
            if (url is not null || IsMissing(node, "url"))
            {
                problems.Add(reader.FieldPath("url"), "is required when source is Prometheus");
            }

            valid = false;
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out uri)
                 || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                 || uri.Host.Length == 0)
        {
            problems.Add(reader.FieldPath("url"), $"'{url}' is not an absolute http or https URL");
            valid = false;
        }

        SecretReference? secret = null;
        if (authNode is not null)
        {
            var auth = new ArgsReader(authNode, problems, authNode.Path);
            PolicyNode? referenceNode = auth.Child("secretReference");
            auth.RejectUnknown();
            if (auth.Node is { Kind: PolicyNodeKind.Mapping } && referenceNode is null)
            {
                problems.Add(auth.FieldPath("secretReference"), "is required when authToken is set (namespace and name of the secret holding the token)");
                valid = false;
            }
            else if (referenceNode is not null)
            {
                var reference = new ArgsReader(referenceNode, problems, referenceNode.Path);
                string? secretNamespace = RequiredString(reference, referenceNode, "namespace", "is required (the namespace of the secret)", problems);
                string? secretName = RequiredString(reference, referenceNode, "name", "is required (the name of the secret)", problems);
                reference.RejectUnknown();
                if (secretNamespace is null || secretName is null)
                {
                    valid = false;
                }
                else
                {
                    secret = new SecretReference(secretNamespace, secretName);
                }
            }
            else
            {
                valid = false;
            }
        }

        return valid ? new PrometheusProviderConfig(uri!, secret) : null;
    }

    private static List<ProfileConfig> BindProfiles(PolicyNode? node, string path, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        var profiles = new List<ProfileConfig>();
        if (node is not null && node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of profiles");
            return profiles;
        }

        if (node is null || node.Items.Count == 0)
        {
            problems.Add(path, "at least one profile is required; a policy without profiles evicts nothing");
            return profiles;
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (PolicyNode item in node.Items)
        {
            if (BindProfile(item, names, problems, warnings) is { } profile)
            {
                profiles.Add(profile);
            }
        }

        return profiles;
    }

    private static ProfileConfig? BindProfile(PolicyNode node, Dictionary<string, string> names, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        if (node.Kind != PolicyNodeKind.Mapping)
        {
            problems.Add(node, "must be a profile (a mapping with name, pluginConfig and plugins)");
            return null;
        }

        var reader = new ArgsReader(node, problems, node.Path);
        string? name = reader.String("name");
        PolicyNode? pluginConfigNode = reader.Child("pluginConfig");
        PolicyNode? pluginsNode = reader.Child("plugins");
        reader.RejectUnknown();

        if (name is { Length: 0 } || (name is null && IsMissing(node, "name")))
        {
            problems.Add(reader.FieldPath("name"), "is required and must not be empty");
        }
        else if (name is not null && !names.TryAdd(name, node.Path))
        {
            problems.Add(reader.FieldPath("name"), $"duplicate profile name '{name}' (first used by {names[name]})");
        }

        var configs = new Dictionary<string, BoundArgs>(StringComparer.Ordinal);
        DefaultEvictorSettings evictor = BindPluginConfigs(pluginConfigNode, configs, problems);

        var plugins = new ArgsReader(pluginsNode, problems, reader.FieldPath("plugins"));
        List<NameAt> deschedule = ReadPluginSet(plugins, "deschedule", problems, warnings);
        List<NameAt> balance = ReadPluginSet(plugins, "balance", problems, warnings);
        List<NameAt> filter = ReadPluginSet(plugins, "filter", problems, warnings);
        List<NameAt> preEvictionFilter = ReadPluginSet(plugins, "preEvictionFilter", problems, warnings);
        if (plugins.Node?["preevictionfilter"] is not null && plugins.Node["preEvictionFilter"] is not null)
        {
            problems.Add(plugins.FieldPath("preevictionfilter"), "is the same extension point as preEvictionFilter; keep only one of them");
        }

        preEvictionFilter.AddRange(ReadPluginSet(plugins, "preevictionfilter", problems, warnings));
        foreach (string ignored in IgnoredPluginSets)
        {
            if (ReadPluginSet(plugins, ignored, problems, warnings).Count > 0)
            {
                warnings.Add(new ConfigProblem(plugins.FieldPath(ignored), "has no effect: no extension point of the descheduler uses it"));
            }
        }

        plugins.RejectUnknown();

        CheckEvictorPoints(filter, "filter", problems);
        CheckEvictorPoints(preEvictionFilter, "preEvictionFilter", problems);
        var used = new HashSet<string>(StringComparer.Ordinal);
        List<PluginConfig> deschedulePlugins = ResolveEnabled(ExtensionPoint.Deschedule, deschedule, configs, used, problems);
        List<PluginConfig> balancePlugins = ResolveEnabled(ExtensionPoint.Balance, balance, configs, used, problems);

        foreach ((string pluginName, BoundArgs bound) in configs)
        {
            if (bound.Entry is not null && bound.FromPluginConfig && !used.Contains(pluginName))
            {
                string point = PointKey(bound.Entry.Points[0]);
                warnings.Add(new ConfigProblem(bound.Path, $"pluginConfig for '{pluginName}' has no effect: no extension point of this profile enables it (add it to plugins.{point}.enabled)"));
            }
        }

        if (deschedulePlugins.Count == 0 && balancePlugins.Count == 0)
        {
            warnings.Add(new ConfigProblem(node.Path, "enables no deschedule or balance plugin, so it evicts nothing"));
        }

        return new ProfileConfig(name ?? string.Empty, evictor, deschedulePlugins, balancePlugins);
    }

    /// <summary>Binds every pluginConfig entry's args (used or not, as the descheduler validates them all); returns the evictor settings.</summary>
    private static DefaultEvictorSettings BindPluginConfigs(PolicyNode? node, Dictionary<string, BoundArgs> configs, ConfigProblems problems)
    {
        DefaultEvictorSettings evictor = DefaultEvictorSettings.Default;
        if (node is null)
        {
            return evictor;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of {name, args}");
            return evictor;
        }

        foreach (PolicyNode item in node.Items)
        {
            if (item.Kind != PolicyNodeKind.Mapping)
            {
                problems.Add(item, "must be a mapping with name and args");
                continue;
            }

            var reader = new ArgsReader(item, problems, item.Path);
            string? name = reader.String("name");
            PolicyNode? argsNode = reader.Child("args");
            reader.RejectUnknown();
            string namePath = reader.FieldPath("name");
            if (name is { Length: 0 } || (name is null && IsMissing(item, "name")))
            {
                problems.Add(namePath, "is required (the plugin name)");
                continue;
            }

            if (name is null)
            {
                continue;
            }

            if (configs.TryGetValue(name, out BoundArgs? first))
            {
                problems.Add(namePath, $"duplicate pluginConfig for '{name}' (first at {first.Path})");
                continue;
            }

            var args = new ArgsReader(argsNode, problems, reader.FieldPath("args"));
            if (name == StrategyCatalog.DefaultEvictor)
            {
                evictor = DefaultEvictorSettingsBinder.Bind(args);
                args.RejectUnknown();
                configs[name] = new BoundArgs(item.Path, null, evictor, true);
            }
            else if (StrategyCatalog.Entries.TryGetValue(name, out StrategyEntry? entry))
            {
                object settings = entry.Bind(args);
                args.RejectUnknown();
                configs[name] = new BoundArgs(item.Path, entry, settings, true);
            }
            else
            {
                problems.Add(namePath, UnknownPlugin(name, null));
                configs[name] = new BoundArgs(item.Path, null, null, true);
            }
        }

        return evictor;
    }

    private static List<NameAt> ReadPluginSet(ArgsReader plugins, string key, ConfigProblems problems, List<ConfigProblem> warnings)
    {
        PolicyNode? node = plugins.Child(key);
        if (node is null)
        {
            return [];
        }

        var set = new ArgsReader(node, problems, node.Path);
        List<NameAt> enabled = ReadNames(set.Child("enabled"), problems);
        List<NameAt> disabled = ReadNames(set.Child("disabled"), problems);
        set.RejectUnknown();
        if (disabled.Count > 0)
        {
            warnings.Add(new ConfigProblem(set.FieldPath("disabled"), "has no effect (the descheduler ignores disabled lists too); remove the plugin from enabled instead"));
        }

        return enabled;
    }

    private static List<NameAt> ReadNames(PolicyNode? node, ConfigProblems problems)
    {
        var names = new List<NameAt>();
        if (node is null)
        {
            return names;
        }

        if (node.Kind != PolicyNodeKind.Sequence)
        {
            problems.Add(node, "must be a list of plugin names");
            return names;
        }

        foreach (PolicyNode item in node.Items)
        {
            if (item.Kind == PolicyNodeKind.Scalar && item.Scalar!.Length > 0)
            {
                names.Add(new NameAt(item.Scalar, item.Path));
            }
            else
            {
                problems.Add(item, "must be a plugin name");
            }
        }

        return names;
    }

    /// <summary>DefaultEvictor is the only evictor and is always enabled at filter and preEvictionFilter; anything else is an error.</summary>
    private static void CheckEvictorPoints(List<NameAt> names, string key, ConfigProblems problems)
    {
        foreach ((string name, string path) in names)
        {
            if (name == StrategyCatalog.DefaultEvictor)
            {
                continue;
            }

            string known = $"known {key} plugins: {StrategyCatalog.DefaultEvictor}";
            problems.Add(path, StrategyCatalog.Entries.ContainsKey(name) || DeschedulerPlugins.Contains(name)
                ? $"plugin '{name}' is a strategy, not a {key} plugin ({known})"
                : UnknownPluginText(name, known, null));
        }
    }

    private static List<PluginConfig> ResolveEnabled(ExtensionPoint point, List<NameAt> names, Dictionary<string, BoundArgs> configs, HashSet<string> used, ConfigProblems problems)
    {
        string key = PointKey(point);
        var plugins = new List<PluginConfig>(names.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, string path) in names)
        {
            if (!seen.Add(name))
            {
                problems.Add(path, $"'{name}' is enabled more than once");
                continue;
            }

            if (name == StrategyCatalog.DefaultEvictor)
            {
                problems.Add(path, $"'{name}' is an evictor plugin (it always runs at filter and preEvictionFilter), not a {key} plugin");
                continue;
            }

            if (!StrategyCatalog.Entries.TryGetValue(name, out StrategyEntry? entry))
            {
                problems.Add(path, UnknownPlugin(name, point));
                continue;
            }

            if (!entry.Points.Contains(point))
            {
                problems.Add(path, $"plugin '{name}' implements {FormatPoints(entry.Points)}, not {key} ({KnownPlugins(point)})");
                continue;
            }

            used.Add(name);
            if (!configs.TryGetValue(name, out BoundArgs? bound))
            {
                bound = new BoundArgs(path, entry, BindDefaults(entry, path, problems), false);
                configs[name] = bound;
            }

            plugins.Add(new PluginConfig(name, entry, bound.Settings!, bound.Path));
        }

        return plugins;
    }

    /// <summary>
    /// Args for a plugin that is enabled without a pluginConfig entry: the plugin's defaults. The descheduler refuses
    /// such a profile; we accept it, but a plugin whose defaults are not valid (a required arg) is reported here, at
    /// the enabled item, because a path inside a pluginConfig entry that does not exist would point nowhere.
    /// </summary>
    internal static object BindDefaults(StrategyEntry entry, string path, ConfigProblems problems)
    {
        var scratch = new ConfigProblems();
        object settings = entry.Bind(new ArgsReader(null, scratch, PolicyNode.ChildPath(path, "args")));
        foreach (ConfigProblem problem in scratch.All)
        {
            string where = problem.Path.StartsWith(path, StringComparison.Ordinal) ? problem.Path[path.Length..].TrimStart('.') : problem.Path;
            problems.Add(path, $"'{entry.Name}' has no pluginConfig entry and its default args are not valid ({where}: {problem.Message}); add a pluginConfig entry with args");
        }

        return settings;
    }

    private static string UnknownPlugin(string name, ExtensionPoint? point)
    {
        string known = point is { } p ? KnownPlugins(p)
            : "known plugins: " + string.Join(", ", StrategyCatalog.Entries.Keys.Append(StrategyCatalog.DefaultEvictor).Order(StringComparer.Ordinal));
        return UnknownPluginText(name, known, point);
    }

    /// <param name="point">The strategy extension point the name is enabled at; null for a pluginConfig name or an evictor point.</param>
    private static string UnknownPluginText(string name, string known, ExtensionPoint? point)
    {
        if (DeschedulerPlugins.Contains(name) && !StrategyCatalog.Entries.ContainsKey(name))
        {
            return $"plugin '{name}' is not implemented by Rebalancer yet ({known})";
        }

        return $"unknown plugin '{name}' ({known}){PluginHint(name, point)}";
    }

    /// <summary>
    /// "; did you mean 'X'?" for the nearest plugin name of any extension point (NameSuggestions), saying where X
    /// belongs when that is not <paramref name="point"/>: a near miss of a plugin enabled at the wrong point has two
    /// mistakes, and the hint should not fix one and hide the other.
    /// </summary>
    private static string PluginHint(string name, ExtensionPoint? point)
    {
        IEnumerable<string> names = StrategyCatalog.Entries.Keys.Append(StrategyCatalog.DefaultEvictor).Concat(DeschedulerPlugins);
        if (NameSuggestions.Closest(name, names) is not string similar)
        {
            return string.Empty;
        }

        var notes = new List<string>(2);
        if (NameSuggestions.DiffersOnlyInCase(name, similar))
        {
            notes.Add("names are case-sensitive");
        }

        if (point is { } p && similar == StrategyCatalog.DefaultEvictor)
        {
            notes.Add($"{similar} is the evictor, always on at filter and preEvictionFilter, not a {PointKey(p)} plugin");
        }
        else if (point is { } q && StrategyCatalog.Entries.TryGetValue(similar, out StrategyEntry? entry) && !entry.Points.Contains(q))
        {
            notes.Add($"{similar} is a {FormatPoints(entry.Points)} plugin: enable it under plugins.{PointKey(entry.Points[0])}.enabled");
        }

        return $"; did you mean '{similar}'?" + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : string.Empty);
    }

    private static string KnownPlugins(ExtensionPoint point)
    {
        string[] names = StrategyCatalog.Entries.Values.Where(e => e.Points.Contains(point)).Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        return $"known {PointKey(point)} plugins: " + (names.Length == 0 ? "none yet" : string.Join(", ", names));
    }

    private static string PointKey(ExtensionPoint point) => point switch
    {
        ExtensionPoint.Deschedule => "deschedule",
        ExtensionPoint.Balance => "balance",
        _ => point.ToString(),
    };

    private static string FormatPoints(IReadOnlyList<ExtensionPoint> points) => string.Join(" and ", points.Select(PointKey));

    private static string? RequiredString(ArgsReader reader, PolicyNode node, string key, string message, ConfigProblems problems)
    {
        string? value = reader.String(key);
        if (value is { Length: > 0 })
        {
            return value;
        }

        // reader.Node is null when the parent is not a mapping, which the reader has reported already.
        if (reader.Node is not null && (value is not null || IsMissing(node, key)))
        {
            problems.Add(reader.FieldPath(key), message);
        }

        return null;
    }

    private static bool IsMissing(PolicyNode mapping, string key) => mapping[key] is null or { Kind: PolicyNodeKind.Null };

    private static uint? ToUInt(long? value) => value is { } v ? (uint)v : null;

    private static string Describe(PolicyNode node) => node.Kind switch
    {
        PolicyNodeKind.Sequence => "list",
        PolicyNodeKind.Scalar => $"scalar ('{node.Scalar}')",
        _ => node.Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The top-level <c>scheduler:</c> section (Rebalancer's extension of the file: the kube-scheduler scoring the
    /// projection assumes); bound by <see cref="SchedulerProfileBinder"/>, kube-scheduler's default profile when absent.
    /// </summary>
    private static SchedulerProfile BindScheduler(ArgsReader top, ConfigProblems problems, List<ConfigProblem> warnings) =>
        SchedulerProfileBinder.Bind(top.Child("scheduler"), top.FieldPath("scheduler"), problems, warnings);

    /// <summary>A name in an enabled list and the path of that list item.</summary>
    private readonly record struct NameAt(string Name, string Path);

    /// <summary>Bound args of one plugin in one profile; <see cref="Entry"/> and <see cref="Settings"/> are null for an unknown plugin.</summary>
    private sealed record BoundArgs(string Path, StrategyEntry? Entry, object? Settings, bool FromPluginConfig);
}
