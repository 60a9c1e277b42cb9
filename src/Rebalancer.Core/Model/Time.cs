namespace Rebalancer.Core.Model;

/// <summary>Instants are stored as Unix milliseconds (UTC) in the columns; <see cref="None"/> marks an absent value.</summary>
public static class UnixTime
{
    public const long None = long.MinValue;

    public static long FromDateTimeOffset(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    public static DateTimeOffset? ToDateTimeOffset(long value) =>
        value == None ? null : DateTimeOffset.FromUnixTimeMilliseconds(value);
}
