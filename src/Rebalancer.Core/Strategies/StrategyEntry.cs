using Rebalancer.Core.Planning;
using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Strategies;

/// <summary>How a strategy is named, where it may be enabled, how its args are bound and how it is created.</summary>
public sealed class StrategyEntry
{
    private StrategyEntry(string name, IReadOnlyList<ExtensionPoint> points, Func<ArgsReader, object> bind, Func<object, IStrategy> create)
    {
        Name = name;
        Points = points;
        Bind = bind;
        Create = create;
    }

    public string Name { get; }

    /// <summary>The extension points the strategy implements; enabling it elsewhere is a policy error.</summary>
    public IReadOnlyList<ExtensionPoint> Points { get; }

    /// <summary>Binds and validates args; problems go to the reader's <see cref="ConfigProblems"/>. Called with an empty reader when args are absent.</summary>
    public Func<ArgsReader, object> Bind { get; }

    public Func<object, IStrategy> Create { get; }

    public static StrategyEntry For<TSettings>(string name, Func<ArgsReader, TSettings> bind, Func<TSettings, IStrategy> create, params ExtensionPoint[] points)
        where TSettings : class =>
        new(name, points, reader => bind(reader), settings => create((TSettings)settings));
}
