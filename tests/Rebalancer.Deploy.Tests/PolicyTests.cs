using Rebalancer.Core.Policy;
using Rebalancer.Kubernetes.Policy;

namespace Rebalancer.Deploy.Tests;

/// <summary>The policy shipped in the ConfigMap is one the CLI accepts as it stands.</summary>
public sealed class PolicyTests
{
    [Fact]
    public void ShippedPolicy_Should_LoadWithoutWarningsAndBoundEvictions()
    {
        string path = Path.Combine(RepoPaths.Deploy, "base", "policy.yaml");

        DeschedulerPolicy policy = PolicyFileReader.LoadFromText(File.ReadAllText(path), path);

        Assert.Empty(policy.Warnings);
        Assert.NotEmpty(policy.Profiles);
        // An unattended job needs a blast-radius bound whatever the plugins find.
        Assert.NotNull(policy.MaxPodsToEvictTotal);
        Assert.NotNull(policy.MaxPodsToEvictPerNode);
    }
}
