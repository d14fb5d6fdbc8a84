using System.CommandLine;

namespace PinOrleans.Cli;

/// <summary><c>pinctl sessions revoke UID</c> (admin API, every session of the account) or <c>--token</c> (one PIN session).</summary>
internal static class SessionCommands
{
    public static Command Build(CliOptions cli) => new("sessions", "PIN sessions and tokens")
    {
        Revoke(cli),
    };

    private static Command Revoke(CliOptions cli)
    {
        var uid = new Argument<string?>("uid") { Description = "End every PIN session, access and refresh token of this account (administrator credentials, --apikey)", Arity = ArgumentArity.ZeroOrOne };
        var token = new Option<string?>("--token") { Description = "End this one PIN session token instead (--apikey)" };
        var command = new Command("revoke", "Ends an account's sessions and tokens, or one PIN session") { uid, token };
        cli.SetAction(command, async (parse, gateway, output) =>
        {
            switch (parse.GetValue(uid), parse.GetValue(token))
            {
                case ({ } account, null):
                    var path = $"tenants/{Uri.EscapeDataString(gateway.ApiKey)}/accounts/{Uri.EscapeDataString(account)}/sessions/revoke";
                    var all = await gateway.AdminAsync(HttpMethod.Post, path);
                    output.Answer(all, () => output.Line($"Ended every session and token of {account}."));
                    break;
                case (null, { } session):
                    var one = await gateway.PublicAsync(HttpMethod.Get, "identity/v2/auth/session_token/invalidate?session_token=" + Uri.EscapeDataString(session));
                    output.Answer(one, () => output.Line("Ended the PIN session."));
                    break;
                default:
                    throw new UsageException("sessions revoke takes a Uid or --token, one of them.");
            }
        });
        return command;
    }
}
