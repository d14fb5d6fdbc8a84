using System.CommandLine;

namespace PinOrleans.Cli;

/// <summary>
/// pinctl, the operator's command line for PinOrleans: tenants (admin API), accounts (the tenant's LoginRadius
/// management routes), sessions and storage. It speaks only HTTP to a gateway. Exit codes: 0 done, 1 refused by the gateway
/// or unreachable, 2 a usage error.
/// </summary>
public static class Pinctl
{
    public const int Refused = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var cli = new CliOptions(context);
        var root = new RootCommand("pinctl: manage a PinOrleans service over its HTTP API.")
        {
            TenantCommands.Build(cli),
            AccountCommands.Build(cli),
            SessionCommands.Build(cli),
            StorageCommands.Build(cli),
        };
        cli.AddTo(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync($"pinctl: {error.Message}");
            }

            await context.Error.WriteLineAsync("Run 'pinctl --help' for usage.");
            return UsageError;
        }

        return await InvokeAsync(parse, cli, context, cancellationToken);
    }

    private static async Task<int> InvokeAsync(ParseResult parse, CliOptions cli, CliContext context, CancellationToken cancellationToken)
    {
        var invocation = new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken);
        }
        catch (UsageException e)
        {
            await context.Error.WriteLineAsync($"pinctl: {e.Message}");
            return UsageError;
        }
        catch (GatewayException e)
        {
            await context.Error.WriteLineAsync($"{e.Code}: {e.Message}");
            foreach (var field in e.FieldErrors)
            {
                await context.Error.WriteLineAsync($"  {field}");
            }

            return Refused;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await context.Error.WriteLineAsync($"pinctl: cannot reach {cli.DescribeUrl(parse)}: {e.Message}");
            return Refused;
        }
    }
}
