namespace PinOrleans.Cli;

/// <summary>The <c>pinctl</c> executable: <see cref="Pinctl"/> on the process' console and environment.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => Pinctl.RunAsync(args, CliContext.FromConsole());
}
