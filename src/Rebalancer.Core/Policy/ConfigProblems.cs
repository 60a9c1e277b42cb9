namespace Rebalancer.Core.Policy;

/// <summary>One configuration problem: where it is and what is wrong, e.g. <c>profiles[0].pluginConfig[1].args.thresholds.cpu: 120 is not in [0, 100]</c>.</summary>
public sealed record ConfigProblem(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : Path + ": " + Message;
}

/// <summary>Collects every problem of a configuration, so a user fixes them all in one round.</summary>
public sealed class ConfigProblems
{
    private readonly List<ConfigProblem> _problems = [];

    public IReadOnlyList<ConfigProblem> All => _problems;

    public bool Any => _problems.Count > 0;

    public void Add(string path, string message) => _problems.Add(new ConfigProblem(path, message));

    public void Add(PolicyNode node, string message) => Add(node.Path, message);
}

/// <summary>Thrown when a configuration file has problems; carries all of them and the file name.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string source, IReadOnlyList<ConfigProblem> problems)
        : base(Format(source, problems))
    {
        Source = source;
        Problems = problems;
    }

    public ConfigException()
    {
        Problems = [];
    }

    public ConfigException(string message)
        : base(message)
    {
        Problems = [];
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public IReadOnlyList<ConfigProblem> Problems { get; }

    private static string Format(string source, IReadOnlyList<ConfigProblem> problems) =>
        $"{source}: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:" + Environment.NewLine
        + string.Join(Environment.NewLine, problems.Select(p => "  " + p));
}
