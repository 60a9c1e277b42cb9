namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// The scheduler's score phase for one profile (framework/runtime RunScorePlugins, v1.29–v1.32): every modelled plugin
/// scores the feasible nodes (already normalised to 0–100), each score is multiplied by the plugin's weight, and the
/// node with the highest sum wins. kube-scheduler breaks ties at random (selectHost's reservoir sampling); the model
/// takes the lower node index, so plans are reproducible.
/// </summary>
public sealed class SchedulerScoring
{
    private readonly (IScorePlugin Plugin, long Weight)[] _plugins;
    private long[] _totals = [];
    private long[] _scores = [];

    public SchedulerScoring(SchedulerProfile profile, ScoringContext context)
    {
        Profile = profile;
        _plugins = [.. profile.Modelled.Select(p => (p.Entry.Create!(p.Settings, context), (long)p.Weight))];
    }

    public SchedulerProfile Profile { get; }

    /// <summary>The node of <paramref name="feasible"/> the profile scores highest for <paramref name="pod"/> (lower index on ties); -1 when none.</summary>
    public int Best(int pod, ReadOnlySpan<int> feasible)
    {
        if (feasible.Length <= 1)
        {
            return feasible.Length == 0 ? -1 : feasible[0];
        }

        Span<long> totals = Totals(pod, feasible);
        int best = -1;
        long bestTotal = long.MinValue;
        for (int i = 0; i < feasible.Length; i++)
        {
            if (totals[i] > bestTotal || (totals[i] == bestTotal && feasible[i] < best))
            {
                bestTotal = totals[i];
                best = feasible[i];
            }
        }

        return best;
    }

    /// <summary>The weighted sum of every modelled plugin's normalised score, per node of <paramref name="feasible"/>.</summary>
    public Span<long> Totals(int pod, ReadOnlySpan<int> feasible)
    {
        if (_totals.Length < feasible.Length)
        {
            _totals = new long[Math.Max(feasible.Length, _totals.Length * 2)];
            _scores = new long[_totals.Length];
        }

        Span<long> totals = _totals.AsSpan(0, feasible.Length);
        Span<long> scores = _scores.AsSpan(0, feasible.Length);
        totals.Clear();
        foreach ((IScorePlugin plugin, long weight) in _plugins)
        {
            if (!plugin.Score(pod, feasible, scores))
            {
                continue;
            }

            for (int i = 0; i < totals.Length; i++)
            {
                totals[i] += weight * scores[i];
            }
        }

        return totals;
    }
}
