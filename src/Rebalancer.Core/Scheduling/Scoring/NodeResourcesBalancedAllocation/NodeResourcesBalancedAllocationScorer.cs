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
    protected override void Formulas(long[] requested, long[] allocatable, ReadOnlySpan<int> resources, int nodes, Span<long> scores)
    {
        int count = resources.Length;
        Span<double> fractions = stackalloc double[count];
        for (int i = 0; i < nodes; i++)
        {
            int row = i * count;
            int present = 0;
            double total = 0;
            for (int k = 0; k < count; k++)
            {
                long capacity = allocatable[row + k];
                if (capacity == 0)
                {
                    continue;
                }

                double fraction = Math.Min(1, requested[row + k] / (double)capacity);
                total += fraction;
                fractions[present++] = fraction;
            }

            double std = 0;
            if (present == 2)
            {
                std = Math.Abs((fractions[0] - fractions[1]) / 2);
            }
            else if (present > 2)
            {
                double mean = total / present;
                double sum = 0;
                for (int k = 0; k < present; k++)
                {
                    sum += (fractions[k] - mean) * (fractions[k] - mean);
                }

                std = Math.Sqrt(sum / present);
            }

            scores[i] = (long)((1 - std) * ScoreNormalization.MaxNodeScore);
        }
    }
}
