using System.CommandLine;
using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary><c>pinctl tenants list | show | create | set | rotate-secret</c>: the admin API.</summary>
internal static class TenantCommands
{
    private const string SecretNotice = "The API secret is shown this once: store it now (rotate-secret makes a new one).";

    public static Command Build(CliOptions cli) => new("tenants", "Tenants (administrator credentials)")
    {
        List(cli),
        Show(cli),
        Create(cli),
        Set(cli),
        RotateSecret(cli),
    };

    private static Command List(CliOptions cli)
    {
        var command = new Command("list", "Every tenant: API key, creation date and name");
        cli.SetAction(command, async (_, gateway, output) =>
        {
            var answer = await gateway.AdminAsync(HttpMethod.Get, "tenants");
            output.Answer(answer, () => PrintList(answer, output));
        });
        return command;
    }

    private static void PrintList(Answer answer, Output output)
    {
        var rows = (answer.Json["Data"] as JsonArray ?? [])
            .Select(t => new[] { Output.Text(t, "ApiKey"), Output.Text(t, "CreatedDate"), Output.Text(t, "Name") })
            .ToList();
        if (rows.Count == 0)
        {
            output.Line("No tenants.");
            return;
        }

        output.Table(["API KEY", "CREATED", "NAME"], rows);
    }

    private static Command Show(CliOptions cli)
    {
        var apiKey = new Argument<string>("apiKey") { Description = "The tenant's API key" };
        var command = new Command("show", "One tenant with its settings (secrets masked)") { apiKey };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var answer = await gateway.AdminAsync(HttpMethod.Get, "tenants/" + Uri.EscapeDataString(parse.GetRequiredValue(apiKey)));
            output.Answer(answer, () =>
            {
                output.Fields(("ApiKey", Output.Text(answer.Json, "ApiKey")), ("Name", Output.Text(answer.Json, "Name")), ("Created", Output.Text(answer.Json, "CreatedDate")));
                output.Line("Settings:");
                output.Json(answer.Json["Settings"], "  ");
            });
        });
        return command;
    }

    private static Command Create(CliOptions cli)
    {
        var name = new Option<string>("--name") { Description = "The tenant's name", Required = true };
        var command = new Command("create", "Creates a tenant with a fresh API secret (--apikey chooses its key, a GUID; default: a new one)") { name };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var body = new JsonObject { ["Name"] = parse.GetRequiredValue(name) };
            // Only an --apikey given on this line: PINCTL_APIKEY names the tenant other commands work on.
            if (parse.GetValue(cli.ApiKey) is { Length: > 0 } key)
            {
                body["ApiKey"] = key;
            }

            var answer = await gateway.AdminAsync(HttpMethod.Post, "tenants", body);
            output.Answer(answer, () =>
            {
                output.Line($"Created tenant \"{Output.Text(answer.Json, "Name")}\".");
                PrintSecret(answer, output);
            });
        });
        return command;
    }

    private static Command Set(CliOptions cli)
    {
        var apiKey = new Argument<string>("apiKey") { Description = "The tenant's API key" };
        var section = new Argument<string>("section") { Description = "lockout, pin, bot-protection or tokens (any settings section, e.g. recovery)" };
        var values = new Argument<string[]>("key=value") { Description = "Settings to change: numbers, true/false, null (the default) or text", Arity = ArgumentArity.OneOrMore };
        var command = new Command("set", "Changes settings of one section, e.g. 'set KEY lockout MaxFailedAttempts=3 Type=Suspend'") { apiKey, section, values };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var (name, patch) = SettingsPatch.Build(parse.GetRequiredValue(section), parse.GetRequiredValue(values));
            var answer = await gateway.AdminAsync(HttpMethod.Put, $"tenants/{Uri.EscapeDataString(parse.GetRequiredValue(apiKey))}/settings", patch);
            output.Answer(answer, () =>
            {
                output.Line($"{name}:");
                output.Json(answer.Json[name], "  ");
            });
        });
        return command;
    }

    private static Command RotateSecret(CliOptions cli)
    {
        var apiKey = new Argument<string>("apiKey") { Description = "The tenant's API key" };
        var command = new Command("rotate-secret", "Gives the tenant a new API secret; the old one stops working at once") { apiKey };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var answer = await gateway.AdminAsync(HttpMethod.Post, $"tenants/{Uri.EscapeDataString(parse.GetRequiredValue(apiKey))}/secret");
            output.Answer(answer, () => PrintSecret(answer, output));
        });
        return command;
    }

    private static void PrintSecret(Answer answer, Output output)
    {
        output.Fields(("ApiKey", Output.Text(answer.Json, "ApiKey")), ("ApiSecret", Output.Text(answer.Json, "ApiSecret")));
        output.Line(SecretNotice);
    }
}
