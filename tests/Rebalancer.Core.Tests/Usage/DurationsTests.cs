using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Tests.Usage;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("7d", 7 * 24 * 3600)]
    [InlineData("2w", 14 * 24 * 3600)]
    [InlineData("1d12h", 36 * 3600)]
    [InlineData("1.5d", 36 * 3600)]
    [InlineData("168h", 168 * 3600)]
    [InlineData("90m", 5400)]
    [InlineData("1h30m", 5400)]
    [InlineData("30s", 30)]
    [InlineData("0", 0)]
    public void Go_durations_and_days_and_weeks_parse(string text, long seconds)
    {
        Assert.True(Durations.TryParse(text, out TimeSpan value, out string error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("", "a duration needs a number and a unit")]
    [InlineData("7", "missing unit")]
    [InlineData("7x", "unknown unit")]
    [InlineData("7dd", "unknown unit")]
    [InlineData("d", "expected a number")]
    public void Other_text_is_not_a_duration(string text, string message)
    {
        Assert.False(Durations.TryParse(text, out _, out string error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7 * 24 * 3600, "7d", "604800s")]
    [InlineData(36 * 3600, "1d12h", "129600s")]
    [InlineData(300, "5m", "300s")]
    [InlineData(90, "1m30s", "90s")]
    public void Durations_format_short_and_as_PromQL_seconds(long seconds, string text, string promql)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(promql, Durations.ToPromQL(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("job=\"kubelet\"", true)]
    [InlineData("job=\"kubelet\", metrics_path=\"/metrics/cadvisor\",", true)]
    [InlineData("cluster=~'eu-.*', image!=``", true)]
    [InlineData("job=\"a\\\"b\"", true)]
    [InlineData("job=kubelet", false)]
    [InlineData("job==\"x\"", false)]
    [InlineData("9job=\"x\"", false)]
    [InlineData("job=\"x\" or vector(1)", false)]
    [InlineData("job=\"x\"}) or up{", false)]
    [InlineData("job=\"x", false)]
    public void Selectors_are_label_matchers_and_nothing_else(string text, bool valid)
    {
        Assert.Equal(valid, PromQLText.TryParseMatchers(text, out string error));
        Assert.Equal(valid, error.Length == 0);
    }

    [Fact]
    public void Namespace_alternations_match_exactly_the_names()
    {
        Assert.Equal("\"a\\\\.b|c\"", PromQLText.Quote(PromQLText.Alternation(["a.b", "c"])));
    }
}
