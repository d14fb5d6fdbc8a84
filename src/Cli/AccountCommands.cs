using System.CommandLine;
using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>
/// <c>pinctl accounts create | show | unlock | set-pin | delete</c>: the tenant's LoginRadius management routes
/// (<c>/identity/v2/manage/account</c>), with its API key and secret.
/// </summary>
internal static class AccountCommands
{
    public static Command Build(CliOptions cli) => new("accounts", "Accounts of a tenant (--apikey and --apisecret)")
    {
        Create(cli),
        Show(cli),
        Unlock(cli),
        SetPin(cli),
        Delete(cli),
    };

    private static Argument<string> Uid() => new("uid") { Description = "The account's Uid" };

    private static string AccountPath(string uid) => "identity/v2/manage/account/" + Uri.EscapeDataString(uid);

    private static Command Create(CliOptions cli)
    {
        var email = new Option<string>("--email") { Description = "The e-mail address (with --count: user+1@domain, user+2@domain...)", Required = true };
        var password = new Option<string>("--password") { Description = "The password", Required = true };
        var pin = new Option<string?>("--pin") { Description = "A PIN to set" };
        var count = new Option<int?>("--count") { Description = "Create this many accounts" };
        var command = new Command("create", "Creates an account, or --count of them") { email, password, pin, count };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            gateway.RequireTenantSecret();
            var request = new NewAccounts(parse.GetRequiredValue(email), parse.GetRequiredValue(password), parse.GetValue(pin));
            if (parse.GetValue(count) is { } many)
            {
                await request.CreateManyAsync(gateway, output, many);
            }
            else
            {
                var answer = await gateway.ManageAsync(HttpMethod.Post, "identity/v2/manage/account", request.Body(request.Email));
                output.Answer(answer, () => output.Line($"Created account {Output.Text(answer.Json, "Uid")} ({request.Email})."));
            }
        });
        return command;
    }

    private static Command Show(CliOptions cli)
    {
        var uid = new Argument<string?>("uid") { Description = "The account's Uid", Arity = ArgumentArity.ZeroOrOne };
        var email = new Option<string?>("--email") { Description = "Find the account by e-mail instead" };
        var command = new Command("show", "One account's profile, by Uid or --email") { uid, email };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var path = (parse.GetValue(uid), parse.GetValue(email)) switch
            {
                ({ } byUid, null) => AccountPath(byUid),
                (null, { } byEmail) => "identity/v2/manage/account?email=" + Uri.EscapeDataString(byEmail),
                _ => throw new UsageException("accounts show takes a Uid or --email, one of them."),
            };
            var answer = await gateway.ManageAsync(HttpMethod.Get, path);
            output.Answer(answer, () => PrintProfile(answer.Json, output));
        });
        return command;
    }

    private static Command Unlock(CliOptions cli)
    {
        var uid = Uid();
        var command = new Command("unlock", "Lifts a lockout of any type (IsLoginLocked: false)") { uid };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var answer = await gateway.ManageAsync(HttpMethod.Put, AccountPath(parse.GetRequiredValue(uid)), new JsonObject { ["IsLoginLocked"] = false });
            output.Answer(answer, () => output.Line($"Unlocked {Output.Text(answer.Json, "Uid")}."));
        });
        return command;
    }

    private static Command SetPin(CliOptions cli)
    {
        var uid = Uid();
        var pin = new Argument<string>("pin") { Description = "The new PIN" };
        var command = new Command("set-pin", "Sets (or replaces) the account's PIN") { uid, pin };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var body = new JsonObject { ["PINInfo"] = new JsonObject { ["PIN"] = parse.GetRequiredValue(pin) } };
            var answer = await gateway.ManageAsync(HttpMethod.Put, AccountPath(parse.GetRequiredValue(uid)), body);
            output.Answer(answer, () => output.Line($"PIN set for {Output.Text(answer.Json, "Uid")}."));
        });
        return command;
    }

    private static Command Delete(CliOptions cli)
    {
        var uid = Uid();
        var command = new Command("delete", "Deletes the account; its tokens and sessions stop working") { uid };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            var answer = await gateway.ManageAsync(HttpMethod.Delete, AccountPath(parse.GetRequiredValue(uid)));
            output.Answer(answer, () => output.Line($"Deleted {parse.GetRequiredValue(uid)}."));
        });
        return command;
    }

    private static void PrintProfile(JsonNode profile, Output output)
    {
        var emails = (profile["Email"] as JsonArray ?? []).Select(e => Output.Text(e, "Value"));
        var lastLogin = Output.Text(profile, "LastLoginDate");
        (string, string?)[] fields =
        [
            ("Uid", Output.Text(profile, "Uid")),
            ("Email", string.Join(", ", emails)),
            ("UserName", Output.Text(profile, "UserName")),
            ("PhoneId", Output.Text(profile, "PhoneId")),
            ("Created", Output.Text(profile, "CreatedDate")),
            ("Last login", lastLogin.StartsWith("0001-", StringComparison.Ordinal) ? "never" : lastLogin),
            ("Logins", Output.Text(profile, "NoOfLogins")),
            ("Active", YesNo(profile, "IsActive")),
            ("Locked", Output.Text(profile, "IsLoginLocked") == "true" ? $"yes ({Output.Text(profile, "LoginLockedType")})" : "no"),
            ("PIN", PinState(profile["PIN"])),
        ];
        output.Fields([.. fields.Where(f => f.Item2 is { Length: > 0 })]);
    }

    private static string YesNo(JsonNode profile, string name) => Output.Text(profile, name) == "true" ? "yes" : "no";

    private static string PinState(JsonNode? pin) => pin switch
    {
        null => "none",
        _ when Output.Text(pin, "Skipped") == "true" => "skipped",
        _ when Output.Text(pin, "LastPINChangeDate") is { Length: > 0 } changed => $"set (changed {changed})",
        _ => "none",
    };
}
