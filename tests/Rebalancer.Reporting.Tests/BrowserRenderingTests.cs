using System.Buffers.Binary;
using System.Diagnostics;

namespace Rebalancer.Reporting.Tests;

/// <summary>
/// The HTML report in a real browser: headless Chromium opens the demo report from a file (offline, as a CI artifact is
/// opened) and takes a screenshot. Skipped when Chromium is not installed (.ci/install-chromium.sh installs it).
/// </summary>
public sealed class BrowserRenderingTests
{
    [ChromiumFact]
    public async Task Chromium_renders_the_demo_report_without_errors()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("rebalancer-html-");
        try
        {
            string page = Path.Combine(directory.FullName, "report.html");
            string png = Path.Combine(directory.FullName, "report.png");
            await File.WriteAllTextAsync(page, SamplePlans.Render(new HtmlReportRenderer(), SamplePlans.DemoReport));

            (int code, string log) = await Chromium.ScreenshotAsync(page, png, width: 1400, height: 3000);

            Assert.True(code == 0, $"chromium exited with {code}:\n{log}");
            byte[] image = await File.ReadAllBytesAsync(png);
            Assert.True(image.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]), "the screenshot is not a PNG");
            Assert.Equal(1400, BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(16, 4)));
            Assert.Equal(3000, BinaryPrimitives.ReadInt32BigEndian(image.AsSpan(20, 4)));

            // A blank or unstyled page compresses to a few kilobytes; the demo report's tables and charts do not.
            Assert.True(image.Length > 50_000, $"the screenshot is suspiciously small ({image.Length} bytes)");

            // With --enable-logging the page's console reaches stderr: the inline sorting script must run cleanly.
            string[] consoleErrors = [.. log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) && l.Contains("Uncaught", StringComparison.Ordinal))];
            Assert.True(consoleErrors.Length == 0, "script errors:\n" + string.Join('\n', consoleErrors));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

/// <summary>A fact that is skipped, with a reason, when no Chromium is on PATH.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Executable is null)
        {
            Skip = "chromium is not on PATH: the browser check of the HTML report needs Debian's chromium (.ci/install-chromium.sh, or apt-get install chromium)";
        }
    }
}

/// <summary>Headless Chromium, bounded in time, output collected.</summary>
internal static class Chromium
{
    public static string? Executable { get; } = Find();

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome" })
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <returns>The exit code, and standard output and error together (the page's console messages among them).</returns>
    public static async Task<(int Code, string Log)> ScreenshotAsync(string page, string png, int width, int height)
    {
        var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start. A private profile
        // directory keeps runs from sharing state; --enable-logging=stderr puts console messages in the log.
        string profile = Path.Combine(Path.GetDirectoryName(png)!, "profile");
        foreach (string arg in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0",
            "--user-data-dir=" + profile, "--hide-scrollbars", $"--window-size={width},{height}", "--screenshot=" + png,
            new Uri(page).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("chromium did not finish the screenshot within 2 minutes");
        }

        return (process.ExitCode, await output + await error);
    }
}
