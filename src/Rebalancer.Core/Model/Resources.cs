namespace Rebalancer.Core.Model;

/// <summary>
/// The resource dimensions of a snapshot. The first four are fixed; extended resources (nvidia.com/gpu, hugepages-2Mi…)
/// get the next indices in the order they are first seen. cpu is in millicores, everything else in whole units
/// (bytes, pods, devices), rounded up as Kubernetes' MilliValue()/Value() do.
/// </summary>
public sealed class ResourceCatalog
{
    public const int Cpu = 0;
    public const int Memory = 1;
    public const int Pods = 2;
    public const int EphemeralStorage = 3;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _names = [];

    public ResourceCatalog()
    {
        Add("cpu");
        Add("memory");
        Add("pods");
        Add("ephemeral-storage");
    }

    public int Count => _names.Count;

    public IReadOnlyList<string> Names => _names;

    public string this[int id] => _names[id];

    /// <summary>The index of a resource, adding it as an extended resource when new.</summary>
    public int GetOrAdd(string name) => _ids.TryGetValue(name, out int id) ? id : Add(name);

    public int Find(string name) => _ids.TryGetValue(name, out int id) ? id : -1;

    /// <summary>The scale a quantity of this resource is stored at: 3 (milli) for cpu, 0 for the rest.</summary>
    public static int ScaleOf(int resource) => resource == Cpu ? 3 : 0;

    private int Add(string name)
    {
        int id = _names.Count;
        _names.Add(name);
        _ids.Add(name, id);
        return id;
    }
}
