using System.Runtime.InteropServices;
using Rebalancer.Cli;

// Ctrl-C and SIGTERM (a CronJob's activeDeadlineSeconds, a node drain) cancel the run: it stops between evictions,
// still writes its report, and exits with the code that says it was aborted.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});

return await CliApp.RunAsync(args, CliConsole.System(), cancellation.Token).ConfigureAwait(false);
