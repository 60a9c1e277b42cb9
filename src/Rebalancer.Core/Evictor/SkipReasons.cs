namespace Rebalancer.Core.Evictor;

/// <summary>
/// The machine-readable reasons of <see cref="Planning.SkippedPod"/>: part of the JSON report contract (docs/report-format.md), so
/// renaming one is a breaking change.
/// </summary>
public static class SkipReasons
{
    public const string Mirror = "Protected:Mirror";
    public const string Static = "Protected:Static";
    public const string Terminating = "Protected:Terminating";
    public const string PreferNoEviction = "Protected:PreferNoEviction";
    public const string SystemCritical = "Protected:SystemCritical";
    public const string PriorityThreshold = "Protected:PriorityThreshold";
    public const string Bare = "Protected:BarePod";
    public const string LocalStorage = "Protected:LocalStorage";
    public const string DaemonSet = "Protected:DaemonSet";
    public const string Pvc = "Protected:PVC";
    public const string WithoutPdb = "Protected:WithoutPDB";
    public const string ResourceClaims = "Protected:ResourceClaims";
    public const string SafeToEvict = "Protected:SafeToEvict";
    public const string DoNotDisrupt = "Protected:DoNotDisrupt";
    public const string LabelSelector = "Protected:LabelSelector";
    public const string NamespaceLabelSelector = "Protected:NamespaceLabelSelector";
    public const string MinReplicas = "Protected:MinReplicas";
    public const string MinPodAge = "Protected:MinPodAge";
    public const string NodeFit = "NodeFit";
    public const string LimitPerNode = "Limit:PerNode";
    public const string LimitPerNamespace = "Limit:PerNamespace";
    public const string LimitTotal = "Limit:Total";
    public const string LimitPluginPerNode = "Limit:PluginPerNode";
    public const string Pdb = "PDB";
    public const string PdbMultiple = "PDB:Multiple";
    public const string AlreadyEvicted = "AlreadyEvicted";
    public const string MetricsMissing = "Metrics:Missing";
}
