using Rebalancer.Core.Model;

namespace Rebalancer.Core.Tests.Model;

/// <summary>
/// Pods are written as <c>K:requests|limits</c> per container, separated by <c>;</c>, where K is R (regular), I (init)
/// or S (sidecar: init with restartPolicy Always), in spec order; amounts are Kubernetes quantities.
/// </summary>
public class PodResourcesTests
{
    public static TheoryData<string, string, string, string> Requests => new()
    {
        { "one container", "R:cpu=100m,memory=64Mi", "", "cpu=100m,memory=64Mi" },
        { "regular containers add up", "R:cpu=100m;R:cpu=200m,memory=1Gi", "", "cpu=300m,memory=1Gi" },
        { "a larger init container wins", "R:cpu=100m;I:cpu=1", "", "cpu=1" },
        { "a smaller init container is hidden", "R:cpu=1;I:cpu=500m", "", "cpu=1" },
        { "init max is per resource", "R:cpu=1,memory=1Gi;I:cpu=2;I:memory=2Gi", "", "cpu=2,memory=2Gi" },
        { "init containers do not add up", "I:cpu=1;I:cpu=1", "", "cpu=1" },
        { "a sidecar adds to the regular sum", "S:cpu=100m;R:cpu=1", "", "cpu=1100m" },
        { "a sidecar runs beside later init containers", "S:cpu=500m;I:cpu=1;R:cpu=200m", "", "cpu=1500m" },
        { "a sidecar started later does not", "I:cpu=1;S:cpu=500m;R:cpu=200m", "", "cpu=1" },
        { "sidecars accumulate for init containers", "S:cpu=100m;S:cpu=200m;I:cpu=1;R:cpu=100m", "", "cpu=1300m" },
        { "sidecars alone", "S:cpu=2;S:cpu=1", "", "cpu=3" },
        { "overhead is added after the max", "R:cpu=100m;I:cpu=1", "cpu=250m", "cpu=1250m" },
        { "overhead only", "", "memory=64Mi", "memory=64Mi" },
        { "limits default missing requests", "R:|cpu=1,nvidia.com/gpu=1", "", "cpu=1,nvidia.com/gpu=1" },
        { "limits do not override requests", "R:cpu=100m|cpu=1,memory=1Gi", "", "cpu=100m,memory=1Gi" },
        { "defaulted requests count for init containers", "R:cpu=100m;I:|cpu=2", "", "cpu=2" },
        { "extended resources follow the same rules", "R:nvidia.com/gpu=2;I:nvidia.com/gpu=1;S:example.com/fpga=1", "", "nvidia.com/gpu=2,example.com/fpga=1" },
        { "no containers", "", "", "" },
    };

    public static TheoryData<string, string, QosClass> QosCases => new()
    {
        { "nothing requested", "R:;I:", QosClass.BestEffort },
        { "only other resources", "R:ephemeral-storage=1Gi,nvidia.com/gpu=1", QosClass.BestEffort },
        { "zero amounts are nothing", "R:cpu=0,memory=0|cpu=0,memory=0", QosClass.BestEffort },
        { "requests only", "R:cpu=100m", QosClass.Burstable },
        { "requests equal limits", "R:cpu=1,memory=1Gi|cpu=1,memory=1Gi", QosClass.Guaranteed },
        { "limits only (requests default)", "R:|cpu=1,memory=1Gi;R:|cpu=500m,memory=64Mi", QosClass.Guaranteed },
        { "requests below limits", "R:cpu=500m,memory=1Gi|cpu=1,memory=1Gi", QosClass.Burstable },
        { "one container without limits", "R:cpu=1,memory=1Gi|cpu=1,memory=1Gi;R:cpu=100m", QosClass.Burstable },
        { "cpu limit only", "R:|cpu=1", QosClass.Burstable },
        { "a zero cpu limit is no limit", "R:memory=1Gi|cpu=0,memory=1Gi", QosClass.Burstable },
        { "init containers count", "R:cpu=1,memory=1Gi|cpu=1,memory=1Gi;I:cpu=1", QosClass.Burstable },
        { "guaranteed init and sidecar", "I:cpu=1,memory=1Gi|cpu=1,memory=1Gi;S:|cpu=100m,memory=8Mi;R:|cpu=1,memory=1Gi", QosClass.Guaranteed },
        { "extended resources do not matter", "R:cpu=1,memory=1Gi,nvidia.com/gpu=1|cpu=1,memory=1Gi,nvidia.com/gpu=2", QosClass.Guaranteed },
        { "only limits on other resources", "R:|nvidia.com/gpu=1", QosClass.BestEffort },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void EffectiveRequests_follow_the_scheduler(string description, string containers, string overhead, string expected)
    {
        Assert.NotEmpty(description);
        var catalog = new ResourceCatalog();
        List<ContainerRecord> pod = Containers(catalog, containers);
        List<ResourceAmount> podOverhead = Amounts(catalog, overhead);
        List<ResourceAmount> wanted = Amounts(catalog, expected);

        long[] requests = new long[catalog.Count];
        PodResources.EffectiveRequests(pod, podOverhead, requests);

        long[] expectedRow = new long[catalog.Count];
        foreach (ResourceAmount amount in wanted)
        {
            expectedRow[amount.Resource] = amount.Amount;
        }

        Assert.Equal(expectedRow, requests);
    }

    [Theory]
    [InlineData("R:memory=7Ei;R:memory=7Ei", "")]
    [InlineData("R:memory=7Ei", "memory=7Ei")]
    [InlineData("S:cpu=9223372036854775;S:cpu=9223372036854775;I:cpu=1", "")]
    public void Sums_past_the_64_bit_range_throw_instead_of_saturating(string containers, string overhead)
    {
        var catalog = new ResourceCatalog();
        long[] requests = new long[catalog.Count];
        Assert.Throws<OverflowException>(() => PodResources.EffectiveRequests(Containers(catalog, containers), Amounts(catalog, overhead), requests));
    }

    [Fact]
    public void Qos_sums_are_checked_too()
    {
        var catalog = new ResourceCatalog();
        Assert.Throws<OverflowException>(() => PodResources.Qos(Containers(catalog, "R:|cpu=9223372036854775,memory=7Ei;R:|cpu=1,memory=7Ei")));
    }

    [Fact]
    public void EffectiveRequests_clears_the_target_and_handles_many_resources()
    {
        var catalog = new ResourceCatalog();
        for (int i = 0; i < 40; i++)
        {
            catalog.GetOrAdd($"example.com/r{i}");
        }

        List<ContainerRecord> pod = Containers(catalog, "R:example.com/r39=3;I:example.com/r39=5");
        long[] requests = Enumerable.Repeat(7L, catalog.Count).ToArray();
        PodResources.EffectiveRequests(pod, [], requests);

        Assert.Equal(5, requests[catalog.Find("example.com/r39")]);
        Assert.Equal(5, requests.Sum());
    }

    [Theory]
    [MemberData(nameof(QosCases))]
    public void Qos_follows_ComputePodQOS(string description, string containers, QosClass expected)
    {
        Assert.NotEmpty(description);
        var catalog = new ResourceCatalog();
        Assert.Equal(expected, PodResources.Qos(Containers(catalog, containers)));
    }

    private static List<ContainerRecord> Containers(ResourceCatalog catalog, string spec)
    {
        var containers = new List<ContainerRecord>();
        foreach (string part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kindAndAmounts = part.Split(':', 2);
            var container = new ContainerRecord
            {
                Kind = kindAndAmounts[0] switch
                {
                    "R" => ContainerKind.Regular,
                    "I" => ContainerKind.Init,
                    "S" => ContainerKind.SidecarInit,
                    _ => throw new ArgumentException($"unknown container kind in '{part}'", nameof(spec)),
                },
            };
            string[] requestsAndLimits = kindAndAmounts[1].Split('|');
            container.Requests.AddRange(Amounts(catalog, requestsAndLimits[0]));
            if (requestsAndLimits.Length > 1)
            {
                container.Limits.AddRange(Amounts(catalog, requestsAndLimits[1]));
            }

            containers.Add(container);
        }

        return containers;
    }

    private static List<ResourceAmount> Amounts(ResourceCatalog catalog, string spec)
    {
        var amounts = new List<ResourceAmount>();
        foreach (string pair in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] nameAndValue = pair.Split('=');
            int resource = catalog.GetOrAdd(nameAndValue[0]);
            amounts.Add(new ResourceAmount(resource, Quantity.ParseScaled(nameAndValue[1], ResourceCatalog.ScaleOf(resource))));
        }

        return amounts;
    }
}
