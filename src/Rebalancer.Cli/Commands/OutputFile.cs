namespace Rebalancer.Cli.Commands;

/// <summary>
/// An output file named by <c>--out</c> (<c>plan</c>, <c>run</c>) or <c>-o</c> (<c>snapshot</c>), checked when the
/// settings are validated: before a snapshot is read, a cluster is contacted or anything is evicted, so a report or a
/// snapshot is never made only to find it has nowhere to go. A missing directory is an error unless
/// <c>--create-dirs</c> asks for it: a typo in a path should fail, not quietly create <c>repots/2026/</c>.
/// </summary>
internal static class OutputFile
{
    /// <summary>The name that means standard output.</summary>
    public const string StandardOutput = "-";

    /// <summary>The option that allows missing directories of an output path to be created.</summary>
    public const string CreateDirsOption = "--create-dirs";

    /// <summary>The problem with writing <paramref name="path"/>, or null when it can be written.</summary>
    /// <param name="origin">Where the path came from (<c>--out</c>, <c>-o</c>, <c>REBALANCER_OUT</c>), for the message.</param>
    /// <param name="createDirectories">Missing directories will be created (<c>--create-dirs</c>).</param>
    /// <param name="example">A file name to suggest when the path is a directory (<c>report.json</c>).</param>
    public static string? Check(string path, string origin, bool createDirectories, string example)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == StandardOutput)
        {
            return null;
        }

        string prefix = $"{origin} {path}";
        if (path.Length == 0)
        {
            return $"{origin}: a file name is required ('-' is standard output)";
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"{prefix}: not a usable file name ({e.Message})";
        }

        if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path))
        {
            return $"{prefix}: is a directory; name a file in it (e.g. {Path.Join(path, example)})";
        }

        string? directory = Path.GetDirectoryName(full);
        if (directory is null)
        {
            return $"{prefix}: is not a file name";
        }

        // The nearest directory that exists: a missing one is created (with --create-dirs) under it.
        string existing = directory;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"{prefix}: {existing} is a file, not a directory";
            }

            string? parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                break;
            }

            existing = parent;
        }

        if (existing != directory && !createDirectories)
        {
            return $"{prefix}: the directory {directory} does not exist (add {CreateDirsOption} to create it)";
        }

        if (File.Exists(full))
        {
            // An existing file (or a device such as /dev/stdout) is opened for writing only when the report is written;
            // opening a FIFO here would block until it has a reader.
            return (File.GetAttributes(full) & FileAttributes.ReadOnly) != 0 ? $"{prefix}: the file is read-only" : null;
        }

        return CannotCreateIn(existing) is string reason ? $"{prefix}: cannot create a file in {existing}: {reason}" : null;
    }

    /// <summary>Creates the missing directories of <paramref name="path"/> (<c>--create-dirs</c>); nothing for standard output.</summary>
    public static void CreateDirectoryOf(string path)
    {
        if (path != StandardOutput && Path.GetDirectoryName(Path.GetFullPath(path)) is string directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    /// <summary>True when two paths name the same file (both resolved against the current directory).</summary>
    public static bool SameFile(string a, string b) =>
        a != StandardOutput && b != StandardOutput && a.Length > 0 && b.Length > 0
        && string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>
    /// Why no file can be created in <paramref name="directory"/> (permissions, a read-only file system), found by
    /// creating one: the permission bits alone miss ACLs, read-only mounts and root's exemptions.
    /// </summary>
    private static string? CannotCreateIn(string directory)
    {
        try
        {
            using var probe = new FileStream(
                Path.Combine(directory, $".rebalancer-probe-{Guid.NewGuid():N}"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }
}
