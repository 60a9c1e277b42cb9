namespace Rebalancer.Core.Scheduling.Scoring.NodeResourcesFit;

/// <summary>
/// NodeResourcesFit's Score (noderesources/least_allocated.go, most_allocated.go, requested_to_capacity_ratio.go,
/// v1.29–v1.32), integer arithmetic as in Go: per resource a 0–100 score, then the weighted mean over the resources
/// the node has (truncated; RequestedToCapacityRatio rounds, and leaves out resources that score 0). Not normalised.
/// </summary>
internal sealed class NodeResourcesFitScorer : ResourceAllocationScorer
{
    private const long MaxUtilization = 100;

    private readonly ScoringStrategyType _type;

    // RequestedToCapacityRatio's shape with scores scaled from 0–10 to 0–100 (MaxNodeScore / MaxCustomPriorityScore).
    private readonly ShapePoint[] _shape;

    public NodeResourcesFitScorer(NodeResourcesFitSettings settings, ScoringContext context)
        : base(context, settings.Resources, useRequested: false)
    {
        _type = settings.Type;
        _shape = [.. settings.Shape.Select(p => new ShapePoint(p.Utilization, p.Score * 10))];
    }

    protected override void Formulas(long[] requested, long[] allocatable, ReadOnlySpan<int> resources, int nodes, Span<long> scores)
    {
        int count = resources.Length;
        Span<long> weight = stackalloc long[count];
        for (int k = 0; k < count; k++)
        {
            weight[k] = Weights[resources[k]];
        }

        for (int i = 0; i < nodes; i++)
        {
            int row = i * count;
            long nodeScore = 0;
            long weightSum = 0;
            for (int k = 0; k < count; k++)
            {
                long capacity = allocatable[row + k];
                if (capacity == 0)
                {
                    continue;
                }

                long used = requested[row + k];
                long score = _type switch
                {
                    ScoringStrategyType.LeastAllocated => used > capacity ? 0 : Divide((capacity - used) * ScoreNormalization.MaxNodeScore, capacity),
                    ScoringStrategyType.MostAllocated => Divide(Math.Min(used, capacity) * ScoreNormalization.MaxNodeScore, capacity),
                    _ => BrokenLinear(_shape, used > capacity ? MaxUtilization : Divide(used * MaxUtilization, capacity)),
                };
                if (_type == ScoringStrategyType.RequestedToCapacityRatio && score <= 0)
                {
                    continue;
                }

                nodeScore += score * weight[k];
                weightSum += weight[k];
            }

            scores[i] = weightSum == 0 ? 0
                : _type == ScoringStrategyType.RequestedToCapacityRatio ? (long)Math.Round(nodeScore / (double)weightSum, MidpointRounding.AwayFromZero)
                : nodeScore / weightSum;
        }
    }

    /// <summary>
    /// Go's truncating <c>x / y</c> for 0 ≤ x, 0 &lt; y: in double while every value is exact in a double (below 2⁵³) and
    /// a quotient just under an integer cannot round up to it (its gap to the integer, at least 1/y, is then far above
    /// the rounding error), which is several times faster than a 64-bit integer division; otherwise the integer division.
    /// This runs for every resource of every feasible node of every placement.
    /// </summary>
    private static long Divide(long x, long y) =>
        x < ExactBound && y < ExactBound ? (long)(x / (double)y) : x / y;

    // 2^45: products of a value up to this and 100 stay below 2^53, and 1 / (2^45 · 100) is far above double precision.
    private const long ExactBound = 1L << 45;

    /// <summary>helper.BuildBrokenLinearFunction: linear between the shape's points, flat before the first and after the last.</summary>
    internal static long BrokenLinear(ReadOnlySpan<ShapePoint> shape, long utilization)
    {
        for (int i = 0; i < shape.Length; i++)
        {
            if (utilization <= shape[i].Utilization)
            {
                if (i == 0)
                {
                    return shape[0].Score;
                }

                ShapePoint a = shape[i - 1];
                ShapePoint b = shape[i];
                return a.Score + ((b.Score - a.Score) * (utilization - a.Utilization) / (b.Utilization - a.Utilization));
            }
        }

        return shape[^1].Score;
    }
}
