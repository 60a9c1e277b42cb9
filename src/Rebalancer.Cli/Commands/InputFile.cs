namespace Rebalancer.Cli.Commands;

/// <summary>
/// An input file named by an option (<c>--snapshot</c>, <c>--policy</c>, <c>--from</c>): checked with the other
/// settings at start, and described by the option's name when reading it fails anyway, so a message says which option
/// points at what and what is wrong with it (<c>--snapshot docs: is a directory, not a file</c>), not only what the
/// operating system said.
/// </summary>
internal static class InputFile
{
    /// <summary>The name that means standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>The problem with reading <paramref name="path"/>, or null when it names a file (or standard input).</summary>
    /// <param name="origin">Where the path came from (<c>--snapshot</c> or <c>REBALANCER_SNAPSHOT</c>), for the message.</param>
    public static string? Check(string path, string origin)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == StandardInput)
        {
            return null;
        }

        if (path.Length == 0)
        {
            return $"{origin}: a file name is required ('{StandardInput}' reads standard input)";
        }

        if (Directory.Exists(path))
        {
            return $"{origin} {path}: is a directory, not a file";
        }

        if (File.Exists(path))
        {
            return null;
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        return directory is not null && !Directory.Exists(directory)
            ? $"{origin} {path}: no such file (the directory {directory} does not exist)"
            : $"{origin} {path}: no such file";
    }

    /// <summary>What reading <paramref name="path"/> failed with, naming the option.</summary>
    public static string Describe(Exception exception, string path, string origin)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            FileNotFoundException or DirectoryNotFoundException => Check(path, origin) ?? $"{origin} {path}: no such file",
            UnauthorizedAccessException when Directory.Exists(path) => $"{origin} {path}: is a directory, not a file",
            UnauthorizedAccessException => $"{origin} {path}: cannot be read: permission denied",
            _ => $"{origin} {path}: cannot be read: {exception.Message}",
        };
    }

    /// <summary>
    /// The problem when two inputs both name standard input: it can be read once, and whichever read it first would
    /// leave the other an empty document with a misleading error.
    /// </summary>
    public static string? BothStandardInput(string? first, string firstOrigin, string? second, string secondOrigin) =>
        first == StandardInput && second == StandardInput
            ? $"{firstOrigin} {StandardInput} and {secondOrigin} {StandardInput}: standard input can be read only once; give one of them as a file"
            : null;
}
