namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>kube-scheduler's shared normalisation (pkg/scheduler/framework/plugins/helper/normalize_score.go).</summary>
internal static class ScoreNormalization
{
    /// <summary>The framework's MaxNodeScore: every plugin's normalised score is in [0, 100].</summary>
    public const long MaxNodeScore = 100;

    /// <summary>
    /// <c>DefaultNormalizeScore</c>: scales every score by <c>100 · s / max</c> (integer division), reversed
    /// (<c>100 − that</c>) when <paramref name="reverse"/>; when the highest score is 0, every node gets 0, or 100 reversed.
    /// </summary>
    public static void Default(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (long score in scores)
        {
            max = Math.Max(max, score);
        }

        if (max == 0)
        {
            if (reverse)
            {
                scores.Fill(MaxNodeScore);
            }

            return;
        }

        for (int i = 0; i < scores.Length; i++)
        {
            long score = MaxNodeScore * scores[i] / max;
            scores[i] = reverse ? MaxNodeScore - score : score;
        }
    }
}
