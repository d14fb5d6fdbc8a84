using System.CommandLine;

namespace PinOrleans.Cli;

/// <summary>
/// The options every command takes (anywhere on the line), each falling back to an environment variable, and the
/// glue that runs a command's action with a <see cref="GatewayClient"/> and an <see cref="Output"/>.
/// </summary>
internal sealed class CliOptions(CliContext context)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    public Option<string?> Url { get; } = new("--url") { Description = $"The gateway (default: PINCTL_URL or {DefaultUrl})", Recursive = true };

    public Option<string?> AdminUser { get; } = new("--admin-user") { Description = "Administrator user name (default: PINCTL_ADMIN_USER or admin)", Recursive = true };

    public Option<string?> AdminPassword { get; } = new("--admin-password") { Description = "Administrator password (default: PINCTL_ADMIN_PASSWORD)", Recursive = true };

    public Option<string?> ApiKey { get; } = new("--apikey") { Description = "The tenant's API key (default: PINCTL_APIKEY)", Recursive = true };

    public Option<string?> ApiSecret { get; } = new("--apisecret") { Description = "The tenant's API secret (default: PINCTL_APISECRET)", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "Print the gateway's JSON answer as received", Recursive = true };

    public void AddTo(RootCommand root)
    {
        foreach (var option in new Option[] { Url, AdminUser, AdminPassword, ApiKey, ApiSecret, Json })
        {
            root.Options.Add(option);
        }
    }

    /// <summary>Runs <paramref name="action"/> for <paramref name="command"/> with the connection the line and environment describe.</summary>
    public void SetAction(Command command, Func<ParseResult, GatewayClient, Output, Task> action) =>
        command.SetAction(async (parse, _) =>
        {
            var connection = Connect(parse);
            var output = new Output(context, parse.GetValue(Json));
            if (context.Http is { } shared)
            {
                await action(parse, new GatewayClient(shared, connection), output);
            }
            else
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
                await action(parse, new GatewayClient(http, connection), output);
            }

            return 0;
        });

    public string DescribeUrl(ParseResult parse) => Setting(parse, Url, "PINCTL_URL") ?? DefaultUrl;

    private Connection Connect(ParseResult parse)
    {
        var url = DescribeUrl(parse);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"--url must be an http:// or https:// address, not '{url}'.");
        }

        return new Connection(
            baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/"),
            Setting(parse, AdminUser, "PINCTL_ADMIN_USER") ?? "admin",
            Setting(parse, AdminPassword, "PINCTL_ADMIN_PASSWORD"),
            Setting(parse, ApiKey, "PINCTL_APIKEY"),
            Setting(parse, ApiSecret, "PINCTL_APISECRET"));
    }

    private string? Setting(ParseResult parse, Option<string?> option, string variable) =>
        NonEmpty(parse.GetValue(option)) ?? NonEmpty(context.Environment(variable));

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
