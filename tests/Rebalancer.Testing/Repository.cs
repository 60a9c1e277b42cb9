namespace Rebalancer.Testing;

/// <summary>
/// The checkout the tests run from: found by walking up to Rebalancer.sln from the test binaries, else from this source
/// file (a build with a separate artifacts path). One home for what several test kits each found for themselves.
/// </summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>A path below the checkout's root, e.g. <c>Of("samples", "demo-cluster.json")</c>.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        foreach (string? start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Rebalancer.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Rebalancer.sln not found above the test binaries or the test sources");
    }
}
