using Rebalancer.Core.Evictor;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Core.Strategies.RemoveDuplicates;
using Rebalancer.Kubernetes.Policy;

namespace Rebalancer.Kubernetes.Tests.Policy;

/// <summary>The descheduler README's example policy (descheduler-semantics §4.3), verbatim, must read as the descheduler reads it.</summary>
public class DeschedulerExamplePolicyTests
{
    private const string ReadmeExample = """
        apiVersion: "descheduler/v1alpha2"
        kind: "DeschedulerPolicy"
        nodeSelector: "node=node1"
        maxNoOfPodsToEvictPerNode: 5000
        maxNoOfPodsToEvictPerNamespace: 5000
        maxNoOfPodsToEvictTotal: 5000
        gracePeriodSeconds: 60
        metricsProviders:
        - source: Prometheus
          prometheus:
            url: http://prometheus-kube-prometheus-prometheus.prom.svc.cluster.local
            authToken:
              secretReference:
                namespace: "kube-system"
                name: "authtoken"
        profiles:
          - name: ProfileName
            pluginConfig:
            - name: "DefaultEvictor"
              args:
                podProtections:
                  defaultDisabled: []   # PodsWithLocalStorage|SystemCriticalPods|DaemonSetPods|FailedBarePods
                  extraEnabled: []      # PodsWithPVC|PodsWithoutPDB|PodsWithResourceClaims
                  config: {}
                nodeFit: true
                minReplicas: 2
            - name: "RemoveDuplicates"
              args:
                excludeOwnerKinds: ["ReplicaSet"]
            - name: "LowNodeUtilization"
              args:
                thresholds:       {"cpu": 20, "memory": 20, "pods": 20}
                targetThresholds: {"cpu": 50, "memory": 50, "pods": 50}
                # metricsUtilization: {source: Prometheus, prometheus: {query: instance:node_cpu:rate:sum}}
                evictionLimits:
                  node: 5
            - name: "RemovePodsHavingTooManyRestarts"
              args: {podRestartThreshold: 100, includingInitContainers: true}
            - name: "RemovePodsViolatingTopologySpreadConstraint"
              args: {constraints: [DoNotSchedule, ScheduleAnyway]}
            - name: "RemovePodsViolatingInterPodAntiAffinity"
            plugins:
              deschedule:
                enabled: ["RemovePodsViolatingInterPodAntiAffinity", "RemovePodsHavingTooManyRestarts"]
              balance:
                enabled: ["RemoveDuplicates", "LowNodeUtilization", "RemovePodsViolatingTopologySpreadConstraint"]
        """;

    [Fact]
    public void The_readme_example_reads_and_names_exactly_the_plugins_rebalancer_does_not_implement_yet()
    {
        var problems = new ConfigProblems();
        PolicyNode root = PolicyFileReader.Parse(ReadmeExample, "README", problems);
        DeschedulerPolicy policy = PolicyBinder.Bind(root, problems);

        // Where each plugin of the example is named; a plugin that is in the catalogue binds (its args are valid).
        (string Path, string Name, string Known)[] uses =
        [
            ("profiles[0].pluginConfig[2].name", "LowNodeUtilization", "known plugins"),
            ("profiles[0].pluginConfig[3].name", "RemovePodsHavingTooManyRestarts", "known plugins"),
            ("profiles[0].pluginConfig[4].name", "RemovePodsViolatingTopologySpreadConstraint", "known plugins"),
            ("profiles[0].pluginConfig[5].name", "RemovePodsViolatingInterPodAntiAffinity", "known plugins"),
            ("profiles[0].plugins.deschedule.enabled[0]", "RemovePodsViolatingInterPodAntiAffinity", "known deschedule plugins"),
            ("profiles[0].plugins.deschedule.enabled[1]", "RemovePodsHavingTooManyRestarts", "known deschedule plugins"),
            ("profiles[0].plugins.balance.enabled[1]", "LowNodeUtilization", "known balance plugins"),
            ("profiles[0].plugins.balance.enabled[2]", "RemovePodsViolatingTopologySpreadConstraint", "known balance plugins"),
        ];
        string[] expected = uses
            .Where(u => !StrategyCatalog.Entries.ContainsKey(u.Name))
            .Select(u => $"{u.Path}: plugin '{u.Name}' is not implemented by Rebalancer yet ({u.Known}: ")
            .ToArray();

        Assert.Equal(expected.Length, problems.All.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i], problems.All[i].ToString(), StringComparison.Ordinal);
        }

        // Everything else of the example binds as written.
        Assert.Equal("node=node1", policy.NodeSelector!.ToString());
        Assert.Equal(5000u, policy.MaxPodsToEvictPerNode);
        Assert.Equal(5000u, policy.MaxPodsToEvictPerNamespace);
        Assert.Equal(5000u, policy.MaxPodsToEvictTotal);
        Assert.Equal(60L, policy.GracePeriodSeconds);
        Assert.Equal(new Uri("http://prometheus-kube-prometheus-prometheus.prom.svc.cluster.local"), policy.Prometheus!.Url);
        Assert.Equal(new SecretReference("kube-system", "authtoken"), policy.Prometheus.AuthTokenSecret);
        Assert.False(policy.KubernetesMetricsEnabled);
        ProfileConfig profile = Assert.Single(policy.Profiles);
        Assert.True(profile.Evictor.NodeFit);
        Assert.Equal(2u, profile.Evictor.MinReplicas);
        Assert.Equal(PodProtections.Defaults, profile.Evictor.Protections);
        PluginConfig duplicates = profile.Balance[0];
        Assert.Equal("profiles[0].pluginConfig[1]", duplicates.Path);
        Assert.Equal(["ReplicaSet"], Assert.IsType<RemoveDuplicatesSettings>(duplicates.Settings).ExcludeOwnerKinds);
    }

    [Fact]
    public void The_readme_example_restricted_to_implemented_plugins_loads_without_problems()
    {
        string adapted = string.Join('\n', ReadmeExample.Split('\n').TakeWhile(line => !line.Contains("name: \"LowNodeUtilization\"", StringComparison.Ordinal)))
            + """

                plugins:
                  balance:
                    enabled: ["RemoveDuplicates"]
            """;

        DeschedulerPolicy policy = PolicyFileReader.LoadFromText(adapted, "README (adapted)");

        Assert.Empty(policy.Warnings);
        ProfileConfig profile = Assert.Single(policy.Profiles);
        Assert.Equal("ProfileName", profile.Name);
        Assert.Equal(["RemoveDuplicates"], profile.Balance.Select(p => p.Name));
        Assert.Empty(profile.Deschedule);
    }
}
