using System.Runtime.CompilerServices;

namespace Rebalancer.Reporting.Tests;

/// <summary>
/// Compares rendered reports with the files under Golden/, which are copied to the test output directory.
/// To accept an intended change of a report, run the tests with <c>UPDATE_GOLDEN=1</c> set
/// (<c>UPDATE_GOLDEN=1 dotnet test tests/Rebalancer.Reporting.Tests</c>): each golden test then rewrites its file in the
/// source tree instead of comparing, and the change is reviewed in the diff like any other.
/// </summary>
internal static class GoldenFile
{
    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    public static void Verify(string name, string actual, [CallerFilePath] string callerPath = "")
    {
        if (Updating)
        {
            // The caller's source path locates the project folder, wherever the build output is.
            string sourceDirectory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Golden");
            Directory.CreateDirectory(sourceDirectory);
            File.WriteAllText(Path.Combine(sourceDirectory, name), actual);
            return;
        }

        string path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
        Assert.True(File.Exists(path), $"Golden file {name} is missing; run the tests once with UPDATE_GOLDEN=1 to create it.");

        // Line ends are normalised because a checkout may convert them; the renderers themselves always write "\n".
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }
}
