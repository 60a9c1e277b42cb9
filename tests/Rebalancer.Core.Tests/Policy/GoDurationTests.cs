using Rebalancer.Core.Policy;

namespace Rebalancer.Core.Tests.Policy;

public class GoDurationTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("+0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("5m", 300_000_000_000L)]
    [InlineData("300s", 300_000_000_000L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData("1.1h", 3_960_000_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("1.s", 1_000_000_000L)]
    [InlineData("+5s", 5_000_000_000L)]
    [InlineData("-1m", -60_000_000_000L)]
    [InlineData("250ms", 250_000_000L)]
    [InlineData("7us", 7_000L)]
    [InlineData("7\u00b5s", 7_000L)]
    [InlineData("7\u03bcs", 7_000L)]
    [InlineData("15ns", 15L)]
    [InlineData("1h1m1s1ms1us1ns", 3_661_001_001_001L)]
    [InlineData("1m1h", 3_660_000_000_000L)]
    [InlineData("0.000000001s", 1L)]
    [InlineData("1.0000000000000000000001s", 1_000_000_000L)]
    [InlineData("2562047h47m16.854775807s", long.MaxValue)]
    [InlineData("-2562047h47m16.854775808s", long.MinValue)]
    [InlineData("9223372036854775807ns", long.MaxValue)]
    public void Parses_like_go_time_ParseDuration(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParseNanoseconds(text, out long parsed, out string error), error);
        Assert.Equal(nanoseconds, parsed);
    }

    [Theory]
    [InlineData("", "a duration needs a number and a unit (ns, us, ms, s, m, h)")]
    [InlineData("-", "a duration needs a number and a unit (ns, us, ms, s, m, h)")]
    [InlineData("5", "missing unit (ns, us, ms, s, m, h)")]
    [InlineData("1.5", "missing unit (ns, us, ms, s, m, h)")]
    [InlineData("1h5", "missing unit (ns, us, ms, s, m, h)")]
    [InlineData("1d", "unknown unit 'd' (valid units: ns, us, ms, s, m, h)")]
    [InlineData("5M", "unknown unit 'M' (valid units: ns, us, ms, s, m, h)")]
    [InlineData("1e3s", "unknown unit 'e' (valid units: ns, us, ms, s, m, h)")]
    [InlineData("m", "expected a number at 'm'")]
    [InlineData("5 m", "unknown unit ' m' (valid units: ns, us, ms, s, m, h)")]
    [InlineData(" 5m", "expected a number at ' 5m'")]
    [InlineData("1h-5m", "unknown unit 'h-' (valid units: ns, us, ms, s, m, h)")]
    [InlineData("1h.", "a '.' must be next to a digit")]
    [InlineData(".s", "a '.' must be next to a digit")]
    [InlineData("9223372036854775808ns", "the value is too large")]
    [InlineData("2562047h47m16.854775808s", "the value is too large")]
    [InlineData("3000000h", "the value is too large")]
    [InlineData("99999999999999999999s", "the value is too large")]
    public void Rejects_what_go_rejects_with_a_reason(string text, string expected)
    {
        Assert.False(GoDuration.TryParseNanoseconds(text, out _, out string error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TimeSpan_result_truncates_below_100ns()
    {
        Assert.True(GoDuration.TryParse("1h30m0.00000015s", out TimeSpan value, out _));
        Assert.Equal(TimeSpan.FromMinutes(90) + TimeSpan.FromTicks(1), value);

        Assert.True(GoDuration.TryParse("-99ns", out TimeSpan negative, out _));
        Assert.Equal(TimeSpan.Zero, negative);
    }
}
