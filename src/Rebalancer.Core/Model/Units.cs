using System.Globalization;

namespace Rebalancer.Core.Model;

/// <summary>Formats stored resource amounts for people: cpu as cores or millicores, memory-like resources with binary suffixes.</summary>
public static class Units
{
    public static string Format(int resource, long amount) => resource switch
    {
        ResourceCatalog.Cpu => FormatCpu(amount),
        ResourceCatalog.Memory or ResourceCatalog.EphemeralStorage => FormatBytes(amount),
        _ => amount.ToString(CultureInfo.InvariantCulture),
    };

    public static string FormatCpu(long milli) =>
        milli % 1000 == 0 ? (milli / 1000).ToString(CultureInfo.InvariantCulture) : milli.ToString(CultureInfo.InvariantCulture) + "m";

    public static string FormatBytes(long bytes)
    {
        string[] suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        double value = bytes;
        int i = 0;
        while (Math.Abs(value) >= 1024 && i < suffixes.Length - 1)
        {
            value /= 1024;
            i++;
        }

        return value.ToString(i == 0 || value == Math.Floor(value) ? "0" : "0.#", CultureInfo.InvariantCulture) + suffixes[i];
    }
}
