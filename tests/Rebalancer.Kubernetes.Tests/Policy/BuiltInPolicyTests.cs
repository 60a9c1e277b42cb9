using Rebalancer.Core.Evictor;
using Rebalancer.Core.Policy;
using Rebalancer.Core.Strategies;
using Rebalancer.Kubernetes.Policy;

namespace Rebalancer.Kubernetes.Tests.Policy;

public class BuiltInPolicyTests
{
    [Fact]
    public void The_built_in_policy_loads_through_the_reader_and_binder_without_problems_or_warnings()
    {
        DeschedulerPolicy policy = BuiltInPolicy.Load();

        Assert.Empty(policy.Warnings);
        ProfileConfig profile = Assert.Single(policy.Profiles);
        Assert.Equal("default", profile.Name);
        Assert.Equal(DefaultEvictorSettings.Default.Protections, profile.Evictor.Protections);
        Assert.False(profile.Evictor.NodeFit);
        Assert.Equal(["RemovePodsViolatingInterPodAntiAffinity"], profile.Deschedule.Select(p => p.Name));
        Assert.Equal(["RemoveDuplicates", "LowNodeUtilization"], profile.Balance.Select(p => p.Name));
        Assert.Null(policy.MaxPodsToEvictTotal);
        Assert.Null(policy.NodeSelector);
    }

    [Fact]
    public void Every_plugin_of_the_built_in_policy_has_its_own_plugin_config_entry()
    {
        DeschedulerPolicy policy = BuiltInPolicy.Load();

        // Keeping args explicit in the text makes the default policy a complete, editable starting point.
        foreach (PluginConfig plugin in policy.Profiles.SelectMany(p => p.Deschedule.Concat(p.Balance)))
        {
            Assert.Matches(@"^profiles\[\d+\]\.pluginConfig\[\d+\]$", plugin.Path);
            Assert.True(StrategyCatalog.Entries.ContainsKey(plugin.Name));
        }
    }
}
