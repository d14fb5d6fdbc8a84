namespace PinOrleans.Cli;

/// <summary>
/// What a pinctl run talks to: its output streams, its environment variables and the HTTP client it reaches the
/// gateway with. The console program uses the process' own; tests pass writers, a dictionary and a test client.
/// </summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    /// <summary>Whether <see cref="Error"/> is a terminal: progress then updates one line instead of printing several.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>Reads an environment variable (PINCTL_URL, PINCTL_ADMIN_USER...); null when unset.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The client to send requests with; null: pinctl makes (and disposes) its own.</summary>
    public HttpClient? Http { get; init; }

    public static CliContext FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
