using System.Globalization;
using System.Runtime.InteropServices;

namespace Rebalancer.Core.Model;

/// <summary>
/// The value rules every snapshot obeys, whichever reader made it (kubectl JSON, a live cluster, a compact file): what
/// Kubernetes' own validation guarantees for objects it stores, so the planner can rely on it.
/// <list type="bullet">
/// <item>Amounts (requests, limits, overhead, allocatable, capacity, usage) are 0 or more; PodDisruptionBudget
/// <c>minAvailable</c>/<c>maxUnavailable</c> are 0 or more, percentages at most 100%, never both set; its status
/// counters and container restart counts are 0 or more.</item>
/// <item>Each object appears once: nodes by name, pods by namespace and name and by uid, PodDisruptionBudgets,
/// PersistentVolumeClaims and metrics by namespace and name, Namespaces and PriorityClasses by name. A duplicate is an
/// error rather than "keep one": the two copies may differ, and which one a planner should believe is not knowable.</item>
/// <item>Amounts of one resource add up to at most <see cref="MaxTotal"/> for each kind of sum: the requests of all
/// pods, the allocatable of all nodes, the usage of all pods, of all nodes. Every sum planning forms (a node's requests,
/// a projection, free space, a shortfall) is at most two such totals, so none can overflow a <see langword="long"/>,
/// and no utilization can come out negative.</item>
/// <item>Names of pods, nodes and the other objects are at most <see cref="MaxNameLength"/> bytes (a DNS subdomain),
/// namespaces at most <see cref="MaxNamespaceLength"/> (a DNS label).</item>
/// <item>Inventory objects (Deployments… ResourceQuotas) obey <see cref="Inventory.InventoryRules"/>.</item>
/// </list>
/// <see cref="SnapshotBuilder"/> applies them as objects are added (throwing <see cref="SnapshotValueException"/>);
/// <see cref="Check"/> applies them to finished tables.
/// </summary>
public static class SnapshotRules
{
    /// <summary>
    /// The most the amounts of one resource may add up to over all pods (requests, usage) or all nodes (allocatable,
    /// usage): 2^62, about 4.6 × 10^15 cores in millicores or 4 EiB of memory, far beyond any cluster; twice it still
    /// fits a <see langword="long"/>.
    /// </summary>
    public const long MaxTotal = 1L << 62;

    /// <summary>
    /// The longest string a reader keeps, in UTF-8 bytes: all annotations of one object together may hold 256 KiB in
    /// Kubernetes, so no single label, annotation, image or reason is longer.
    /// </summary>
    public const int MaxStringBytes = 256 * 1024;

    /// <summary>The longest object name (and uid), in bytes: a DNS subdomain's 253.</summary>
    public const int MaxNameLength = 253;

    /// <summary>The longest namespace name, in bytes: a DNS label's 63.</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>The unit amounts of <paramref name="resource"/> are stored in, for messages.</summary>
    public static string UnitOf(ResourceCatalog resources, int resource)
    {
        ArgumentNullException.ThrowIfNull(resources);
        return resource switch
        {
            ResourceCatalog.Cpu => "millicores",
            ResourceCatalog.Memory or ResourceCatalog.EphemeralStorage => "bytes",
            ResourceCatalog.Pods => "pods",
            _ => resources[resource].StartsWith("hugepages-", StringComparison.Ordinal) ? "bytes" : "units",
        };
    }

    /// <summary>The problem of a negative amount.</summary>
    public static string NegativeAmount(string resource) =>
        $"{resource} is negative; resource amounts are 0 or more";

    /// <summary>The problem of a total past <see cref="MaxTotal"/>.</summary>
    public static string TotalTooLarge(string what, ResourceCatalog resources, int resource) =>
        $"the {what} of {resources[resource]} add up to more than {MaxTotal.ToString(CultureInfo.InvariantCulture)} {UnitOf(resources, resource)} " +
        "(2^62), more than any cluster holds; a value is wrong";

    /// <summary>Checks a name's length in UTF-8 bytes; <paramref name="field"/> is where the name is.</summary>
    public static void CheckName(string name, string field, int maxLength = MaxNameLength)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length > maxLength && System.Text.Encoding.UTF8.GetByteCount(name) > maxLength)
        {
            throw new SnapshotValueException(field, $"is longer than {maxLength} bytes, the most Kubernetes allows", name);
        }
    }

    /// <summary>Checks that no amount is negative; <paramref name="field"/> is where the list is.</summary>
    public static void CheckAmounts(ResourceCatalog resources, IReadOnlyList<ResourceAmount> amounts, string field)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(amounts);
        for (int i = 0; i < amounts.Count; i++)
        {
            if (amounts[i].Amount < 0)
            {
                string resource = resources[amounts[i].Resource];
                throw new SnapshotValueException(field, NegativeAmount(resource), amounts[i].Amount.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>The PodDisruptionBudget rules: counts 0 or more, percentages 0–100%, not both minAvailable and maxUnavailable.</summary>
    public static void CheckPdb(PdbRecord pdb)
    {
        ArgumentNullException.ThrowIfNull(pdb);
        CheckIntOrPercent(pdb.MinAvailable, "spec.minAvailable");
        CheckIntOrPercent(pdb.MaxUnavailable, "spec.maxUnavailable");
        if (pdb.MinAvailable is not null && pdb.MaxUnavailable is not null)
        {
            throw new SnapshotValueException("spec", "sets both minAvailable and maxUnavailable; a PodDisruptionBudget sets one of them");
        }

        CheckCount(pdb.ObservedGeneration, "status.observedGeneration");
        CheckCount(pdb.DisruptionsAllowed, "status.disruptionsAllowed");
        CheckCount(pdb.CurrentHealthy, "status.currentHealthy");
        CheckCount(pdb.DesiredHealthy, "status.desiredHealthy");
        CheckCount(pdb.ExpectedPods, "status.expectedPods");
    }

    /// <summary>An int-or-percent: an integer of 0 or more, or a percentage from 0% to 100%.</summary>
    public static void CheckIntOrPercent(IntOrPercent? value, string field)
    {
        if (value is not { } v)
        {
            return;
        }

        if (v.Value < 0 || (v.IsPercent && v.Value > 100))
        {
            throw new SnapshotValueException(field, "expected an integer of 0 or more or a percentage from \"0%\" to \"100%\"", v.ToString());
        }
    }

    /// <summary>The problem of a negative count.</summary>
    public const string NegativeCount = "is negative; it counts, so it is 0 or more";

    /// <summary>A counter that is never negative (status counters, restart counts).</summary>
    public static void CheckCount(long value, string field)
    {
        if (value < 0)
        {
            throw new SnapshotValueException(field, NegativeCount, value.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Applies every rule to finished tables (a snapshot read back from a file that may have been crafted); the first
    /// problem found, with <see cref="SnapshotValueException.Field"/> naming the table, row and column
    /// (<c>pods[17].requests</c>), or null when the snapshot obeys them all.
    /// </summary>
    public static SnapshotValueException? Check(ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        try
        {
            CheckNodes(snapshot);
            CheckPods(snapshot);
            CheckPdbs(snapshot);
            CheckNamespaces(snapshot);
            return Inventory.InventoryRules.Check(snapshot);
        }
        catch (SnapshotValueException e)
        {
            return e;
        }
    }

    private static void CheckNodes(ClusterSnapshot snapshot)
    {
        NodeTable nodes = snapshot.Nodes;
        ResourceCatalog resources = snapshot.Resources;
        var seen = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (int n = 0; n < nodes.Count; n++)
        {
            if (nodes.Name[n].Length > MaxNameLength)
            {
                CheckName(nodes.Name[n], Row("nodes", n) + ".name");
            }

            if (!seen.TryAdd(nodes.Name[n], n))
            {
                throw new SnapshotValueException(Row("nodes", n) + ".name", $"a second node named '{nodes.Name[n]}' (the first is nodes[{seen[nodes.Name[n]]}]); every node appears once", nodes.Name[n]);
            }
        }

        CheckMatrix(resources, nodes.Allocatable, nodes.Count, "nodes", "allocatable", "nodes' allocatable amounts");
        CheckUsage(nodes.UsageCpuMilli, nodes.UsageMemory, nodes.HasUsage, resources, "nodes", "nodes' usage");
    }

    private static void CheckPods(ClusterSnapshot snapshot)
    {
        PodTable pods = snapshot.Pods;
        ResourceCatalog resources = snapshot.Resources;
        // Field paths are built only for an error: this loop runs for every pod of a 150,000-pod file.
        for (int p = 0; p < pods.Count; p++)
        {
            if (pods.Name.Utf8(p).Length > MaxNameLength)
            {
                throw new SnapshotValueException(Row("pods", p) + ".name", $"is longer than {MaxNameLength} bytes, the most Kubernetes allows", pods.Name[p]);
            }

            if (pods.Uid.Utf8(p).Length > MaxNameLength)
            {
                throw new SnapshotValueException(Row("pods", p) + ".uid", $"is longer than {MaxNameLength} bytes", pods.Uid[p]);
            }

            if (snapshot.Strings[pods.Namespace[p]].Length > MaxNamespaceLength)
            {
                CheckName(snapshot.Strings[pods.Namespace[p]], Row("pods", p) + ".namespace", MaxNamespaceLength);
            }

            if (pods.Restarts[p] < 0 || pods.InitRestarts[p] < 0)
            {
                CheckCount(pods.Restarts[p], Row("pods", p) + ".restarts");
                CheckCount(pods.InitRestarts[p], Row("pods", p) + ".initRestarts");
            }
        }

        foreach (ContainerStatus status in pods.ContainerStatuses)
        {
            CheckCount(status.RestartCount, "pods.containerStatuses.restartCount");
        }

        if (FindDuplicate(pods.Name, pods.Namespace, out int first, out int second))
        {
            throw new SnapshotValueException(Row("pods", second) + ".name",
                $"a second pod {snapshot.PodKey(second)} (the first is pods[{first}]); pods are unique by namespace and name", pods.Name[second]);
        }

        if (FindDuplicate(pods.Uid, null, out first, out second))
        {
            throw new SnapshotValueException(Row("pods", second) + ".uid",
                $"pod {snapshot.PodKey(second)} has the uid of pod {snapshot.PodKey(first)} (pods[{first}]); uids are unique", pods.Uid[second]);
        }

        CheckMatrix(resources, pods.Requests, pods.Count, "pods", "requests", "pods' requests");
        CheckUsage(pods.UsageCpuMilli, pods.UsageMemory, pods.HasUsage, resources, "pods", "pods' usage");
        CheckNonZeroRequests(pods, resources);
    }

    private static void CheckPdbs(ClusterSnapshot snapshot)
    {
        var seen = new Dictionary<(int, string), int>(snapshot.Pdbs.Count);
        for (int i = 0; i < snapshot.Pdbs.Count; i++)
        {
            PdbRecord pdb = snapshot.Pdbs[i];
            string row = Row("pdbs", i);
            try
            {
                CheckName(pdb.Name, "name");
                CheckPdb(pdb);
            }
            catch (SnapshotValueException e)
            {
                throw new SnapshotValueException(row + "." + e.Field, e.Problem, e.Value);
            }

            if (!seen.TryAdd((pdb.Namespace, pdb.Name), i))
            {
                throw new SnapshotValueException(row + ".name",
                    $"a second PodDisruptionBudget {snapshot.Strings[pdb.Namespace]}/{pdb.Name} (the first is pdbs[{seen[(pdb.Namespace, pdb.Name)]}]); each appears once", pdb.Name);
            }
        }
    }

    private static void CheckNamespaces(ClusterSnapshot snapshot)
    {
        var seen = new Dictionary<int, int>(snapshot.Namespaces.Count);
        for (int i = 0; i < snapshot.Namespaces.Count; i++)
        {
            int name = snapshot.Namespaces.Name[i];
            CheckName(snapshot.Strings[name], Row("namespaces", i) + ".name", MaxNamespaceLength);
            if (!seen.TryAdd(name, i))
            {
                throw new SnapshotValueException(Row("namespaces", i) + ".name",
                    $"a second Namespace '{snapshot.Strings[name]}' (the first is namespaces[{seen[name]}]); each appears once", snapshot.Strings[name]);
            }
        }
    }

    /// <summary>A rows × resources matrix: every amount 0 or more, every column's sum at most <see cref="MaxTotal"/>.</summary>
    private static void CheckMatrix(ResourceCatalog resources, long[] matrix, int rows, string table, string column, string what)
    {
        int width = resources.Count;
        long[] totals = new long[width];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<long> amounts = matrix.AsSpan(row * width, width);
            for (int r = 0; r < width; r++)
            {
                long amount = amounts[r];
                if (amount < 0)
                {
                    throw new SnapshotValueException($"{Row(table, row)}.{column}", NegativeAmount(resources[r]), amount.ToString(CultureInfo.InvariantCulture));
                }

                // Both terms at most MaxTotal (2^62): the sum cannot overflow before it is compared.
                if (amount > MaxTotal || (totals[r] += amount) > MaxTotal)
                {
                    throw new SnapshotValueException($"{Row(table, row)}.{column}", TotalTooLarge(what, resources, r));
                }
            }
        }
    }

    private static void CheckUsage(long[] cpu, long[] memory, bool[] hasUsage, ResourceCatalog resources, string table, string what)
    {
        var totals = new UsageTotals();
        for (int row = 0; row < cpu.Length; row++)
        {
            if (hasUsage[row] || cpu[row] != 0 || memory[row] != 0)
            {
                try
                {
                    totals.Add(cpu[row], memory[row], resources, what, "usage");
                }
                catch (SnapshotValueException e)
                {
                    throw new SnapshotValueException($"{Row(table, row)}.{e.Field}", e.Problem, e.Value);
                }
            }
        }
    }

    /// <summary>The scheduler's scoring requests (<see cref="PodTable.NonZeroCpuMilli"/>, <see cref="PodTable.NonZeroMemory"/>): 0 or more, totals in range.</summary>
    private static void CheckNonZeroRequests(PodTable pods, ResourceCatalog resources)
    {
        var totals = new UsageTotals();
        for (int row = 0; row < pods.Count; row++)
        {
            try
            {
                totals.Add(pods.NonZeroCpuMilli[row], pods.NonZeroMemory[row], resources, "pods' scoring requests", "nonZeroRequests", "scoring request");
            }
            catch (SnapshotValueException e)
            {
                throw new SnapshotValueException($"{Row("pods", row)}.{e.Field}", e.Problem, e.Value);
            }
        }
    }

    private static string Row(string table, int row) => table + "[" + row.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// Finds two equal rows of <paramref name="column"/> (with equal <paramref name="scope"/> ids when given; empty rows
    /// never count) over the UTF-8 bytes: no string is decoded. The hash is seeded per process (<see cref="HashCode"/>),
    /// so a crafted file cannot make every row collide.
    /// </summary>
    private static bool FindDuplicate(Utf8StringColumn column, int[]? scope, out int first, out int second)
    {
        var rows = new RowSet(column.Count);
        for (int row = 0; row < column.Count; row++)
        {
            if (column.Utf8(row).IsEmpty)
            {
                continue;
            }

            var key = new Utf8RowKey(column, scope, row);
            int earlier = rows.Find(key);
            if (earlier >= 0)
            {
                (first, second) = (earlier, row);
                return true;
            }

            rows.Add(row, key);
        }

        (first, second) = (-1, -1);
        return false;
    }

    /// <summary>Row <paramref name="row"/> of a UTF-8 column (and its scope id), as a <see cref="RowSet"/> key.</summary>
    private readonly struct Utf8RowKey(Utf8StringColumn column, int[]? scope, int row) : IRowKey
    {
        public int Hash => HashOf(row);

        public bool Matches(int other) =>
            (scope is null || scope[other] == scope[row]) && column.Utf8(other).SequenceEqual(column.Utf8(row));

        public int HashOf(int other)
        {
            var hash = new HashCode();
            hash.AddBytes(column.Utf8(other));
            if (scope is not null)
            {
                hash.Add(scope[other]);
            }

            return hash.ToHashCode();
        }
    }
}

/// <summary>Running totals of amounts per resource, checked against <see cref="SnapshotRules.MaxTotal"/> as they are added.</summary>
internal sealed class ResourceTotals(string what)
{
    private long[] _sums = new long[8];

    /// <summary>
    /// Adds non-negative <paramref name="amount"/>; throws when the total passes the limit, at <paramref name="field"/>
    /// followed by <paramref name="suffix"/> (joined only then: this runs for every object of a 150,000-pod load).
    /// </summary>
    public void Add(ResourceCatalog resources, int resource, long amount, string field, string suffix = "")
    {
        if (resource >= _sums.Length)
        {
            Array.Resize(ref _sums, Math.Max(resource + 1, _sums.Length * 2));
        }

        // Both terms are at most MaxTotal (2^62): their sum cannot overflow before it is compared.
        ref long sum = ref _sums[resource];
        if (amount > SnapshotRules.MaxTotal || (sum += amount) > SnapshotRules.MaxTotal)
        {
            throw new SnapshotValueException(field + suffix, SnapshotRules.TotalTooLarge(what, resources, resource));
        }
    }

    /// <summary>
    /// Adds a row of amounts, all or none: a row that would pass the limit leaves the totals as they were. The error is at
    /// <paramref name="field"/>, or at the resource's entry of <paramref name="fields"/> when it has one.
    /// </summary>
    public void Add(ResourceCatalog resources, ReadOnlySpan<long> amounts, string field, string?[]? fields = null)
    {
        if (amounts.Length > _sums.Length)
        {
            Array.Resize(ref _sums, amounts.Length);
        }

        for (int r = 0; r < amounts.Length; r++)
        {
            if (amounts[r] > SnapshotRules.MaxTotal || _sums[r] + amounts[r] > SnapshotRules.MaxTotal)
            {
                throw new SnapshotValueException(fields?[r] ?? field, SnapshotRules.TotalTooLarge(what, resources, r));
            }
        }

        for (int r = 0; r < amounts.Length; r++)
        {
            _sums[r] += amounts[r];
        }
    }

    /// <summary>Adds a list of amounts, all or none.</summary>
    public void Add(ResourceCatalog resources, List<ResourceAmount> amounts, string field)
    {
        ReadOnlySpan<ResourceAmount> list = CollectionsMarshal.AsSpan(amounts);
        foreach (ResourceAmount amount in list)
        {
            long sum = amount.Resource < _sums.Length ? _sums[amount.Resource] : 0;
            if (amount.Amount > SnapshotRules.MaxTotal || sum + amount.Amount > SnapshotRules.MaxTotal)
            {
                throw new SnapshotValueException(field, SnapshotRules.TotalTooLarge(what, resources, amount.Resource));
            }
        }

        foreach (ResourceAmount amount in list)
        {
            Add(resources, amount.Resource, amount.Amount, field);
        }
    }
}

/// <summary>
/// A cpu (millicores) and memory (bytes) pair per pod or node — usage, or the scheduler's non-zero scoring requests: 0
/// or more, totals at most <see cref="SnapshotRules.MaxTotal"/>.
/// </summary>
internal struct UsageTotals
{
    private ResourceTotals? _totals;

    /// <summary>
    /// Adds one object's pair; <paramref name="field"/> names where it is (its ".cpu"/".memory" are added only for an
    /// error); <paramref name="amount"/> names the amount in messages (<c>cpu usage is negative</c>).
    /// </summary>
    public void Add(long cpuMilli, long memoryBytes, ResourceCatalog resources, string what, string field, string amount = "usage")
    {
        if (cpuMilli < 0)
        {
            throw new SnapshotValueException(field + ".cpu", SnapshotRules.NegativeAmount("cpu " + amount), cpuMilli.ToString(CultureInfo.InvariantCulture));
        }

        if (memoryBytes < 0)
        {
            throw new SnapshotValueException(field + ".memory", SnapshotRules.NegativeAmount("memory " + amount), memoryBytes.ToString(CultureInfo.InvariantCulture));
        }

        _totals ??= new ResourceTotals(what);
        _totals.Add(resources, ResourceCatalog.Cpu, cpuMilli, field, ".cpu");
        _totals.Add(resources, ResourceCatalog.Memory, memoryBytes, field, ".memory");
    }
}
