using Rebalancer.Core.Evictor;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Core.Strategies.RemoveDuplicates;

namespace Rebalancer.Core.Tests.Policy;

public class PolicyBinderTests
{
    private const string TypeMeta = "\"apiVersion\": \"descheduler/v1alpha2\", \"kind\": \"DeschedulerPolicy\"";
    private const string OneProfile = """ "profiles": [{"name": "p", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}] """;

    /// <summary>Every strategy the descheduler registers; the ones not in the catalogue yet must be named as such.</summary>
    private static readonly string[] DeschedulerStrategies =
    [
        "LowNodeUtilization", "HighNodeUtilization", "PodLifeTime", "RemoveDuplicates", "RemoveFailedPods",
        "RemovePodsHavingTooManyRestarts", "RemovePodsViolatingInterPodAntiAffinity", "RemovePodsViolatingNodeAffinity",
        "RemovePodsViolatingNodeTaints", "RemovePodsViolatingTopologySpreadConstraint",
    ];

    [Fact]
    public void Binds_a_minimal_policy_with_defaults()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy(OneProfile));

        Assert.Empty(problems);
        Assert.Empty(policy.Warnings);
        Assert.Null(policy.NodeSelector);
        Assert.Null(policy.MaxPodsToEvictPerNode);
        Assert.Null(policy.MaxPodsToEvictPerNamespace);
        Assert.Null(policy.MaxPodsToEvictTotal);
        Assert.Null(policy.GracePeriodSeconds);
        Assert.False(policy.EvictionFailureEventNotification);
        Assert.Empty(policy.MetricsProviders);
        Assert.False(policy.KubernetesMetricsEnabled);

        ProfileConfig profile = Assert.Single(policy.Profiles);
        Assert.Equal("p", profile.Name);
        Assert.Same(DefaultEvictorSettings.Default, profile.Evictor);
        Assert.Empty(profile.Deschedule);
        PluginConfig plugin = Assert.Single(profile.Balance);
        Assert.Equal("RemoveDuplicates", plugin.Name);
        Assert.Same(StrategyCatalog.Entries["RemoveDuplicates"], plugin.Entry);

        // No pluginConfig entry: default args, and the path of the enabled item (where the plugin came from).
        Assert.Equal("profiles[0].plugins.balance.enabled[0]", plugin.Path);
        var settings = Assert.IsType<RemoveDuplicatesSettings>(plugin.Settings);
        Assert.Empty(settings.ExcludeOwnerKinds);
        Assert.Same(NamespacesSpec.All, settings.Namespaces);
    }

    [Fact]
    public void Binds_every_top_level_field()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("""
            "nodeSelector": "node=node1,kubernetes.io/os!=windows",
            "maxNoOfPodsToEvictPerNode": 5000,
            "maxNoOfPodsToEvictPerNamespace": 10,
            "maxNoOfPodsToEvictTotal": 0,
            "gracePeriodSeconds": 60,
            "evictionFailureEventNotification": true,
            "metricsProviders": [
              {"source": "KubernetesMetrics"},
              {"source": "Prometheus", "prometheus": {"url": "https://prometheus.monitoring.svc:9090", "authToken": {"secretReference": {"namespace": "kube-system", "name": "authtoken"}}}}
            ],
            """ + OneProfile));

        Assert.Empty(problems);
        Assert.Empty(policy.Warnings);
        Assert.Equal("node=node1,kubernetes.io/os!=windows", policy.NodeSelector!.ToString());
        Assert.Equal(5000u, policy.MaxPodsToEvictPerNode);
        Assert.Equal(10u, policy.MaxPodsToEvictPerNamespace);
        Assert.Equal(0u, policy.MaxPodsToEvictTotal);
        Assert.Equal(60L, policy.GracePeriodSeconds);
        Assert.True(policy.EvictionFailureEventNotification);
        Assert.True(policy.KubernetesMetricsEnabled);
        Assert.Equal(2, policy.MetricsProviders.Count);
        Assert.Equal(new MetricsProviderConfig(MetricsSource.KubernetesMetrics, null), policy.MetricsProviders[0]);
        Assert.Equal(MetricsSource.Prometheus, policy.MetricsProviders[1].Source);
        Assert.Equal(new Uri("https://prometheus.monitoring.svc:9090"), policy.Prometheus!.Url);
        Assert.Equal(new SecretReference("kube-system", "authtoken"), policy.Prometheus.AuthTokenSecret);
    }

    [Fact]
    public void Binds_plugin_args_from_plugin_config_in_enabled_order_per_profile()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("""
            "profiles": [
              {
                "name": "first",
                "pluginConfig": [
                  {"name": "DefaultEvictor", "args": {"nodeFit": true, "minReplicas": 2}},
                  {"name": "RemoveDuplicates", "args": {"excludeOwnerKinds": ["ReplicaSet"], "namespaces": {"exclude": ["kube-system"]}}}
                ],
                "plugins": {
                  "filter": {"enabled": ["DefaultEvictor"]},
                  "preEvictionFilter": {"enabled": ["DefaultEvictor"]},
                  "balance": {"enabled": ["RemoveDuplicates"]}
                }
              },
              {"name": "second", "pluginConfig": [{"name": "RemoveDuplicates"}], "plugins": {"preevictionfilter": {"enabled": ["DefaultEvictor"]}, "balance": {"enabled": ["RemoveDuplicates"]}}}
            ]
            """));

        Assert.Empty(problems);
        Assert.Empty(policy.Warnings);
        Assert.Equal(["first", "second"], policy.Profiles.Select(p => p.Name));

        ProfileConfig first = policy.Profiles[0];
        Assert.True(first.Evictor.NodeFit);
        Assert.Equal(2u, first.Evictor.MinReplicas);
        PluginConfig duplicates = Assert.Single(first.Balance);
        Assert.Equal("profiles[0].pluginConfig[1]", duplicates.Path);
        var settings = Assert.IsType<RemoveDuplicatesSettings>(duplicates.Settings);
        Assert.Equal(["ReplicaSet"], settings.ExcludeOwnerKinds);
        Assert.False(settings.Namespaces.Allows("kube-system"));
        Assert.True(settings.Namespaces.Allows("default"));

        // A profile's evictor is its own: the second profile has none configured and gets the defaults.
        ProfileConfig second = policy.Profiles[1];
        Assert.Same(DefaultEvictorSettings.Default, second.Evictor);
        Assert.Equal("profiles[1].pluginConfig[0]", Assert.Single(second.Balance).Path);
    }

    [Theory]
    [InlineData("\"kind\": \"DeschedulerPolicy\"", "apiVersion: is required; use descheduler/v1alpha2")]
    [InlineData("\"apiVersion\": \"descheduler/v1alpha3\", \"kind\": \"DeschedulerPolicy\"", "apiVersion: 'descheduler/v1alpha3' is not supported; use descheduler/v1alpha2")]
    [InlineData("\"apiVersion\": \"descheduler/v1alpha2\"", "kind: is required; use DeschedulerPolicy")]
    [InlineData("\"apiVersion\": \"descheduler/v1alpha2\", \"kind\": \"KubeSchedulerConfiguration\"", "kind: 'KubeSchedulerConfiguration' is not supported; use DeschedulerPolicy")]
    [InlineData("\"apiVersion\": [\"descheduler/v1alpha2\"], \"kind\": \"DeschedulerPolicy\"", "apiVersion: must be a string")]
    public void Requires_the_v1alpha2_type_meta(string typeMeta, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind("{" + typeMeta + ", " + OneProfile + "}");

        Assert.Equal([expected], problems);
    }

    [Fact]
    public void A_v1alpha1_policy_is_refused_with_one_message_instead_of_a_schema_diff()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind("""
            {"apiVersion": "descheduler/v1alpha1", "kind": "DeschedulerPolicy", "strategies": {"RemoveDuplicates": {"enabled": true}}}
            """);

        Assert.Equal(["apiVersion: descheduler/v1alpha1 is not supported: it was removed in descheduler v0.31; rewrite the policy as descheduler/v1alpha2 (profiles with pluginConfig and plugins)"], problems);
        Assert.Empty(policy.Profiles);
    }

    [Theory]
    [InlineData("null", "the policy is empty; expected a DeschedulerPolicy (apiVersion: descheduler/v1alpha2, kind: DeschedulerPolicy, profiles: [...])")]
    [InlineData("[]", "the policy must be a mapping (a DeschedulerPolicy), not a list")]
    [InlineData("\"policy\"", "the policy must be a mapping (a DeschedulerPolicy), not a scalar ('policy')")]
    public void A_document_that_is_not_a_mapping_is_one_problem(string json, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(json);

        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("\"maxNoOfPodsToEvictPerNode\": -1", "maxNoOfPodsToEvictPerNode: -1 is not in [0, 4294967295]")]
    [InlineData("\"maxNoOfPodsToEvictPerNamespace\": 1.5", "maxNoOfPodsToEvictPerNamespace: '1.5' is not an integer")]
    [InlineData("\"maxNoOfPodsToEvictTotal\": \"5\"", "maxNoOfPodsToEvictTotal: '5' is not an integer")]
    [InlineData("\"maxNoOfPodsToEvictTotal\": 4294967296", "maxNoOfPodsToEvictTotal: 4294967296 is not in [0, 4294967295]")]
    [InlineData("\"gracePeriodSeconds\": -1", "gracePeriodSeconds: -1 is not in [0, inf]")]
    [InlineData("\"evictionFailureEventNotification\": 1", "evictionFailureEventNotification: '1' is not a boolean (true or false)")]
    [InlineData("\"nodeSelector\": \"zone in a\"", "nodeSelector: 'zone in a' is not a valid label selector: 'zone in a': values must be in parentheses")]
    [InlineData("\"nodeSelector\": {\"matchLabels\": {\"a\": \"b\"}}", "nodeSelector: must be a label selector string such as 'kubernetes.io/os=linux,node-role.kubernetes.io/control-plane!='")]
    [InlineData("\"maxNoOfPodsToEvictPerNod\": 5", "maxNoOfPodsToEvictPerNod: unknown field 'maxNoOfPodsToEvictPerNod' (known: apiVersion, evictionFailureEventNotification, gracePeriodSeconds, kind, maxNoOfPodsToEvictPerNamespace, maxNoOfPodsToEvictPerNode, maxNoOfPodsToEvictTotal, metricsCollector, metricsProviders, nodeSelector, profiles, scheduler, usageHistory); did you mean 'maxNoOfPodsToEvictPerNode'?")]
    [InlineData("\"metricsCollector\": {\"enabled\": true, \"interval\": \"5s\"}", "metricsCollector.interval: unknown field 'interval' (known: enabled)")]
    [InlineData("\"metricsCollector\": true", "metricsCollector: must be a mapping")]
    public void Reports_invalid_top_level_fields(string field, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(Policy(field + "," + OneProfile));

        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("""{}""", "metricsProviders: must be a list of {source, prometheus}")]
    [InlineData("""["KubernetesMetrics"]""", "metricsProviders[0]: must be a mapping with a source (KubernetesMetrics or Prometheus)")]
    [InlineData("""[{}]""", "metricsProviders[0].source: is required (KubernetesMetrics or Prometheus)")]
    [InlineData("""[{"source": "Graphite"}]""", "metricsProviders[0].source: 'Graphite' is not one of KubernetesMetrics, Prometheus")]
    [InlineData("""[{"source": "KubernetesMetrics"}, {"source": "KubernetesMetrics"}]""", "metricsProviders[1].source: 'KubernetesMetrics' is already configured at metricsProviders[0]; each source can be configured only once")]
    [InlineData("""[{"source": "KubernetesMetrics", "prometheus": {"url": "https://p"}}]""", "metricsProviders[0].prometheus: is only used with source Prometheus")]
    [InlineData("""[{"source": "Prometheus"}]""", "metricsProviders[0].prometheus: is required when source is Prometheus (at least prometheus.url)")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {}}]""", "metricsProviders[0].prometheus.url: is required when source is Prometheus")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": ""}}]""", "metricsProviders[0].prometheus.url: is required when source is Prometheus")]
    [InlineData("""[{"source": "Prometheus", "prometheus": "https://p"}]""", "metricsProviders[0].prometheus: must be a mapping")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "prometheus:9090"}}]""", "metricsProviders[0].prometheus.url: 'prometheus:9090' is not an absolute http or https URL")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "http://example.com:-80"}}]""", "metricsProviders[0].prometheus.url: 'http://example.com:-80' is not an absolute http or https URL")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "/api/v1"}}]""", "metricsProviders[0].prometheus.url: '/api/v1' is not an absolute http or https URL")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "https://p", "token": "x"}}]""", "metricsProviders[0].prometheus.token: unknown field 'token' (known: authToken, url)")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "https://p", "authToken": {}}}]""", "metricsProviders[0].prometheus.authToken.secretReference: is required when authToken is set (namespace and name of the secret holding the token)")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "https://p", "authToken": {"secretReference": {"name": "t"}}}}]""", "metricsProviders[0].prometheus.authToken.secretReference.namespace: is required (the namespace of the secret)")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "https://p", "authToken": {"secretReference": {"namespace": "kube-system", "name": ""}}}}]""", "metricsProviders[0].prometheus.authToken.secretReference.name: is required (the name of the secret)")]
    [InlineData("""[{"source": "Prometheus", "prometheus": {"url": "https://p", "authToken": {"secretReference": "kube-system/t"}}}]""", "metricsProviders[0].prometheus.authToken.secretReference: must be a mapping")]
    public void Validates_metrics_providers_like_the_descheduler(string providers, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(Policy("\"metricsProviders\": " + providers + "," + OneProfile));

        Assert.Equal([expected], problems);
    }

    [Fact]
    public void The_deprecated_metrics_collector_enables_metrics_server_with_a_warning()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("\"metricsCollector\": {\"enabled\": true}," + OneProfile));

        Assert.Empty(problems);
        Assert.True(policy.KubernetesMetricsEnabled);
        Assert.Empty(policy.MetricsProviders);
        Assert.Equal(["metricsCollector.enabled: is deprecated; use metricsProviders: [{source: KubernetesMetrics}]"], policy.Warnings.Select(w => w.ToString()));
    }

    [Fact]
    public void The_metrics_collector_cannot_be_combined_with_a_kubernetes_metrics_provider()
    {
        (_, string[] problems) = PolicyJson.Bind(Policy("""
            "metricsCollector": {"enabled": true}, "metricsProviders": [{"source": "KubernetesMetrics"}],
            """ + OneProfile));

        Assert.Equal(["metricsCollector.enabled: cannot be combined with a KubernetesMetrics entry in metricsProviders; remove the deprecated metricsCollector"], problems);
    }

    [Fact]
    public void A_prometheus_provider_alone_does_not_enable_metrics_server()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("""
            "metricsCollector": {"enabled": false}, "metricsProviders": [{"source": "Prometheus", "prometheus": {"url": "http://prometheus.prom.svc"}}],
            """ + OneProfile));

        Assert.Empty(problems);
        Assert.False(policy.KubernetesMetricsEnabled);
        Assert.Equal(new PrometheusProviderConfig(new Uri("http://prometheus.prom.svc"), null), policy.Prometheus);
    }

    [Theory]
    [InlineData("", "profiles: at least one profile is required; a policy without profiles evicts nothing")]
    [InlineData(""" "profiles": [] """, "profiles: at least one profile is required; a policy without profiles evicts nothing")]
    [InlineData(""" "profiles": {"name": "p"} """, "profiles: must be a list of profiles")]
    [InlineData(""" "profiles": ["p"] """, "profiles[0]: must be a profile (a mapping with name, pluginConfig and plugins)")]
    [InlineData(""" "profiles": [{"plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}] """, "profiles[0].name: is required and must not be empty")]
    [InlineData(""" "profiles": [{"name": "", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}] """, "profiles[0].name: is required and must not be empty")]
    [InlineData(""" "profiles": [{"name": "p", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}, {"name": "p", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}] """, "profiles[1].name: duplicate profile name 'p' (first used by profiles[0])")]
    [InlineData(""" "profiles": [{"name": "p", "plugin": {}, "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}] """, "profiles[0].plugin: unknown field 'plugin' (known: name, pluginConfig, plugins); did you mean 'plugins'?")]
    public void Reports_invalid_profiles(string profiles, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(Policy(profiles));

        Assert.Equal([expected], problems);
    }

    [Theory]
    [InlineData("""[{"name": "RemoveDuplicates"}, {"name": "RemoveDuplicates", "args": {}}]""", "profiles[0].pluginConfig[1].name: duplicate pluginConfig for 'RemoveDuplicates' (first at profiles[0].pluginConfig[0])")]
    [InlineData("""[{"args": {}}]""", "profiles[0].pluginConfig[0].name: is required (the plugin name)")]
    [InlineData("""[{"name": ""}]""", "profiles[0].pluginConfig[0].name: is required (the plugin name)")]
    [InlineData("""[{"name": "RemoveDuplicates", "arguments": {}}]""", "profiles[0].pluginConfig[0].arguments: unknown field 'arguments' (known: args, name)")]
    [InlineData("""["RemoveDuplicates"]""", "profiles[0].pluginConfig[0]: must be a mapping with name and args")]
    [InlineData("""{"RemoveDuplicates": {}}""", "profiles[0].pluginConfig: must be a list of {name, args}")]
    [InlineData("""[{"name": "RemoveDuplicates", "args": {"excludeOwnerKind": ["ReplicaSet"]}}]""", "profiles[0].pluginConfig[0].args.excludeOwnerKind: unknown field 'excludeOwnerKind' (known: excludeOwnerKinds, namespaces); did you mean 'excludeOwnerKinds'?")]
    [InlineData("""[{"name": "RemoveDuplicates", "args": {"namespaces": {"include": ["a"], "exclude": ["b"]}}}]""", "profiles[0].pluginConfig[0].args.namespaces: only one of include and exclude can be set")]
    [InlineData("""[{"name": "RemoveDuplicates", "args": ["ReplicaSet"]}]""", "profiles[0].pluginConfig[0].args: must be a mapping")]
    [InlineData("""[{"name": "DefaultEvictor", "args": {"nodeFit": "yes"}}]""", "profiles[0].pluginConfig[0].args.nodeFit: 'yes' is not a boolean (true or false)")]
    [InlineData("""[{"name": "DefaultEvictor", "args": {"nodeFit": true, "fit": true}}]""", "profiles[0].pluginConfig[0].args.fit: unknown field 'fit' (known: evictDaemonSetPods, evictFailedBarePods, evictLocalStoragePods, evictSystemCriticalPods, ignorePodsWithoutPDB, ignorePvcPods, labelSelector, minPodAge, minReplicas, namespaceLabelSelector, noEvictionPolicy, nodeFit, nodeSelector, podProtections, priorityThreshold)")]
    [InlineData("""[{"name": "MyPlugin"}]""", "profiles[0].pluginConfig[0].name: unknown plugin 'MyPlugin' ({known})")]
    [InlineData("""[{"name": "removeDuplicates"}]""", "profiles[0].pluginConfig[0].name: unknown plugin 'removeDuplicates' ({known}); did you mean 'RemoveDuplicates'? (names are case-sensitive)")]
    [InlineData("""[{"name": "defaultEvictor"}]""", "profiles[0].pluginConfig[0].name: unknown plugin 'defaultEvictor' ({known}); did you mean 'DefaultEvictor'? (names are case-sensitive)")]
    [InlineData("""[{"name": "LowNodeUtilisation"}]""", "profiles[0].pluginConfig[0].name: unknown plugin 'LowNodeUtilisation' ({known}); did you mean 'LowNodeUtilization'?")]
    [InlineData("""[{"name": "DefaultEvictor", "args": {"nodefit": true}}]""", "profiles[0].pluginConfig[0].args.nodefit: unknown field 'nodefit' (known: evictDaemonSetPods, evictFailedBarePods, evictLocalStoragePods, evictSystemCriticalPods, ignorePodsWithoutPDB, ignorePvcPods, labelSelector, minPodAge, minReplicas, namespaceLabelSelector, noEvictionPolicy, nodeFit, nodeSelector, podProtections, priorityThreshold); did you mean 'nodeFit'? (names are case-sensitive)")]
    [InlineData("""[{"name": "DefaultEvictor", "args": {"minPodAg": "5m"}}]""", "profiles[0].pluginConfig[0].args.minPodAg: unknown field 'minPodAg' (known: evictDaemonSetPods, evictFailedBarePods, evictLocalStoragePods, evictSystemCriticalPods, ignorePodsWithoutPDB, ignorePvcPods, labelSelector, minPodAge, minReplicas, namespaceLabelSelector, noEvictionPolicy, nodeFit, nodeSelector, podProtections, priorityThreshold); did you mean 'minPodAge'?")]
    public void Reports_invalid_plugin_config(string pluginConfig, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(Policy(
            "\"profiles\": [{\"name\": \"p\", \"pluginConfig\": " + pluginConfig + ", \"plugins\": {\"balance\": {\"enabled\": [\"RemoveDuplicates\"]}}}]"));

        Assert.Equal([Expand(expected)], problems);
    }

    [Theory]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates", "MyBalancer"]}}""", "profiles[0].plugins.balance.enabled[1]: unknown plugin 'MyBalancer' ({known-balance})")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates", "RemoveDuplicates"]}}""", "profiles[0].plugins.balance.enabled[1]: 'RemoveDuplicates' is enabled more than once")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates", "DefaultEvictor"]}}""", "profiles[0].plugins.balance.enabled[1]: 'DefaultEvictor' is an evictor plugin (it always runs at filter and preEvictionFilter), not a balance plugin")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "deschedule": {"enabled": ["RemoveDuplicates"]}}""", "profiles[0].plugins.deschedule.enabled[0]: plugin 'RemoveDuplicates' implements balance, not deschedule ({known-deschedule})")]
    [InlineData("""{"balance": {"enabled": "RemoveDuplicates"}}""", "profiles[0].plugins.balance.enabled: must be a list of plugin names")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates", {"name": "x"}]}}""", "profiles[0].plugins.balance.enabled[1]: must be a plugin name")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"], "enable": []}}""", "profiles[0].plugins.balance.enable: unknown field 'enable' (known: disabled, enabled); did you mean 'enabled'?")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "filter": {"enabled": ["RemoveDuplicates"]}}""", "profiles[0].plugins.filter.enabled[0]: plugin 'RemoveDuplicates' is a strategy, not a filter plugin (known filter plugins: DefaultEvictor)")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "preEvictionFilter": {"enabled": ["MyFilter"]}}""", "profiles[0].plugins.preEvictionFilter.enabled[0]: unknown plugin 'MyFilter' (known preEvictionFilter plugins: DefaultEvictor)")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "preevictionfilter": {"enabled": ["DefaultEvictor"]}, "preEvictionFilter": {"enabled": ["DefaultEvictor"]}}""", "profiles[0].plugins.preevictionfilter: is the same extension point as preEvictionFilter; keep only one of them")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "evict": {"enabled": ["DefaultEvictor"]}}""", "profiles[0].plugins.evict: unknown field 'evict' (known: balance, deschedule, filter, preEvictionFilter, preevictionfilter, presort, sort)")]
    [InlineData("""["RemoveDuplicates"]""", "profiles[0].plugins: must be a mapping")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicate"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'RemoveDuplicate' ({known-balance}); did you mean 'RemoveDuplicates'?")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicatess"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'RemoveDuplicatess' ({known-balance}); did you mean 'RemoveDuplicates'?")]
    [InlineData("""{"balance": {"enabled": ["LowNodeUtilisation"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'LowNodeUtilisation' ({known-balance}); did you mean 'LowNodeUtilization'?")]
    [InlineData("""{"balance": {"enabled": ["Consolidaton"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'Consolidaton' ({known-balance}); did you mean 'Consolidation'?")]
    [InlineData("""{"balance": {"enabled": ["PodLifetime"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'PodLifetime' ({known-balance}); did you mean 'PodLifeTime'? (names are case-sensitive; PodLifeTime is a deschedule plugin: enable it under plugins.deschedule.enabled)")]
    [InlineData("""{"deschedule": {"enabled": ["RemoveDuplicate"]}}""", "profiles[0].plugins.deschedule.enabled[0]: unknown plugin 'RemoveDuplicate' ({known-deschedule}); did you mean 'RemoveDuplicates'? (RemoveDuplicates is a balance plugin: enable it under plugins.balance.enabled)")]
    [InlineData("""{"deschedule": {"enabled": ["RemovePodsViolatingNodeTaint"]}}""", "profiles[0].plugins.deschedule.enabled[0]: unknown plugin 'RemovePodsViolatingNodeTaint' ({known-deschedule}); did you mean 'RemovePodsViolatingNodeTaints'?")]
    [InlineData("""{"balance": {"enabled": ["DefaultEvicter"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'DefaultEvicter' ({known-balance}); did you mean 'DefaultEvictor'? (DefaultEvictor is the evictor, always on at filter and preEvictionFilter, not a balance plugin)")]
    [InlineData("""{"balance": {"enabled": ["RemoveDuplicates"]}, "filter": {"enabled": ["DefaultEvicter"]}}""", "profiles[0].plugins.filter.enabled[0]: unknown plugin 'DefaultEvicter' (known filter plugins: DefaultEvictor); did you mean 'DefaultEvictor'?")]
    [InlineData("""{"balance": {"enabled": ["Rebalance"]}}""", "profiles[0].plugins.balance.enabled[0]: unknown plugin 'Rebalance' ({known-balance})")]
    public void Reports_invalid_plugin_sets(string plugins, string expected)
    {
        (_, string[] problems) = PolicyJson.Bind(Policy("\"profiles\": [{\"name\": \"p\", \"plugins\": " + plugins + "}]"));

        Assert.Equal([Expand(expected)], problems);
    }

    [Fact]
    public void Descheduler_plugins_that_are_not_implemented_yet_are_named_as_such_wherever_they_appear()
    {
        string[] missing = DeschedulerStrategies.Where(n => !StrategyCatalog.Entries.ContainsKey(n)).ToArray();
        foreach (string name in missing)
        {
            (_, string[] problems) = PolicyJson.Bind(Policy($$$$"""
                "profiles": [{"name": "p", "pluginConfig": [{"name": "{{{{name}}}}"}], "plugins": {"balance": {"enabled": ["RemoveDuplicates", "{{{{name}}}}"]}, "deschedule": {"enabled": ["{{{{name}}}}"]}}}]
                """));

            Assert.Equal(
            [
                $"profiles[0].pluginConfig[0].name: plugin '{name}' is not implemented by Rebalancer yet ({Expand("{known}")})",
                $"profiles[0].plugins.deschedule.enabled[0]: plugin '{name}' is not implemented by Rebalancer yet ({Expand("{known-deschedule}")})",
                $"profiles[0].plugins.balance.enabled[1]: plugin '{name}' is not implemented by Rebalancer yet ({Expand("{known-balance}")})",
            ], problems);
        }
    }

    [Fact]
    public void Plugin_config_that_no_extension_point_enables_is_validated_and_warned_about()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("""
            "profiles": [{"name": "p", "pluginConfig": [{"name": "RemoveDuplicates", "args": {"excludeOwnerKinds": ["Job"]}}]}]
            """));
        (_, string[] invalid) = PolicyJson.Bind(Policy("""
            "profiles": [{"name": "p", "pluginConfig": [{"name": "RemoveDuplicates", "args": {"excludeOwnerKinds": "Job"}}]}]
            """));

        Assert.Empty(problems);
        Assert.Equal(
        [
            "profiles[0].pluginConfig[0]: pluginConfig for 'RemoveDuplicates' has no effect: no extension point of this profile enables it (add it to plugins.balance.enabled)",
            "profiles[0]: enables no deschedule or balance plugin, so it evicts nothing",
        ], policy.Warnings.Select(w => w.ToString()));
        Assert.Equal(["profiles[0].pluginConfig[0].args.excludeOwnerKinds: must be a list of strings"], invalid);
    }

    [Fact]
    public void Disabled_lists_presort_and_sort_are_accepted_with_a_warning_and_no_effect()
    {
        (DeschedulerPolicy policy, string[] problems) = PolicyJson.Bind(Policy("""
            "profiles": [{"name": "p", "plugins": {
              "presort": {"enabled": ["Foo"]},
              "sort": {"enabled": []},
              "balance": {"enabled": ["RemoveDuplicates"], "disabled": ["RemoveDuplicates"]}
            }}]
            """));

        Assert.Empty(problems);
        Assert.Equal(
        [
            "profiles[0].plugins.balance.disabled: has no effect (the descheduler ignores disabled lists too); remove the plugin from enabled instead",
            "profiles[0].plugins.presort: has no effect: no extension point of the descheduler uses it",
        ], policy.Warnings.Select(w => w.ToString()));
        Assert.Equal("RemoveDuplicates", Assert.Single(policy.Profiles[0].Balance).Name);
    }

    [Fact]
    public void Default_args_that_are_not_valid_are_reported_at_the_enabled_item()
    {
        StrategyEntry entry = StrategyEntry.For<object>(
            "NeedsThreshold",
            args =>
            {
                if (args.Integer("threshold") is null)
                {
                    args.Problems.Add(args.FieldPath("threshold"), "is required");
                }

                return new object();
            },
            _ => throw new NotSupportedException("never created in this test"),
            ExtensionPoint.Balance);
        var problems = new ConfigProblems();

        PolicyBinder.BindDefaults(entry, "profiles[0].plugins.balance.enabled[2]", problems);

        Assert.Equal(
            ["profiles[0].plugins.balance.enabled[2]: 'NeedsThreshold' has no pluginConfig entry and its default args are not valid (args.threshold: is required); add a pluginConfig entry with args"],
            problems.All.Select(p => p.ToString()));
    }

    [Fact]
    public void Reports_every_problem_of_a_document_at_once_with_exact_paths()
    {
        (_, string[] problems) = PolicyJson.Bind("""
            {
              "apiVersion": "descheduler/v1alpha2",
              "kind": "DeschedulerPolicy",
              "nodeSelector": "a b",
              "maxNoOfPodsToEvictPerNode": -5,
              "gracePeriodSeconds": "30",
              "metricsProviders": [{"source": "Prometheus", "prometheus": {"url": "ftp://prom"}}, {"source": "Prometheus"}],
              "profiles": [
                {
                  "name": "p",
                  "pluginConfig": [
                    {"name": "DefaultEvictor", "args": {"minPodAge": "1d", "podProtections": {"extraEnabled": ["PodsWithPVCs"]}}},
                    {"name": "RemoveDuplicates", "args": {"excludeOwnerKinds": ["ReplicaSet"], "namespace": {"exclude": ["kube-system"]}}},
                    {"name": "RemoveDuplicates"}
                  ],
                  "plugins": {"balance": {"enabled": ["RemoveDuplicates", "Foo"]}, "deschedule": {"enabled": ["RemoveDuplicates"]}}
                },
                {"name": "p", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}
              ],
              "dryRun": true
            }
            """);

        Assert.Equal(
        [
            "nodeSelector: 'a b' is not a valid label selector: 'a b' is not a valid label key: the name must be 1 to 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional prefix and '/' (e.g. app.kubernetes.io/name)",
            "maxNoOfPodsToEvictPerNode: -5 is not in [0, 4294967295]",
            "gracePeriodSeconds: '30' is not an integer",
            "metricsProviders[0].prometheus.url: 'ftp://prom' is not an absolute http or https URL",
            "metricsProviders[1].source: 'Prometheus' is already configured at metricsProviders[0]; each source can be configured only once",
            "profiles[0].pluginConfig[0].args.minPodAge: '1d' is not a duration: unknown unit 'd' (valid units: ns, us, ms, s, m, h) (examples: \"5m\", \"1h30m\", \"300s\")",
            "profiles[0].pluginConfig[0].args.podProtections.extraEnabled[0]: unknown protection 'PodsWithPVCs' (extraEnabled accepts: PodsWithPVC, PodsWithoutPDB, PodsWithResourceClaims)",
            "profiles[0].pluginConfig[1].args.namespace: unknown field 'namespace' (known: excludeOwnerKinds, namespaces); did you mean 'namespaces'?",
            "profiles[0].pluginConfig[2].name: duplicate pluginConfig for 'RemoveDuplicates' (first at profiles[0].pluginConfig[1])",
            Expand("profiles[0].plugins.deschedule.enabled[0]: plugin 'RemoveDuplicates' implements balance, not deschedule ({known-deschedule})"),
            Expand("profiles[0].plugins.balance.enabled[1]: unknown plugin 'Foo' ({known-balance})"),
            "profiles[1].name: duplicate profile name 'p' (first used by profiles[0])",
            "dryRun: unknown field 'dryRun' (known: apiVersion, evictionFailureEventNotification, gracePeriodSeconds, kind, maxNoOfPodsToEvictPerNamespace, maxNoOfPodsToEvictPerNode, maxNoOfPodsToEvictTotal, metricsCollector, metricsProviders, nodeSelector, profiles, scheduler, usageHistory)",
        ], problems);
    }

    private static string Policy(string rest) => "{" + TypeMeta + (string.IsNullOrWhiteSpace(rest) ? string.Empty : ", " + rest) + "}";

    /// <summary>The lists of known plugins grow with the catalogue, so expectations name them by placeholder.</summary>
    private static string Expand(string message) => message
        .Replace("{known}", "known plugins: " + string.Join(", ", StrategyCatalog.Entries.Keys.Append(StrategyCatalog.DefaultEvictor).Order(StringComparer.Ordinal)), StringComparison.Ordinal)
        .Replace("{known-balance}", Known(ExtensionPoint.Balance, "balance"), StringComparison.Ordinal)
        .Replace("{known-deschedule}", Known(ExtensionPoint.Deschedule, "deschedule"), StringComparison.Ordinal);

    private static string Known(ExtensionPoint point, string key)
    {
        string[] names = StrategyCatalog.Entries.Values.Where(e => e.Points.Contains(point)).Select(e => e.Name).Order(StringComparer.Ordinal).ToArray();
        return $"known {key} plugins: " + (names.Length == 0 ? "none yet" : string.Join(", ", names));
    }
}
