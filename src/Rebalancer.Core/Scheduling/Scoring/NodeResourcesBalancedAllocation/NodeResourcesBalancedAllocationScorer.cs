namespace Rebalancer.Core.Scheduling.Scoring.NodeResourcesBalancedAllocation;

/// <summary>
/// NodeResourcesBalancedAllocation's Score (noderesources/balanced_allocation.go, v1.29–v1.32): each resource's fraction
/// of allocatable after the pod (real requests, capped at 1), and <c>(1 − std) · 100</c> truncated, where std is
/// |f₁ − f₂| / 2 for two resources and the population standard deviation for more. Not normalised. Best-effort pods are
/// scored too: skipping them (kubernetes#129138) arrived in v1.33.
/// </summary>
internal sealed class NodeResourcesBalancedAllocationScorer(NodeResourcesBalancedAllocationSettings settings, ScoringContext context)
    : ResourceAllocationScorer(context, settings.Resources, useRequested: true)
{
    protected override long Formula(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable)
    {
        Span<double> fractions = stackalloc double[requested.Length];
        int count = 0;
        double total = 0;
        for (int r = 0; r < requested.Length; r++)
        {
            if (allocatable[r] == 0)
            {
                continue;
            }

            double fraction = Math.Min(1, requested[r] / (double)allocatable[r]);
            total += fraction;
            fractions[count++] = fraction;
        }

        double std = 0;
        if (count == 2)
        {
            std = Math.Abs((fractions[0] - fractions[1]) / 2);
        }
        else if (count > 2)
        {
            double mean = total / count;
            double sum = 0;
            for (int i = 0; i < count; i++)
            {
                sum += (fractions[i] - mean) * (fractions[i] - mean);
            }

            std = Math.Sqrt(sum / count);
        }

        return (long)((1 - std) * ScoreNormalization.MaxNodeScore);
    }
}
