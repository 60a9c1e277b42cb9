using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>
/// The disruptions each PodDisruptionBudget still allows, spent by planned evictions before any API call is made
/// (kubernetes-api.md §2.5). Budgets come from the PDB status when it is current; when the status is missing or stale
/// (observedGeneration &lt; generation) they are recomputed from the spec and the snapshot's pods with the disruption
/// controller's rules (percentages round up).
/// </summary>
public sealed class PdbLedger
{
    /// <summary>No PDB selects the pod.</summary>
    public const int NoPdb = -1;

    /// <summary>More than one PDB selects the pod: the API server refuses its eviction with 500.</summary>
    public const int MultiplePdbs = -2;

    private readonly ClusterSnapshot _snapshot;
    private readonly int[] _pdbOfPod;
    private readonly int[] _allowed;
    private readonly int[] _allowedAtStart;
    private readonly int[] _healthy;
    private readonly int[] _desired;
    private readonly bool[] _recomputed;

    public PdbLedger(ClusterSnapshot snapshot)
    {
        _snapshot = snapshot;
        int pdbCount = snapshot.Pdbs.Count;
        _pdbOfPod = new int[snapshot.Pods.Count];
        Array.Fill(_pdbOfPod, NoPdb);
        _allowed = new int[pdbCount];
        _allowedAtStart = new int[pdbCount];
        _healthy = new int[pdbCount];
        _desired = new int[pdbCount];
        _recomputed = new bool[pdbCount];
        if (pdbCount == 0)
        {
            return;
        }

        // Each PDB matches its selector once per set of identically labelled pods in its namespace, not once per pod.
        PodLabelSets sets = snapshot.PodLabelSets;
        PodTable pods = snapshot.Pods;
        for (int b = 0; b < pdbCount; b++)
        {
            PdbRecord pdb = snapshot.Pdbs[b];
            List<int> selected = [];
            foreach (int set in sets.CandidateSets(pdb.Namespace, pdb.Selector))
            {
                if (!pdb.Selector.Matches(pods.Labels[sets.RepresentativeOf(set)]))
                {
                    continue;
                }

                foreach (int p in sets.PodsOf(set))
                {
                    selected.Add(p);
                    _pdbOfPod[p] = _pdbOfPod[p] == NoPdb ? b : MultiplePdbs;
                }
            }

            InitialiseBudget(b, pdb, selected);
            _allowedAtStart[b] = _allowed[b];
        }
    }

    public int Count => _allowed.Length;

    /// <summary>The PDB selecting the pod, <see cref="NoPdb"/>, or <see cref="MultiplePdbs"/>.</summary>
    public int PdbOf(int pod) => _pdbOfPod[pod];

    public bool HasPdb(int pod) => _pdbOfPod[pod] != NoPdb;

    /// <summary>Disruptions the PDB still allows after the evictions planned so far.</summary>
    public int Remaining(int pdb) => _allowed[pdb];

    /// <summary>Disruptions the PDB allowed before the plan (its status, or the recomputed budget).</summary>
    public int AllowedAtStart(int pdb) => _allowedAtStart[pdb];

    /// <summary>True when the budget was recomputed from the spec because the status was missing or stale.</summary>
    public bool WasRecomputed(int pdb) => _recomputed[pdb];

    /// <summary>
    /// Checks whether evicting <paramref name="pod"/> is allowed; when it is, <paramref name="spendsBudget"/> says whether
    /// <see cref="Spend"/> must be called. Mirrors the eviction handler's checks in its order.
    /// </summary>
    public Protection? Check(int pod, out bool spendsBudget)
    {
        spendsBudget = false;
        PodTable pods = _snapshot.Pods;
        int pdb = _pdbOfPod[pod];
        if (pdb == NoPdb || pods.Phase[pod] is PodPhase.Pending or PodPhase.Succeeded or PodPhase.Failed)
        {
            return null; // The API server evicts pods that are not running without consulting budgets.
        }

        if (pdb == MultiplePdbs)
        {
            return new Protection(SkipReasons.PdbMultiple, "selected by more than one PodDisruptionBudget (the API server refuses such evictions)");
        }

        PdbRecord record = _snapshot.Pdbs[pdb];
        bool ready = pods.Has(pod, PodFlags.Ready);
        if (!ready && (record.UnhealthyPodEvictionPolicy == UnhealthyPodEvictionPolicy.AlwaysAllow
            || (_healthy[pdb] >= _desired[pdb] && _desired[pdb] > 0)))
        {
            return null; // Unhealthy pods may go without spending budget (unhealthyPodEvictionPolicy).
        }

        string name = _snapshot.Strings[record.Namespace] + "/" + record.Name;
        if (_allowed[pdb] <= 0)
        {
            // Say whether the budget was spent by this plan or was never there: the fixes differ (a limit vs. the PDB).
            int start = _allowedAtStart[pdb];
            string spent = start > 0 ? $", {start} spent by evictions planned before this one" : string.Empty;
            string source = _recomputed[pdb] ? "recomputed from its spec: status missing or stale" : "from its status";
            return new Protection(SkipReasons.Pdb,
                $"PodDisruptionBudget {name} allows no more disruptions (remaining budget 0; {start} allowed at the start, {source}{spent})");
        }

        spendsBudget = true;
        return null;
    }

    /// <summary>Spends one disruption of the pod's PDB; never goes below zero.</summary>
    public void Spend(int pod)
    {
        int pdb = _pdbOfPod[pod];
        if (pdb < 0)
        {
            return;
        }

        if (_allowed[pdb] <= 0)
        {
            throw new InvalidOperationException("A planned eviction would overspend a PodDisruptionBudget; Check must be called first.");
        }

        _allowed[pdb]--;
        if (_snapshot.Pods.Has(pod, PodFlags.Ready))
        {
            _healthy[pdb]--;
        }
    }

    /// <summary>Gives back the disruption <see cref="Spend"/> took, when a tentative eviction is rolled back.</summary>
    public void Refund(int pod)
    {
        int pdb = _pdbOfPod[pod];
        if (pdb < 0)
        {
            return;
        }

        _allowed[pdb]++;
        if (_snapshot.Pods.Has(pod, PodFlags.Ready))
        {
            _healthy[pdb]++;
        }
    }

    public string Describe(int pdb)
    {
        PdbRecord record = _snapshot.Pdbs[pdb];
        return $"{_snapshot.Strings[record.Namespace]}/{record.Name}";
    }

    private void InitialiseBudget(int index, PdbRecord pdb, List<int> selected)
    {
        bool stale = !pdb.HasStatus || pdb.ObservedGeneration < pdb.Generation;
        if (!stale)
        {
            _allowed[index] = Math.Max(0, pdb.DisruptionsAllowed);
            _healthy[index] = pdb.CurrentHealthy;
            _desired[index] = pdb.DesiredHealthy;
            return;
        }

        // Recompute as the disruption controller would. The snapshot has no controllers' spec.replicas, so the
        // expected count for percentages and maxUnavailable is the number of selected pods that have a controller
        // (pods without one are ignored, as the controller does since Kubernetes 1.22); see docs/compatibility.md.
        _recomputed[index] = true;
        PodTable pods = _snapshot.Pods;
        HashSet<string> disrupted = [.. pdb.DisruptedPods];
        int healthy = 0;
        int controlled = 0;
        foreach (int p in selected)
        {
            if (pods.Has(p, PodFlags.Ready) && !pods.Has(p, PodFlags.Terminating) && (disrupted.Count == 0 || !disrupted.Contains(pods.Name[p])))
            {
                healthy++;
            }

            if (pods.OwnerStart[p] != pods.OwnerStart[p + 1])
            {
                controlled++;
            }
        }

        int expected;
        int desired;
        if (pdb.MaxUnavailable is IntOrPercent maxUnavailable)
        {
            expected = controlled;
            desired = Math.Max(0, expected - maxUnavailable.Scale(expected));
        }
        else if (pdb.MinAvailable is IntOrPercent minAvailable)
        {
            expected = minAvailable.IsPercent ? controlled : selected.Count;
            desired = minAvailable.Scale(expected);
        }
        else
        {
            expected = 0;
            desired = 0;
        }

        _healthy[index] = healthy;
        _desired[index] = desired;
        _allowed[index] = expected <= 0 ? 0 : Math.Max(0, healthy - desired);
    }
}
