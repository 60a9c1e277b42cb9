using System.Text;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Tests.Model;

public class QuantityTests
{
    private const long Max = long.MaxValue;

    public static TheoryData<string, int, long> Valid => new()
    {
        // Plain numbers and the number forms of the grammar.
        { "0", 0, 0 },
        { "0", 9, 0 },
        { "1", 0, 1 },
        { "+1", 0, 1 },
        { "00001", 3, 1000 },
        { "1.", 0, 1 },
        { "1.", 3, 1000 },
        { ".5", 3, 500 },
        { "0.5", 0, 1 },
        { "1.5", 3, 1500 },
        { "1.5", 0, 2 },
        { "9.01", 3, 9010 },
        { "0000000000000000000000000001", 0, 1 },

        // Decimal SI suffixes; m is milli and M mega.
        { "100m", 0, 1 },
        { "100m", 3, 100 },
        { "1m", 9, 1_000_000 },
        { "3m", 3, 3 },
        { "5n", 9, 5 },
        { "1n", 0, 1 },
        { "1n", 3, 1 },
        { "4u", 9, 4000 },
        { "1u", 3, 1 },
        { "8k", 0, 8000 },
        { "50k", 3, 50_000_000 },
        { "7M", 0, 7_000_000 },
        { "6G", 0, 6_000_000_000 },
        { "5T", 0, 5_000_000_000_000 },
        { "2P", 0, 2_000_000_000_000_000 },
        { "1E", 0, 1_000_000_000_000_000_000 },
        { "1.01E", 0, 1_010_000_000_000_000_000 },
        { "100.035k", 0, 100_035 },
        { "0.0005k", 3, 500 },
        { "7.123456M", 0, 7_123_456 },
        { "6.987654321G", 0, 6_987_654_321 },
        { "1.G", 0, 1_000_000_000 },
        { "0.001", 3, 1 },
        { ".001", 3, 1 },
        { ".0001k", 3, 100 },

        // metrics-server reports cpu in nanocores: MilliValue rounds up.
        { "1234567890n", 3, 1235 },
        { "1234567890n", 9, 1_234_567_890 },
        { "1234567890n", 0, 2 },
        { "250000n", 3, 1 },
        { "1000000n", 3, 1 },

        // Binary SI suffixes, including fractions of them.
        { "1Ki", 0, 1024 },
        { "128Mi", 0, 134_217_728 },
        { "1Mi", 3, 1_048_576_000 },
        { "0.5Gi", 0, 536_870_912 },
        { "1.5Gi", 0, 1_610_612_736 },
        { "2048Ki", 0, 2_097_152 },
        { "5Ti", 0, 5_497_558_138_880 },
        { "4Pi", 0, 4_503_599_627_370_496 },
        { "3Ei", 0, 3_458_764_513_820_540_928 },
        { "100.035Ki", 0, 102_436 },
        { "0.05Gi", 0, 53_687_092 },
        { "0.025Ti", 0, 27_487_790_695 },
        { "0.000000000001Ki", 9, 2 },

        // Decimal exponents: E alone is exa, E followed by digits an exponent.
        { "1E3", 0, 1000 },
        { "1e3", 0, 1000 },
        { "1E-3", 3, 1 },
        { "12e-3", 3, 12 },
        { "12e-3", 0, 1 },
        { "1.2e3", 0, 1200 },
        { "1.3E+6", 0, 1_300_000 },
        { "1.40e9", 0, 1_400_000_000 },
        { "0.5e0", 3, 500 },
        { "0.5e-1", 3, 50 },
        { "1e-9", 9, 1 },
        { "1e0005", 0, 100_000 },

        // Anything non-zero below the requested unit rounds up to one unit, as Go rounds to 1n.
        { "1e-10", 9, 1 },
        { "0.0000000001", 9, 1 },
        { "0.5e-9", 9, 1 },
        { "0.9n", 9, 1 },
        { "3.001n", 9, 4 },
        { "1.1E-9", 9, 2 },
        { "0.00000012345", 9, 124 },
        { "1e-1000000000", 9, 1 },
        { "0e1000000000", 0, 0 },
        { "0.000Mi", 0, 0 },

        // Negative values round away from zero, like int64Amount.AsScaledInt64.
        { "-1", 0, -1 },
        { "-100m", 0, -1 },
        { "-1.5", 0, -2 },
        { "-1.5", 3, -1500 },
        { "-0", 0, 0 },

        // The edges of the 64-bit range (beyond them: OutOfRange below).
        { "9223372036854775807", 0, Max },
        { "9223372036854775.807", 3, Max },
        { "9223372036854775.806", 3, 9_223_372_036_854_775_806 },
        { "7.99999999999999999Ei", 0, 9_223_372_036_854_775_797 },
        { "-9223372036854775807", 0, -Max },

        // More than 19 significant digits take the exact big-integer path: no float rounding.
        { "1.0000000000000000000000001", 0, 2 },
        { "123456789012345678901234567890e-27", 0, 124 },
        { "123456789012345678901234567890e-27", 3, 123_457 },
        { "0.1234567890123456789012345", 9, 123_456_790 },
        { "0.1234567890000000000000000", 9, 123_456_789 },
        { "12345678901234567890123e-100", 0, 1 },
    };

    /// <summary>Valid quantities whose value at the scale exceeds 64 bits, where Go's Value()/MilliValue() overflow.</summary>
    public static TheoryData<string, int> OutOfRange => new()
    {
        { "9223372036854775808", 0 },
        { "9223372036854775807", 3 },
        { "1Ei", 3 },
        { "8Ei", 0 },
        { "9Ei", 0 },
        { "9223372036854775807Ki", 0 },
        { "12E", 0 },
        { "10E", 0 },
        { "1e19", 0 },
        { "1e1000000000", 0 },
        { "-9223372036854775808", 0 },
        { "-9223372036854775809", 0 },
        { "-1e30", 3 },
        { "100000000000000000000000000000m", 0 },
        { "9223372036854775.808", 3 },
    };

    public static TheoryData<string> Invalid => new()
    {
        "",
        "K",
        "1K",
        "1Kb",
        "1mi",
        "0.1mi",
        "1Gb",
        "Mi",
        "1e",
        "1e+",
        "-3.01e-",
        "0x10",
        "1.2.3",
        "1.1.M",
        "1+1.0M",
        "1 Mi",
        " 1",
        "1 ",
        "1i",
        ".5i",
        "-3.01i",
        "0.1am",
        "aoeu",
        "-",
        "+",
        ".",
        "e3",
        "++1",
        "--1",
        "1ee3",
        "1e3i",
        "1Mi3",
        "1m5",
        "1e1.5",
        "1e99999999999999999999",
        "1µ",
        "١",
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_utf16_like_apimachinery(string text, int scale, long expected)
    {
        Assert.True(Quantity.TryParseScaled(text.AsSpan(), scale, out long value), $"'{text}' should parse");
        Assert.Equal(expected, value);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_utf8_like_utf16(string text, int scale, long expected)
    {
        Assert.True(Quantity.TryParseScaled(Encoding.UTF8.GetBytes(text), scale, out long value), $"'{text}' should parse");
        Assert.Equal(expected, value);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_what_apimachinery_rejects(string text)
    {
        Assert.False(Quantity.TryParseScaled(text.AsSpan(), 0, out _), $"'{text}' should be rejected (utf-16)");
        Assert.False(Quantity.TryParseScaled(Encoding.UTF8.GetBytes(text), 3, out _), $"'{text}' should be rejected (utf-8)");
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Values_beyond_64_bits_are_out_of_range_not_saturated(string text, int scale)
    {
        Assert.Equal(QuantityStatus.OutOfRange, Quantity.Parse(text.AsSpan(), scale, out long utf16));
        Assert.Equal(QuantityStatus.OutOfRange, Quantity.Parse(Encoding.UTF8.GetBytes(text), scale, out long utf8));
        Assert.Equal((0, 0), (utf16, utf8));
        Assert.False(Quantity.TryParseScaled(text.AsSpan(), scale, out _));
        FormatException error = Assert.Throws<FormatException>(() => Quantity.ParseScaled(text, scale));
        Assert.Contains("64-bit range", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, QuantityStatus.Valid)]
    [InlineData(65, QuantityStatus.TooLong)]
    [InlineData(100_000, QuantityStatus.TooLong)]
    public void Texts_longer_than_MaxLength_are_refused_before_parsing(int length, QuantityStatus expected)
    {
        // A mantissa of many digits would take the quadratic big-integer path; the length check comes first.
        string text = "1." + new string('0', length - 3) + "1";
        Assert.Equal(length, text.Length);
        Assert.Equal(expected, Quantity.Parse(text.AsSpan(), 9, out _));
        Assert.Equal(expected, Quantity.Parse(Encoding.UTF8.GetBytes(text), 9, out long value));
        Assert.Equal(expected == QuantityStatus.Valid ? 1_000_000_001 : 0, value);
    }

    [Theory]
    [InlineData("1 ")]
    [InlineData(" 1")]
    [InlineData("1Gb")]
    public void Invalid_text_is_Invalid(string text) =>
        Assert.Equal(QuantityStatus.Invalid, Quantity.Parse(Encoding.UTF8.GetBytes(text), 0, out _));

    [Theory]
    [InlineData(-1)]
    [InlineData(10)]
    public void Scales_outside_0_to_9_are_a_programming_error(int scale)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantity.TryParseScaled("1".AsSpan(), scale, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantity.TryParseScaled("1"u8, scale, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => Quantity.TryParseScaled("x".AsSpan(), scale, out _));
    }

    [Fact]
    public void ParseScaled_throws_a_format_exception_naming_the_text()
    {
        Assert.Equal(1500, Quantity.ParseScaled("1.5", Quantity.Milli));
        FormatException error = Assert.Throws<FormatException>(() => Quantity.ParseScaled("1Kb", 0));
        Assert.Contains("'1Kb'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1, "1m")]
    [InlineData(1500, "1500m")]
    [InlineData(2000, "2")]
    [InlineData(-500, "-500m")]
    [InlineData(-3000, "-3")]
    public void FormatCpuMilli_prints_like_kubernetes(long milli, string expected) =>
        Assert.Equal(expected, Quantity.FormatCpuMilli(milli));

    [Theory]
    [InlineData(0, "0")]
    [InlineData(1000, "1000")]
    [InlineData(1023, "1023")]
    [InlineData(1024, "1Ki")]
    [InlineData(1536, "1.5Ki")]
    [InlineData(536_870_912, "512Mi")]
    [InlineData(1_610_612_736, "1.5Gi")]
    [InlineData(1_048_575, "1Mi")]
    [InlineData(1_100_000, "1Mi")]
    [InlineData(1_200_000, "1.1Mi")]
    [InlineData(-1_610_612_736, "-1.5Gi")]
    [InlineData(long.MaxValue, "8Ei")]
    [InlineData(long.MinValue, "-8Ei")]
    public void FormatBytes_uses_the_largest_binary_unit(long bytes, string expected) =>
        Assert.Equal(expected, Quantity.FormatBytes(bytes));
}
