using Rebalancer.Core.Policy;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;
using Rebalancer.Core.Scheduling.Scoring.PodTopologySpread;
using Rebalancer.Core.Tests.Policy;

namespace Rebalancer.Core.Tests.Scheduling;

/// <summary>The policy's <c>scheduler:</c> section: kube-scheduler's merge rules, its validation, every problem with its path.</summary>
public sealed class SchedulerProfileBinderTests
{
    private static (SchedulerProfile Profile, string[] Problems, string[] Warnings) Bind(string? scheduler)
    {
        string json = """{"apiVersion": "descheduler/v1alpha2", "kind": "DeschedulerPolicy", "profiles": [{"name": "p", "plugins": {"balance": {"enabled": ["RemoveDuplicates"]}}}]"""
            + (scheduler is null ? string.Empty : ", \"scheduler\": " + scheduler) + "}";
        var problems = new ConfigProblems();
        DeschedulerPolicy policy = PolicyBinder.Bind(PolicyJson.Parse(json), problems);
        return (policy.Scheduler, [.. problems.All.Select(p => p.ToString())], [.. policy.Warnings.Select(w => w.ToString())]);
    }

    [Fact]
    public void Without_a_section_Should_AssumeKubeSchedulersDefaultProfile()
    {
        (SchedulerProfile profile, string[] problems, _) = Bind(null);

        Assert.Empty(problems);
        Assert.Same(SchedulerProfile.Default, profile);
        Assert.Equal(
            ["TaintToleration x3", "NodeAffinity x2", "NodeResourcesFit x1 (LeastAllocated: cpu 1, memory 1)",
             "PodTopologySpread x2 (System defaults: kubernetes.io/hostname maxSkew 3 ScheduleAnyway, topology.kubernetes.io/zone maxSkew 5 ScheduleAnyway)",
             "InterPodAffinity x2 (hardPodAffinityWeight 1)", "NodeResourcesBalancedAllocation x1 (cpu, memory)", "ImageLocality x1"],
            profile.Plugins.Select(p => p.ToString()));
        Assert.Equal(["ImageLocality"], profile.NotModelled.Select(p => p.Name));
        Assert.False(profile.Packs);
    }

    [Fact]
    public void An_empty_section_and_the_defaults_written_out_Should_StillBeTheDefaultProfile()
    {
        (SchedulerProfile empty, string[] p1, _) = Bind("{}");
        (SchedulerProfile written, string[] p2, _) = Bind("""
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "LeastAllocated", "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}}},
                              {"name": "PodTopologySpread", "args": {"defaultingType": "System"}}]}
            """);

        Assert.Empty(p1);
        Assert.Empty(p2);
        Assert.True(empty.IsDefault);
        Assert.True(written.IsDefault);
        Assert.Equal(SchedulerProfile.DefaultName, written.Name);
    }

    [Fact]
    public void A_bin_packing_profile_Should_BindAsKubeSchedulerMergesIt()
    {
        (SchedulerProfile profile, string[] problems, string[] warnings) = Bind("""
            {"name": "bin-packing",
             "plugins": {"score": {"disabled": [{"name": "*"}], "enabled": [{"name": "NodeResourcesFit", "weight": 5}, {"name": "PodTopologySpread"}]},
                         "multiPoint": {"enabled": [{"name": "NodePorts"}, {"name": "DefaultBinder"}]}},
             "pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 2}, {"name": "nvidia.com/gpu"}]}}},
                              {"name": "PodTopologySpread", "args": {"defaultingType": "List", "defaultConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}]}}]}
            """);

        Assert.Empty(problems);
        Assert.Empty(warnings);
        Assert.Equal("bin-packing", profile.Name);
        Assert.False(profile.IsDefault);
        Assert.Equal(["NodeResourcesFit x5 (MostAllocated: cpu 2, nvidia.com/gpu 1)", "PodTopologySpread x2 (List: topology.kubernetes.io/zone maxSkew 1 DoNotSchedule)"],
            profile.Plugins.Select(p => p.ToString()));
        Assert.True(profile.Packs);
        Assert.False(profile.Spreading.SystemDefaulted);
        Assert.Equal(Core.Model.UnsatisfiableConstraintAction.DoNotSchedule, UnsatisfiableConstraintActionOf(profile.Spreading));
    }

    private static Core.Model.UnsatisfiableConstraintAction UnsatisfiableConstraintActionOf(PodTopologySpreadSettings settings) =>
        Assert.Single(settings.DefaultConstraints).WhenUnsatisfiable;

    [Fact]
    public void A_requested_to_capacity_ratio_shape_Should_Bind_And_PackWhenItRises()
    {
        (SchedulerProfile profile, string[] problems, _) = Bind("""
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "RequestedToCapacityRatio",
                "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]}}}}]}
            """);

        Assert.Empty(problems);
        NodeResourcesFitSettings fit = profile.ResourceScoring!;
        Assert.Equal(ScoringStrategyType.RequestedToCapacityRatio, fit.Type);
        Assert.Equal([new ShapePoint(0, 0), new ShapePoint(100, 10)], fit.Shape);
        Assert.True(profile.Packs);
        Assert.Equal("custom", profile.Name);
    }

    public static TheoryData<string, string[]> Problems => new()
    {
        {
            """{"plugins": {"score": {"enabled": [{"name": "NodeResourceFit", "weight": 0}]}}}""",
            [
                "scheduler.plugins.score.enabled[0].weight: 0 is not in [1, 1000]",
                "scheduler.plugins.score.enabled[0].name: unknown plugin 'NodeResourceFit' (known score plugins: TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity, NodeResourcesBalancedAllocation, ImageLocality, VolumeBinding, DynamicResources)",
            ]
        },
        {
            """{"plugins": {"score": {"enabled": [{"name": "NodePorts"}]}, "filter": {"disabled": [{"name": "NodePorts"}]}}}""",
            [
                "scheduler.plugins.filter: only the score and multiPoint extension points are modelled (the filters are kube-scheduler's defaults, see docs/compatibility.md); 'filter' cannot be changed",
                "scheduler.plugins.score.enabled[0].name: 'NodePorts' is not a score plugin (known score plugins: TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity, NodeResourcesBalancedAllocation, ImageLocality, VolumeBinding, DynamicResources)",
            ]
        },
        {
            """{"plugins": {"score": {"enabled": [{"name": "nodeaffinity"}]}}}""",
            ["scheduler.plugins.score.enabled[0].name: unknown plugin 'nodeaffinity' (known score plugins: TaintToleration, NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity, NodeResourcesBalancedAllocation, ImageLocality, VolumeBinding, DynamicResources); did you mean 'NodeAffinity'? (names are case-sensitive)"]
        },
        {
            """
            {"pluginConfig": [{"name": "NodeResourcesFit", "args": {"ignoredResources": ["x"], "scoringStrategy": {"type": "MostAllocated", "resources": [{"name": "cpu", "weight": 101}, {"name": "cpu"}],
                "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 1}]}}}}]}
            """,
            [
                "scheduler.pluginConfig[0].args.ignoredResources: is a filter setting of kube-scheduler that Rebalancer does not model (every requested resource is checked); remove it",
                "scheduler.pluginConfig[0].args.scoringStrategy.resources[0].weight: 101 is not in [1, 100]",
                "scheduler.pluginConfig[0].args.scoringStrategy.resources[1].name: 'cpu' is listed twice (first at scheduler.pluginConfig[0].args.scoringStrategy.resources[0].name)",
                "scheduler.pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio: is only used with type RequestedToCapacityRatio (type is MostAllocated)",
            ]
        },
        {
            """{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "RequestedToCapacityRatio", "requestedToCapacityRatio": {"shape": [{"utilization": 50, "score": 5}, {"utilization": 40, "score": 1}, {"utilization": 60, "score": 11}]}}}}]}""",
            [
                "scheduler.pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: 40 does not increase (the previous point has 50); points must be sorted by increasing utilization",
                "scheduler.pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[2].score: 11 is not in [0, 10]",
            ]
        },
        {
            """{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "RequestedToCapacityRatio"}}}]}""",
            ["scheduler.pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape: is required with type RequestedToCapacityRatio (at least one {utilization, score} point)"]
        },
        {
            """{"pluginConfig": [{"name": "NodeAffinity", "args": {"addedAffinity": {}}}, {"name": "PodTopologySpread", "args": {"defaultConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]}}, {"name": "NodeAffinity"}]}""",
            [
                "scheduler.pluginConfig[0].args.addedAffinity: addedAffinity is not modelled: Rebalancer scores only the pods' own preferred node affinity; remove it",
                "scheduler.pluginConfig[1].args.defaultConstraints: must be empty when defaultingType is System (kube-scheduler's validation); set defaultingType: List",
                "scheduler.pluginConfig[2].name: duplicate pluginConfig for 'NodeAffinity' (first at scheduler.pluginConfig[0])",
            ]
        },
        {
            """{"nmae": "x", "pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 101}}]}""",
            [
                "scheduler.pluginConfig[0].args.hardPodAffinityWeight: 101 is not in [0, 100]",
                "scheduler.nmae: unknown field 'nmae' (known: name, pluginConfig, plugins); did you mean 'name'?",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Problems_Should_BeReportedWithTheirPaths(string scheduler, string[] expected)
    {
        (_, string[] problems, _) = Bind(scheduler);

        Assert.Equal(expected, problems);
    }

    [Fact]
    public void Valid_but_useless_args_Should_BeWarnedAbout()
    {
        (_, string[] problems, string[] warnings) = Bind("""
            {"plugins": {"score": {"disabled": [{"name": "InterPodAffinity"}]}},
             "pluginConfig": [{"name": "InterPodAffinity", "args": {"hardPodAffinityWeight": 5}}, {"name": "VolumeBinding", "args": {"bindTimeoutSeconds": 600}},
                              {"name": "DefaultPreemption", "args": {"minCandidateNodesPercentage": 10}}]}
            """);

        Assert.Empty(problems);
        Assert.Equal(
            [
                "scheduler.pluginConfig[0]: 'InterPodAffinity' is not enabled in the scheduler profile: its args are valid but unused",
                "scheduler.pluginConfig[1]: 'VolumeBinding' is not modelled (scores only with the VolumeCapacityPriority feature gate (alpha, off by default)): its args do not change the scheduler model",
                "scheduler.pluginConfig[2]: 'DefaultPreemption' is not a score plugin: its args do not change the scheduler model",
            ],
            warnings);
    }
}
