namespace Rebalancer.Core.Planning;

/// <summary>One decision a plugin took about a pod: an eviction or a skip, with its place in the plan.</summary>
/// <param name="Sequence">Position among all of the plan's decisions, evictions and skips together, from 0.</param>
/// <param name="EvictionIndex">For an eviction, its place in execution order (from 0); -1 for a skip.</param>
/// <param name="Eviction">The eviction, or null for a skip.</param>
/// <param name="Skip">The skip, or null for an eviction.</param>
public sealed record PodDecision(int Sequence, int EvictionIndex, PlannedEviction? Eviction, SkippedPod? Skip)
{
    public string Profile => Eviction?.Profile ?? Skip!.Profile;

    public string Plugin => Eviction?.Plugin ?? Skip!.Plugin;
}

/// <summary>
/// The plan's evictions and skips indexed by pod and merged back into the order they were recorded, for
/// <see cref="Plan.DecisionsFor"/>. Built once per plan on demand: planning itself never needs it.
/// </summary>
internal sealed class PlanDecisions
{
    private readonly Dictionary<int, List<PodDecision>> _byPod = [];

    public PlanDecisions(IReadOnlyList<PlannedEviction> evictions, IReadOnlyList<SkippedPod> skipped)
    {
        // A skip recorded when k evictions existed comes after eviction k-1 and before eviction k. Skips are recorded
        // in order and a rollback removes later skips with the evictions, so EvictionsBefore never decreases; the
        // clamp only guards hand-made plans.
        int next = 0;
        int sequence = 0;
        foreach (SkippedPod skip in skipped)
        {
            for (int before = Math.Clamp(skip.EvictionsBefore, 0, evictions.Count); next < before; next++)
            {
                Add(evictions[next].Pod, new PodDecision(sequence++, next, evictions[next], null));
            }

            Add(skip.Pod, new PodDecision(sequence++, -1, null, skip));
        }

        for (; next < evictions.Count; next++)
        {
            Add(evictions[next].Pod, new PodDecision(sequence++, next, evictions[next], null));
        }
    }

    public IReadOnlyList<PodDecision> For(int pod) => _byPod.TryGetValue(pod, out List<PodDecision>? decisions) ? decisions : [];

    private void Add(int pod, PodDecision decision)
    {
        if (!_byPod.TryGetValue(pod, out List<PodDecision>? list))
        {
            _byPod[pod] = list = [];
        }

        list.Add(decision);
    }
}
