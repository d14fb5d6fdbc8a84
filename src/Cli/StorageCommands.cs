using System.CommandLine;

namespace PinOrleans.Cli;

/// <summary><c>pinctl storage repair-expiry</c>: the admin API's one full pass over the expiring records.</summary>
internal static class StorageCommands
{
    public static Command Build(CliOptions cli) => new("storage", "The state store")
    {
        RepairExpiry(cli),
    };

    private static Command RepairExpiry(CliOptions cli)
    {
        var command = new Command("repair-expiry", "Starts one pass over every expiring record: removes the expired ones, journals the rest again (after a silo crash; administrator credentials)");
        cli.SetAction(command, async (_, gateway, output) =>
        {
            var answer = await gateway.AdminAsync(HttpMethod.Post, "storage/expiry/repair");
            output.Answer(answer, () => output.Line(answer.Json?["Supported"]?.GetValue<bool>() == false
                ? "This state store cannot list its records: nothing to repair this way."
                : "Started: the silo logs what it removed."));
        });
        return command;
    }
}
