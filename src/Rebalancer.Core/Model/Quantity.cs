using System.Globalization;
using System.Numerics;

namespace Rebalancer.Core.Model;

/// <summary>
/// Kubernetes resource quantities (k8s.io/apimachinery pkg/api/resource), parsed straight to a scaled integer.
/// <para>
/// Grammar as in <c>ParseQuantity</c>: an optional sign, digits with an optional fraction (<c>1</c>, <c>1.5</c>, <c>1.</c>,
/// <c>.5</c>), then one suffix: binary <c>Ki Mi Gi Ti Pi Ei</c>, decimal <c>n u m k M G T P E</c> (case-sensitive, so
/// <c>m</c> is milli and <c>M</c> mega; <c>E</c> alone is exa) or a decimal exponent <c>e3</c>/<c>E-3</c>/<c>e+3</c>.
/// No whitespace anywhere. One deliberate difference: Go accepts forms without any digit (<c>Mi</c>, <c>.</c>, <c>-</c>,
/// <c>e3</c>) as zero; they are rejected here because the API server never prints them (it canonicalises quantities), so
/// in a snapshot file they can only be typos.
/// </para>
/// <para>
/// Results are what Go's <c>ScaledValue</c> returns: ceil(q × 10^scale) in magnitude (so <c>100m</c> has Value() 1 and
/// <c>-100m</c> has -1), computed exactly (never through floating point). Two limits Go does not have: a result whose
/// magnitude exceeds <see cref="long.MaxValue"/> at the requested scale is <see cref="QuantityStatus.OutOfRange"/> (Go's
/// <c>MilliValue()</c>/<c>Value()</c> silently overflow there, so no Kubernetes component can use such a value; a
/// saturated number would be a quiet wrong one), and a text longer than <see cref="MaxLength"/> characters is
/// <see cref="QuantityStatus.TooLong"/> (the API server prints quantities canonically, in at most ~25 characters; a
/// longer one is hand-made, and a 100,000-digit mantissa would cost quadratic big-integer time).
/// </para>
/// </summary>
public static class Quantity
{
    /// <summary>The longest quantity text accepted, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>The scale of millicores (<c>MilliValue()</c>).</summary>
    public const int Milli = 3;

    /// <summary>The scale of nanounits (metrics-server reports cpu in nanocores).</summary>
    public const int Nano = 9;

    private const int MaxScale = 9;

    // Enough significant digits for an ulong mantissa (10^19 - 1 < 2^64); longer mantissas take the BigInteger path.
    private const int FastDigits = 19;

    // Exponents beyond this only decide between saturation and "round up to one unit", so clamping keeps the
    // arithmetic in range without changing any result.
    private const long ExponentClamp = 1_000_000;

    /// <summary>Any magnitude above <see cref="long.MaxValue"/> is out of range; the scaling stops counting here.</summary>
    private static readonly UInt128 Overflow = (UInt128)long.MaxValue + 1;

    private static readonly UInt128[] PowersOf10 = BuildPowersOf10();

    /// <summary>Parses <paramref name="text"/> and returns ceil(q × 10^<paramref name="scale"/>).</summary>
    /// <param name="scale">0 for units (<c>Value()</c>), 3 for milli (<c>MilliValue()</c>), up to 9 for nano.</param>
    /// <returns>false when the text is not a valid quantity, too long or out of range (<see cref="Parse(ReadOnlySpan{char}, int, out long)"/> says which).</returns>
    public static bool TryParseScaled(ReadOnlySpan<char> text, int scale, out long value) =>
        Parse(text, scale, out value) == QuantityStatus.Valid;

    /// <summary>Parses UTF-8 <paramref name="utf8"/> and returns ceil(q × 10^<paramref name="scale"/>).</summary>
    /// <param name="scale">0 for units (<c>Value()</c>), 3 for milli (<c>MilliValue()</c>), up to 9 for nano.</param>
    /// <returns>false when the text is not a valid quantity, too long or out of range (<see cref="Parse(ReadOnlySpan{byte}, int, out long)"/> says which).</returns>
    public static bool TryParseScaled(ReadOnlySpan<byte> utf8, int scale, out long value) =>
        Parse(utf8, scale, out value) == QuantityStatus.Valid;

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, int, out long)"/>, for UTF-16 text.</summary>
    public static QuantityStatus Parse(ReadOnlySpan<char> text, int scale, out long value)
    {
        if (text.Length > MaxLength)
        {
            return Fail(scale, QuantityStatus.TooLong, out value);
        }

        // The grammar is pure ASCII, so narrowing is exact; any wider character makes the text invalid anyway.
        Span<byte> ascii = stackalloc byte[text.Length];
        return Narrow(text, ascii) ? Parse(ascii, scale, out value) : Fail(scale, QuantityStatus.Invalid, out value);
    }

    /// <summary>
    /// Parses UTF-8 <paramref name="utf8"/> into ceil(q × 10^<paramref name="scale"/>); <paramref name="value"/> is 0
    /// unless the result is <see cref="QuantityStatus.Valid"/>.
    /// </summary>
    /// <param name="scale">0 for units (<c>Value()</c>), 3 for milli (<c>MilliValue()</c>), up to 9 for nano.</param>
    public static QuantityStatus Parse(ReadOnlySpan<byte> utf8, int scale, out long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);

        // Beyond nano Go first rounds to whole nanos at parse time, which a direct ceiling would not reproduce.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, MaxScale);
        value = 0;
        int n = utf8.Length;
        if (n == 0)
        {
            return QuantityStatus.Invalid;
        }

        if (n > MaxLength)
        {
            return QuantityStatus.TooLong;
        }

        int i = 0;
        bool negative = false;
        if (utf8[0] is (byte)'-' or (byte)'+')
        {
            negative = utf8[0] == '-';
            i++;
        }

        int digitsStart = i;
        ulong mantissa = 0;
        int significant = 0;
        int fractionDigits = 0;
        bool anyDigit = false;
        for (; i < n && IsDigit(utf8[i]); i++)
        {
            anyDigit = true;
            Accumulate(utf8[i], ref mantissa, ref significant);
        }

        if (i < n && utf8[i] == '.')
        {
            for (i++; i < n && IsDigit(utf8[i]); i++)
            {
                anyDigit = true;
                fractionDigits++;
                Accumulate(utf8[i], ref mantissa, ref significant);
            }
        }

        int digitsEnd = i;
        if (!anyDigit)
        {
            return QuantityStatus.Invalid;
        }

        // The suffix scanner of parseQuantityString: suffix letters, an optional sign, digits, and nothing after.
        int suffixStart = i;
        while (i < n && IsSuffixLetter(utf8[i]))
        {
            i++;
        }

        if (i < n && utf8[i] is (byte)'-' or (byte)'+')
        {
            i++;
        }

        while (i < n && IsDigit(utf8[i]))
        {
            i++;
        }

        if (i != n || !TryInterpretSuffix(utf8[suffixStart..], out long exponent10, out int exponent2))
        {
            return QuantityStatus.Invalid;
        }

        if (significant == 0)
        {
            return QuantityStatus.Valid; // every digit was zero: 0 at any scale, whatever the suffix
        }

        long shift = exponent10 + scale - fractionDigits;
        UInt128 magnitude = significant <= FastDigits
            ? ScaleFast(mantissa, exponent2, shift)
            : ScaleSlow(utf8[digitsStart..digitsEnd], significant, exponent2, shift);
        if (magnitude > long.MaxValue)
        {
            return QuantityStatus.OutOfRange;
        }

        value = negative ? -(long)magnitude : (long)magnitude;
        return QuantityStatus.Valid;
    }

    /// <summary>Parses a quantity or throws <see cref="FormatException"/>; for tests, fixtures and configuration.</summary>
    public static long ParseScaled(string text, int scale) =>
        Parse(text.AsSpan(), scale, out long value) switch
        {
            QuantityStatus.Valid => value,
            QuantityStatus.OutOfRange => throw new FormatException($"'{text}' is beyond the 64-bit range at scale 10^-{scale}."),
            _ => throw new FormatException($"'{text}' is not a valid Kubernetes quantity."),
        };

    /// <summary>Millicores as Kubernetes prints them: <c>2</c> for whole cores, otherwise <c>1500m</c>.</summary>
    public static string FormatCpuMilli(long milli) =>
        milli % 1000 == 0
            ? (milli / 1000).ToString(CultureInfo.InvariantCulture)
            : milli.ToString(CultureInfo.InvariantCulture) + "m";

    /// <summary>
    /// Bytes for humans, in the largest binary unit with at most one decimal (<c>1.5Gi</c>, <c>512Mi</c>, <c>100</c>).
    /// Rounded to the nearest tenth, so it is a display form, not a quantity to parse back exactly.
    /// </summary>
    public static string FormatBytes(long bytes)
    {
        ReadOnlySpan<string> units = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        bool negative = bytes < 0;
        ulong magnitude = negative ? (ulong)(-(bytes + 1)) + 1 : (ulong)bytes;
        int unit = 0;
        while (unit < units.Length - 1 && magnitude >= 1UL << (10 * (unit + 1)))
        {
            unit++;
        }

        string sign = negative ? "-" : string.Empty;
        if (unit == 0)
        {
            return sign + magnitude.ToString(CultureInfo.InvariantCulture);
        }

        ulong tenths = RoundedTenths(magnitude, unit);
        if (tenths >= 10240 && unit < units.Length - 1)
        {
            // 1023.96Ki rounds to 1024.0Ki: say 1Mi instead.
            unit++;
            tenths = RoundedTenths(magnitude, unit);
        }

        ulong whole = tenths / 10;
        ulong fraction = tenths % 10;
        string number = fraction == 0
            ? whole.ToString(CultureInfo.InvariantCulture)
            : whole.ToString(CultureInfo.InvariantCulture) + "." + fraction.ToString(CultureInfo.InvariantCulture);
        return sign + number + units[unit];
    }

    private static ulong RoundedTenths(ulong magnitude, int unit)
    {
        UInt128 divisor = (UInt128)1 << (10 * unit);
        return (ulong)((((UInt128)magnitude * 10) + (divisor / 2)) / divisor);
    }

    private static QuantityStatus Fail(int scale, QuantityStatus status, out long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, MaxScale);
        value = 0;
        return status;
    }

    private static bool Narrow(ReadOnlySpan<char> text, Span<byte> ascii)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c > 0x7F)
            {
                return false;
            }

            ascii[i] = (byte)c;
        }

        return true;
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    // The characters parseQuantityString collects as suffix letters ("eEinumkKMGTP"); the table lookup decides validity.
    private static bool IsSuffixLetter(byte b) =>
        b is (byte)'e' or (byte)'E' or (byte)'i' or (byte)'n' or (byte)'u' or (byte)'m' or (byte)'k' or (byte)'K'
            or (byte)'M' or (byte)'G' or (byte)'T' or (byte)'P';

    private static void Accumulate(byte digit, ref ulong mantissa, ref int significant)
    {
        if (significant == 0 && digit == '0')
        {
            return; // leading zeros carry no information
        }

        if (significant < FastDigits)
        {
            mantissa = (mantissa * 10) + (ulong)(digit - '0');
        }

        significant++;
    }

    /// <summary>quantitySuffixer.interpret: value = number × 10^exponent10 × 2^exponent2.</summary>
    private static bool TryInterpretSuffix(ReadOnlySpan<byte> suffix, out long exponent10, out int exponent2)
    {
        exponent10 = 0;
        exponent2 = 0;
        switch (suffix.Length)
        {
            case 0:
                return true;
            case 1:
                exponent10 = suffix[0] switch
                {
                    (byte)'n' => -9,
                    (byte)'u' => -6,
                    (byte)'m' => -3,
                    (byte)'k' => 3,
                    (byte)'M' => 6,
                    (byte)'G' => 9,
                    (byte)'T' => 12,
                    (byte)'P' => 15,
                    (byte)'E' => 18,
                    _ => long.MinValue,
                };
                return exponent10 != long.MinValue;
        }

        if (suffix.Length == 2 && suffix[1] == 'i')
        {
            exponent2 = suffix[0] switch
            {
                (byte)'K' => 10,
                (byte)'M' => 20,
                (byte)'G' => 30,
                (byte)'T' => 40,
                (byte)'P' => 50,
                (byte)'E' => 60,
                _ => -1,
            };
            if (exponent2 > 0)
            {
                return true;
            }

            exponent2 = 0;
        }

        // A decimal exponent: strconv.ParseInt(suffix[1:], 10, 64), so a sign, then at least one digit, within int64.
        if (suffix[0] is not ((byte)'e' or (byte)'E'))
        {
            return false;
        }

        ReadOnlySpan<byte> digits = suffix[1..];
        bool negative = false;
        if (digits.Length > 0 && digits[0] is (byte)'-' or (byte)'+')
        {
            negative = digits[0] == '-';
            digits = digits[1..];
        }

        if (digits.IsEmpty)
        {
            return false;
        }

        ulong magnitude = 0;
        foreach (byte b in digits)
        {
            if (!IsDigit(b) || magnitude > (ulong.MaxValue - 9) / 10)
            {
                return false;
            }

            magnitude = (magnitude * 10) + (ulong)(b - '0');
        }

        if (magnitude > (negative ? (ulong)long.MaxValue + 1 : long.MaxValue))
        {
            return false;
        }

        // Go then truncates the exponent to int32; clamping instead keeps the mathematical meaning of absurd exponents.
        exponent10 = (long)Math.Min(magnitude, (ulong)ExponentClamp);
        if (negative)
        {
            exponent10 = -exponent10;
        }

        return true;
    }

    /// <summary>ceil(mantissa × 2^exponent2 × 10^shift), or <see cref="Overflow"/> when that exceeds it.</summary>
    private static UInt128 ScaleFast(ulong mantissa, int exponent2, long shift)
    {
        UInt128 value = (UInt128)mantissa << exponent2; // < 2^64 × 2^60, no overflow
        if (shift >= 0)
        {
            if (shift >= PowersOf10.Length)
            {
                return Overflow;
            }

            UInt128 factor = PowersOf10[shift];
            return value > Overflow / factor ? Overflow : UInt128.Min(value * factor, Overflow);
        }

        if (-shift >= PowersOf10.Length)
        {
            return 1; // 10^39 exceeds any fast-path value, so a non-zero value rounds up to one unit
        }

        UInt128 divisor = PowersOf10[-shift];
        UInt128 quotient = UInt128.DivRem(value, divisor).Quotient;
        if (quotient * divisor != value)
        {
            quotient++;
        }

        return UInt128.Min(quotient, Overflow);
    }

    /// <summary>
    /// The exact path for mantissas of more than 19 significant digits; rare, and at most <see cref="MaxLength"/> digits,
    /// so BigInteger is fine.
    /// </summary>
    private static UInt128 ScaleSlow(ReadOnlySpan<byte> digits, int significant, int exponent2, long shift)
    {
        if (shift >= 0)
        {
            return Overflow; // the mantissa alone is at least 10^19 > 2^63
        }

        // The value is below 10^significant × 2^60 < 10^(significant + 19): a larger divisor leaves a fraction of one unit.
        if (-shift > significant + 19)
        {
            return 1;
        }

        BigInteger value = BigInteger.Zero;
        foreach (byte b in digits)
        {
            if (IsDigit(b))
            {
                value = (value * 10) + (b - '0');
            }
        }

        value <<= exponent2;
        BigInteger quotient = BigInteger.DivRem(value, BigInteger.Pow(10, (int)-shift), out BigInteger remainder);
        if (!remainder.IsZero)
        {
            quotient += 1;
        }

        return quotient >= (BigInteger)Overflow ? Overflow : (UInt128)quotient;
    }

    private static UInt128[] BuildPowersOf10()
    {
        // 10^38 is the largest power of ten below UInt128.MaxValue (about 3.4 × 10^38).
        var powers = new UInt128[39];
        powers[0] = 1;
        for (int i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}

/// <summary>The outcome of <see cref="Quantity.Parse(ReadOnlySpan{byte}, int, out long)"/>.</summary>
public enum QuantityStatus
{
    Valid,

    /// <summary>Not a quantity in Kubernetes' grammar (or a form the API server never prints, such as <c>Mi</c>).</summary>
    Invalid,

    /// <summary>Longer than <see cref="Quantity.MaxLength"/> characters.</summary>
    TooLong,

    /// <summary>A valid quantity whose magnitude at the requested scale exceeds <see cref="long.MaxValue"/>.</summary>
    OutOfRange,
}
