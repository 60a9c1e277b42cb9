using Rebalancer.Core.Evictor;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Tests.Policy;

public class DefaultEvictorSettingsBinderTests
{
    private const PodProtections Defaults = PodProtections.Defaults;

    [Theory]
    [InlineData("{}")]
    [InlineData("null")]
    public void Empty_args_are_the_descheduler_defaults(string json)
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind(json);

        Assert.Empty(problems);
        Assert.Null(settings.NodeSelector);
        Assert.Null(settings.LabelSelector);
        Assert.Null(settings.NamespaceLabelSelector);
        Assert.Null(settings.PriorityThresholdValue);
        Assert.Null(settings.PriorityThresholdName);
        Assert.False(settings.NodeFit);
        Assert.Equal(0u, settings.MinReplicas);
        Assert.Null(settings.MinPodAge);
        Assert.Equal(NoEvictionPolicy.Preferred, settings.NoEvictionPolicy);
        Assert.Equal(Defaults, settings.Protections);
        Assert.Empty(settings.ProtectedStorageClasses);
    }

    [Fact]
    public void Binds_every_field()
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind("""
            {
              "nodeSelector": "pool=general,zone in (a,b),!spot",
              "labelSelector": {"matchLabels": {"app": "web"}},
              "namespaceLabelSelector": {"matchExpressions": [{"key": "team", "operator": "Exists"}]},
              "priorityThreshold": {"value": 10000},
              "nodeFit": true,
              "minReplicas": 3,
              "minPodAge": "1h30m",
              "noEvictionPolicy": "Mandatory",
              "podProtections": {
                "defaultDisabled": ["PodsWithLocalStorage", "DoNotDisruptAnnotation"],
                "extraEnabled": ["PodsWithPVC", "PodsWithResourceClaims"],
                "config": {"PodsWithPVC": {"protectedStorageClasses": [{"name": "local-path"}, {"name": "ssd"}]}}
              }
            }
            """);

        Assert.Empty(problems);
        Assert.Equal("pool=general,zone in (a,b),!spot", settings.NodeSelector!.ToString());
        Assert.Equal("app=web", settings.LabelSelector!.ToString());
        Assert.Equal("team", settings.NamespaceLabelSelector!.ToString());
        Assert.Equal(10000, settings.PriorityThresholdValue);
        Assert.Null(settings.PriorityThresholdName);
        Assert.True(settings.NodeFit);
        Assert.Equal(3u, settings.MinReplicas);
        Assert.Equal(TimeSpan.FromMinutes(90), settings.MinPodAge);
        Assert.Equal(NoEvictionPolicy.Mandatory, settings.NoEvictionPolicy);
        Assert.Equal(
            PodProtections.DaemonSetPods | PodProtections.SystemCriticalPods | PodProtections.FailedBarePods | PodProtections.SafeToEvictAnnotation
            | PodProtections.PodsWithPVC | PodProtections.PodsWithResourceClaims,
            settings.Protections);
        Assert.Equal(["local-path", "ssd"], settings.ProtectedStorageClasses);
    }

    [Theory]
    [InlineData("""{"priorityThreshold": {"name": "high-priority"}}""", null, "high-priority")]
    [InlineData("""{"priorityThreshold": {"value": 2000000000}}""", 2_000_000_000, null)]
    [InlineData("""{"priorityThreshold": {"value": -5}}""", -5, null)]
    [InlineData("""{"priorityThreshold": {"value": 7, "name": ""}}""", 7, null)]
    [InlineData("""{"priorityThreshold": {}}""", null, null)]
    public void Priority_threshold_takes_a_value_or_a_class_name(string json, int? value, string? name)
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind(json);

        Assert.Empty(problems);
        Assert.Equal(value, settings.PriorityThresholdValue);
        Assert.Equal(name, settings.PriorityThresholdName);
    }

    [Theory]
    [InlineData("", NoEvictionPolicy.Preferred)]
    [InlineData("Preferred", NoEvictionPolicy.Preferred)]
    [InlineData("Mandatory", NoEvictionPolicy.Mandatory)]
    public void No_eviction_policy_accepts_empty_preferred_and_mandatory(string value, NoEvictionPolicy expected)
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind($$"""{"noEvictionPolicy": "{{value}}"}""");

        Assert.Empty(problems);
        Assert.Equal(expected, settings.NoEvictionPolicy);
    }

    [Theory]
    [InlineData("evictLocalStoragePods", Defaults & ~PodProtections.PodsWithLocalStorage)]
    [InlineData("evictDaemonSetPods", Defaults & ~PodProtections.DaemonSetPods)]
    [InlineData("evictSystemCriticalPods", Defaults & ~PodProtections.SystemCriticalPods)]
    [InlineData("evictFailedBarePods", Defaults & ~PodProtections.FailedBarePods)]
    [InlineData("ignorePvcPods", Defaults | PodProtections.PodsWithPVC)]
    [InlineData("ignorePodsWithoutPDB", Defaults | PodProtections.PodsWithoutPDB)]
    public void Legacy_booleans_map_to_the_same_protections(string key, PodProtections expected)
    {
        (DefaultEvictorSettings enabled, string[] problems) = Bind($$"""{"{{key}}": true}""");
        (DefaultEvictorSettings disabled, string[] noProblems) = Bind($$"""{"{{key}}": false}""");

        Assert.Empty(problems);
        Assert.Empty(noProblems);
        Assert.Equal(expected, enabled.Protections);
        Assert.Equal(Defaults, disabled.Protections);
    }

    [Fact]
    public void Legacy_booleans_that_are_false_or_empty_pod_protections_do_not_conflict()
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind("""
            {"evictLocalStoragePods": false, "ignorePvcPods": true, "podProtections": {"defaultDisabled": [], "extraEnabled": [], "config": {}}}
            """);
        (DefaultEvictorSettings mixed, string[] mixedProblems) = Bind("""
            {"evictLocalStoragePods": false, "podProtections": {"defaultDisabled": ["DaemonSetPods"]}}
            """);

        Assert.Empty(problems);
        Assert.Equal(Defaults | PodProtections.PodsWithPVC, settings.Protections);
        Assert.Empty(mixedProblems);
        Assert.Equal(Defaults & ~PodProtections.DaemonSetPods, mixed.Protections);
    }

    [Fact]
    public void Legacy_booleans_mixed_with_pod_protections_are_a_problem_at_each_boolean()
    {
        (_, string[] problems) = Bind("""
            {
              "evictLocalStoragePods": true,
              "ignorePodsWithoutPDB": true,
              "podProtections": {"extraEnabled": ["PodsWithPVC"]}
            }
            """);

        Assert.Equal(
        [
            "args.evictLocalStoragePods: cannot be combined with podProtections; use podProtections.defaultDisabled: [PodsWithLocalStorage] instead",
            "args.ignorePodsWithoutPDB: cannot be combined with podProtections; use podProtections.extraEnabled: [PodsWithoutPDB] instead",
        ], problems);
    }

    [Theory]
    [InlineData("""{"nodeSelector": "a b"}""", "args.nodeSelector: 'a b' is not a valid label selector: 'a b' is not a valid label key: the name must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional prefix and '/' (e.g. app.kubernetes.io/name)")]
    [InlineData("""{"nodeSelector": {"a": "b"}}""", "args.nodeSelector: must be a label selector string such as 'kubernetes.io/os=linux,node-role.kubernetes.io/control-plane!='")]
    [InlineData("""{"labelSelector": {"matchLabels": {"app": 1}, "matchFields": {}}}""", "args.labelSelector.matchFields: unknown field 'matchFields' (known: matchExpressions, matchLabels)")]
    [InlineData("""{"priorityThreshold": {"value": 2000000001}}""", "args.priorityThreshold.value: 2000000001 is greater than 2000000000, the priority of system-critical pods")]
    [InlineData("""{"priorityThreshold": {"value": 3000000000}}""", "args.priorityThreshold.value: 3000000000 is not in [-2147483648, 2147483647]")]
    [InlineData("""{"priorityThreshold": {"value": "5"}}""", "args.priorityThreshold.value: '5' is not an integer")]
    [InlineData("""{"priorityThreshold": {"value": 5, "name": "high"}}""", "args.priorityThreshold: only one of value and name can be set")]
    [InlineData("""{"priorityThreshold": {"class": "high"}}""", "args.priorityThreshold.class: unknown field 'class' (known: name, value)")]
    [InlineData("""{"priorityThreshold": 5}""", "args.priorityThreshold: must be a mapping")]
    [InlineData("""{"nodeFit": "true"}""", "args.nodeFit: 'true' is not a boolean (true or false)")]
    [InlineData("""{"minReplicas": -1}""", "args.minReplicas: -1 is not in [0, 4294967295]")]
    [InlineData("""{"minPodAge": "5"}""", "args.minPodAge: '5' is not a duration: missing unit (ns, us, ms, s, m, h) (examples: \"5m\", \"1h30m\", \"300s\")")]
    [InlineData("""{"minPodAge": "2d"}""", "args.minPodAge: '2d' is not a duration: unknown unit 'd' (valid units: ns, us, ms, s, m, h) (examples: \"5m\", \"1h30m\", \"300s\")")]
    [InlineData("""{"minPodAge": "-5m"}""", "args.minPodAge: '-5m' is negative; a minimum pod age must be zero or more")]
    [InlineData("""{"minPodAge": ["5m"]}""", "args.minPodAge: must be a duration such as \"5m\", \"1h30m\" or \"300s\"")]
    [InlineData("""{"noEvictionPolicy": "Always"}""", "args.noEvictionPolicy: 'Always' is not one of Preferred, Mandatory (or empty, which means Preferred)")]
    [InlineData("""{"podProtections": {"defaultDisabled": ["PodsWithPVC"]}}""", "args.podProtections.defaultDisabled[0]: 'PodsWithPVC' is off by default; to turn it on, list it in extraEnabled (defaultDisabled accepts: PodsWithLocalStorage, DaemonSetPods, SystemCriticalPods, FailedBarePods, SafeToEvictAnnotation, DoNotDisruptAnnotation)")]
    [InlineData("""{"podProtections": {"defaultDisabled": ["LocalStorage"]}}""", "args.podProtections.defaultDisabled[0]: unknown protection 'LocalStorage' (defaultDisabled accepts: PodsWithLocalStorage, DaemonSetPods, SystemCriticalPods, FailedBarePods, SafeToEvictAnnotation, DoNotDisruptAnnotation)")]
    [InlineData("""{"podProtections": {"extraEnabled": ["DaemonSetPods"]}}""", "args.podProtections.extraEnabled[0]: 'DaemonSetPods' is on by default; to turn it off, list it in defaultDisabled (extraEnabled accepts: PodsWithPVC, PodsWithoutPDB, PodsWithResourceClaims)")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPDB"]}}""", "args.podProtections.extraEnabled[0]: unknown protection 'PodsWithPDB' (extraEnabled accepts: PodsWithPVC, PodsWithoutPDB, PodsWithResourceClaims)")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC", "PodsWithPVC"]}}""", "args.podProtections.extraEnabled[1]: 'PodsWithPVC' is listed more than once")]
    [InlineData("""{"podProtections": {"extraEnabled": "PodsWithPVC"}}""", "args.podProtections.extraEnabled: must be a list of protection names")]
    [InlineData("""{"podProtections": {"extraEnabled": [["PodsWithPVC"]]}}""", "args.podProtections.extraEnabled[0]: must be a protection name")]
    [InlineData("""{"podProtections": {"enabled": []}}""", "args.podProtections.enabled: unknown field 'enabled' (known: config, defaultDisabled, extraEnabled)")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPDB": {}}}}""", "args.podProtections.config.PodsWithPDB: unknown field 'PodsWithPDB' (known: PodsWithPVC); did you mean 'PodsWithPVC'?")]
    [InlineData("""{"podProtections": {"config": {"PodsWithPVC": {"protectedStorageClasses": [{"name": "ssd"}]}}}}""", "args.podProtections.config.PodsWithPVC: has no effect unless PodsWithPVC is listed in podProtections.extraEnabled")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPVC": {"protectedStorageClasses": [{"name": ""}]}}}}""", "args.podProtections.config.PodsWithPVC.protectedStorageClasses[0].name: a storage class name is required and must not be empty")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPVC": {"protectedStorageClasses": [{}]}}}}""", "args.podProtections.config.PodsWithPVC.protectedStorageClasses[0].name: a storage class name is required and must not be empty")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPVC": {"protectedStorageClasses": ["ssd"]}}}}""", "args.podProtections.config.PodsWithPVC.protectedStorageClasses[0]: must be {name: <storage class>}")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPVC": {"protectedStorageClasses": [{"name": "ssd", "provisioner": "x"}]}}}}""", "args.podProtections.config.PodsWithPVC.protectedStorageClasses[0].provisioner: unknown field 'provisioner' (known: name)")]
    [InlineData("""{"podProtections": {"extraEnabled": ["PodsWithPVC"], "config": {"PodsWithPVC": {"protectedStorageClasses": "ssd"}}}}""", "args.podProtections.config.PodsWithPVC.protectedStorageClasses: must be a list of {name: <storage class>}")]
    [InlineData("""{"evictDaemonSetPods": "yes"}""", "args.evictDaemonSetPods: 'yes' is not a boolean (true or false)")]
    [InlineData("""{"evictStaticPods": true}""", "args.evictStaticPods: unknown field 'evictStaticPods' (known: evictDaemonSetPods, evictFailedBarePods, evictLocalStoragePods, evictSystemCriticalPods, ignorePodsWithoutPDB, ignorePvcPods, labelSelector, minPodAge, minReplicas, namespaceLabelSelector, noEvictionPolicy, nodeFit, nodeSelector, podProtections, priorityThreshold)")]
    public void Reports_each_invalid_value_with_its_path_and_the_allowed_values(string json, string expected)
    {
        (_, string[] problems) = Bind(json);

        Assert.Equal([expected], problems);
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind("""
            {
              "nodeSelector": "a b",
              "priorityThreshold": {"value": 2000000001},
              "minReplicas": "two",
              "minPodAge": "1w",
              "noEvictionPolicy": "Never",
              "podProtections": {"defaultDisabled": ["DaemonSetPods", "DaemonSetPods", "Nope"]},
              "evictSystemCriticalPods": true,
              "nodefit": true
            }
            """);

        Assert.Equal(
        [
            "args.nodeSelector: 'a b' is not a valid label selector: 'a b' is not a valid label key: the name must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional prefix and '/' (e.g. app.kubernetes.io/name)",
            "args.priorityThreshold.value: 2000000001 is greater than 2000000000, the priority of system-critical pods",
            "args.minReplicas: 'two' is not an integer",
            "args.minPodAge: '1w' is not a duration: unknown unit 'w' (valid units: ns, us, ms, s, m, h) (examples: \"5m\", \"1h30m\", \"300s\")",
            "args.noEvictionPolicy: 'Never' is not one of Preferred, Mandatory (or empty, which means Preferred)",
            "args.podProtections.defaultDisabled[1]: 'DaemonSetPods' is listed more than once",
            "args.podProtections.defaultDisabled[2]: unknown protection 'Nope' (defaultDisabled accepts: PodsWithLocalStorage, DaemonSetPods, SystemCriticalPods, FailedBarePods, SafeToEvictAnnotation, DoNotDisruptAnnotation)",
            "args.evictSystemCriticalPods: cannot be combined with podProtections; use podProtections.defaultDisabled: [SystemCriticalPods] instead",
            "args.nodefit: unknown field 'nodefit' (known: evictDaemonSetPods, evictFailedBarePods, evictLocalStoragePods, evictSystemCriticalPods, ignorePodsWithoutPDB, ignorePvcPods, labelSelector, minPodAge, minReplicas, namespaceLabelSelector, noEvictionPolicy, nodeFit, nodeSelector, podProtections, priorityThreshold); did you mean 'nodeFit'? (names are case-sensitive)",
        ], problems);

        // The valid parts still bind, so later checks see as much of the intent as possible.
        Assert.Equal(Defaults & ~PodProtections.DaemonSetPods, settings.Protections);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_empty_node_selector_selects_every_node(string text)
    {
        (DefaultEvictorSettings settings, string[] problems) = Bind($$"""{"nodeSelector": "{{text}}"}""");

        Assert.Empty(problems);
        Assert.Null(settings.NodeSelector);
    }

    private static (DefaultEvictorSettings Settings, string[] Problems) Bind(string json)
    {
        var problems = new ConfigProblems();
        var reader = new ArgsReader(PolicyJson.Parse(json, "args"), problems, "args");
        DefaultEvictorSettings settings = DefaultEvictorSettingsBinder.Bind(reader);
        reader.RejectUnknown();
        return (settings, problems.All.Select(p => p.ToString()).ToArray());
    }
}
