using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// A kube-scheduler score plugin the scheduler profile can name: its default weight, how its args are bound and
/// described, and how the model scores with it. A plugin the model does not implement (ImageLocality…) has no
/// <see cref="Create"/>: it can be listed, and is reported as not modelled, but adds nothing to a placement.
/// </summary>
public sealed class ScorePluginEntry
{
    private ScorePluginEntry(string name, int defaultWeight, bool inDefaultProfile, Func<ArgsReader, object>? bind,
        Func<object, ScoringContext, IScorePlugin>? create, string? notModelled)
    {
        Name = name;
        DefaultWeight = defaultWeight;
        InDefaultProfile = inDefaultProfile;
        Bind = bind;
        Create = create;
        NotModelledReason = notModelled;
    }

    public string Name { get; }

    /// <summary>The weight kube-scheduler's default profile gives it (pkg/scheduler/apis/config/v1/default_plugins.go).</summary>
    public int DefaultWeight { get; }

    /// <summary>Enabled in kube-scheduler's default profile (v1.29–v1.32).</summary>
    public bool InDefaultProfile { get; }

    /// <summary>Binds and validates the plugin's <c>pluginConfig</c> args; null for a plugin without args.</summary>
    public Func<ArgsReader, object>? Bind { get; }

    public Func<object, ScoringContext, IScorePlugin>? Create { get; }

    /// <summary>Why the model leaves the plugin out; null for a modelled plugin.</summary>
    public string? NotModelledReason { get; }

    public bool IsModelled => Create is not null;

    public static ScorePluginEntry For<TSettings>(string name, int defaultWeight, TSettings defaults, Func<ArgsReader, TSettings> bind,
        Func<TSettings, ScoringContext, IScorePlugin> create)
        where TSettings : class =>
        new(name, defaultWeight, true, reader => bind(reader), (settings, context) => create((TSettings)settings, context), null)
        {
            Defaults = defaults,
        };

    /// <summary>A plugin without args.</summary>
    public static ScorePluginEntry For(string name, int defaultWeight, Func<ScoringContext, IScorePlugin> create) =>
        new(name, defaultWeight, true, null, (_, context) => create(context), null) { Defaults = NoArgs.Instance };

    /// <summary>A score plugin the model does not implement.</summary>
    public static ScorePluginEntry NotModelled(string name, int defaultWeight, bool inDefaultProfile, string reason) =>
        new(name, defaultWeight, inDefaultProfile, null, null, reason) { Defaults = NoArgs.Instance };

    /// <summary>The plugin's settings when it has no <c>pluginConfig</c> entry.</summary>
    public object Defaults { get; private init; } = NoArgs.Instance;

    /// <summary>The settings object of a plugin without args.</summary>
    public sealed class NoArgs
    {
        public static readonly NoArgs Instance = new();

        public override string ToString() => string.Empty;
    }
}
