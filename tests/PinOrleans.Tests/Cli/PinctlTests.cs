using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Cli;
using PinOrleans.Tests.Gateway;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cli;

/// <summary>
/// pinctl's entry point run in-process against the real gateway (administrator configured): what it prints, on
/// which stream, and its exit codes (0 done, 1 refused, 2 usage). Credentials come from PINCTL_* variables the
/// way an operator's shell would give them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class PinctlTests(ClusterFixture fixture)
{
    private readonly Dictionary<string, string> _environment = new()
    {
        ["PINCTL_URL"] = "http://localhost",
        ["PINCTL_ADMIN_USER"] = AdminApiTests.AdminUser,
        ["PINCTL_ADMIN_PASSWORD"] = AdminApiTests.AdminPassword,
    };

    private readonly Api _api = new(fixture.AdminGateway.CreateClient());

    private sealed record Run(int Code, string Out, string Error)
    {
        public string Field(string label) => Regex.Match(Out, $@"^{label}:\s+(.+?)\r?$", RegexOptions.Multiline).Groups[1].Value;
    }

    private async Task<Run> PinctlAsync(params string[] args) => await PinctlAsync(false, args);

    private async Task<Run> PinctlAsync(bool terminal, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            ErrorIsTerminal = terminal,
            Http = _api.Http,
            Environment = name => _environment.GetValueOrDefault(name),
        };
        var code = await Pinctl.RunAsync(args, context);
        var run = new Run(code, output.ToString(), error.ToString());
        Assert.DoesNotContain(AdminApiTests.AdminPassword, run.Out + run.Error, StringComparison.Ordinal);
        return run;
    }

    private static void Succeeded(Run run) => Assert.True(run.Code == 0, $"exit {run.Code}: {run.Error}");

    private static void Refused(Run run, int errorCode)
    {
        Assert.True(run.Code == 1, $"exit {run.Code}, expected 1: {run.Out}{run.Error}");
        Assert.StartsWith($"{errorCode}: ", run.Error, StringComparison.Ordinal);
    }

    private static void UsageError(Run run)
    {
        Assert.True(run.Code == 2, $"exit {run.Code}, expected 2: {run.Out}{run.Error}");
        Assert.StartsWith("pinctl: ", run.Error, StringComparison.Ordinal);
    }

    /// <summary>A tenant made with pinctl, whose key and secret the following commands use.</summary>
    private async Task<TestTenant> UseNewTenantAsync(string name = "CLI shop")
    {
        var created = await PinctlAsync("tenants", "create", "--name", name);
        Succeeded(created);
        var tenant = new TestTenant(created.Field("ApiKey"), created.Field("ApiSecret"));
        _environment["PINCTL_APIKEY"] = tenant.ApiKey;
        _environment["PINCTL_APISECRET"] = tenant.ApiSecret;
        return tenant;
    }

    [Fact]
    public void Set_turns_key_value_pairs_into_a_merge_patch_of_one_section()
    {
        var (section, patch) = SettingsPatch.Build("lockout", ["MaxFailedAttempts=3", "Type=Captcha"]);
        Assert.Equal("Lockout", section);
        Assert.Equal("""{"Lockout":{"MaxFailedAttempts":3,"Type":"Captcha"}}""", patch.ToJsonString());
        Assert.Equal("""{"BotProtection":{"RequireOnPinLogin":true,"MinScore":0.7,"Action":"login","SiteKey":"007","Secret":null}}""",
            SettingsPatch.Build("bot-protection", ["RequireOnPinLogin=true", "MinScore=0.7", "Action=login", "SiteKey=\"007\"", "Secret=null"]).Patch.ToJsonString());
        Assert.Equal("""{"Tokens":{"A":{"B":1,"C":"x=y"}}}""", SettingsPatch.Build("tokens", ["A.B=1", "A.C=x=y"]).Patch.ToJsonString());
        Assert.Equal("Pin", SettingsPatch.Build("pin", ["MinLength=6"]).Section);
        Assert.Equal("""{"AllowedDomains":["app.example.com","*.shop.example"]}""", SettingsPatch.Build("allowed-domains", ["""["app.example.com","*.shop.example"]"""]).Patch.ToJsonString());
        Assert.Throws<UsageException>(() => SettingsPatch.Build("lockout", ["MaxFailedAttempts"]));
        Assert.Throws<UsageException>(() => SettingsPatch.Build("lockout", ["Type=Suspend", "Type=Block"]));
        Assert.Throws<UsageException>(() => SettingsPatch.Build("lock out!", ["Type=Suspend"]));
    }

    [Fact]
    public async Task Tenants_are_created_listed_shown_set_and_given_a_new_secret()
    {
        var tenant = await UseNewTenantAsync();
        Assert.True(Guid.TryParse(tenant.ApiKey, out _) && Guid.TryParse(tenant.ApiSecret, out _));

        var list = await PinctlAsync("tenants", "list");
        Succeeded(list);
        Assert.StartsWith("API KEY", list.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{tenant.ApiKey}\s+\d{{4}}-\d\d-\d\dT\S+\s+CLI shop\r?$", list.Out);
        var json = await PinctlAsync("tenants", "list", "--json");
        Succeeded(json);
        var listed = JsonNode.Parse(json.Out)!;
        Assert.Equal(listed["Data"]!.AsArray().Count, listed["Count"]!.GetValue<int>());

        var show = await PinctlAsync("tenants", "show", tenant.ApiKey);
        Succeeded(show);
        Assert.Equal("CLI shop", show.Field("Name"));
        Assert.Contains("\"MaxFailedAttempts\": 5", show.Out, StringComparison.Ordinal);

        Succeeded(await PinctlAsync("tenants", "set", tenant.ApiKey, "bot-protection", "Provider=ReCaptchaV2", "Secret=s3cret-value"));
        var set = await PinctlAsync("tenants", "set", tenant.ApiKey, "lockout", "MaxFailedAttempts=3", "Type=Captcha");
        Succeeded(set);
        Assert.StartsWith("Lockout:", set.Out, StringComparison.Ordinal);
        Assert.Contains("\"MaxFailedAttempts\": 3", set.Out, StringComparison.Ordinal);
        Assert.Contains("\"Type\": \"Captcha\"", set.Out, StringComparison.Ordinal);
        show = await PinctlAsync("tenants", "show", tenant.ApiKey);
        Assert.Contains("\"Secret\": \"********\"", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-value", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(tenant.ApiSecret, list.Out + show.Out, StringComparison.Ordinal);

        var refused = await PinctlAsync("tenants", "set", tenant.ApiKey, "bot-protection", "Provider=None");
        Refused(refused, 1134);
        Assert.Contains("  Settings: Lockout:Type Captcha needs a BotProtection:Provider", refused.Error, StringComparison.Ordinal);
        UsageError(await PinctlAsync("tenants", "set", tenant.ApiKey, "lockout", "MaxFailedAttempts"));
        // The hosted page's branding; a logo file is uploaded as a data: URI.
        var logo = Path.Combine(Path.GetTempPath(), $"pinctl-logo-{Guid.NewGuid():N}.svg");
        await File.WriteAllTextAsync(logo, """<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>""");
        var branded = await PinctlAsync("tenants", "set", tenant.ApiKey, "hosted-page", "Title=CLI shop", "PrimaryColor=#0f766e", $"LogoUrl=@{logo}");
        File.Delete(logo);
        Succeeded(branded);
        Assert.Contains("\"PrimaryColor\": \"#0f766e\"", branded.Out, StringComparison.Ordinal);
        Assert.Contains("\"LogoUrl\": \"data:image/svg", branded.Out, StringComparison.Ordinal);
        Refused(await PinctlAsync("tenants", "set", tenant.ApiKey, "hosted-page", "LogoUrl=https://cdn.example.com/logo.png"), 1134);
        Refused(await PinctlAsync("tenants", "create", "--name", "Twin", "--apikey", tenant.ApiKey), 1134);
        Refused(await PinctlAsync("tenants", "show", Guid.NewGuid().ToString()), 901);

        var rotated = await PinctlAsync("tenants", "rotate-secret", tenant.ApiKey);
        Succeeded(rotated);
        Assert.Equal(tenant.ApiKey, rotated.Field("ApiKey"));
        var secret = rotated.Field("ApiSecret");
        Assert.NotEqual(tenant.ApiSecret, secret);
        Assert.Contains("shown this once", rotated.Out, StringComparison.Ordinal);
        Refused(await PinctlAsync("accounts", "show", "--email", "nobody@example.com"), 902);
        _environment["PINCTL_APISECRET"] = secret;
        Refused(await PinctlAsync("accounts", "show", "--email", "nobody@example.com"), 938);
    }

    [Fact]
    public async Task A_chosen_api_key_is_used_and_the_environments_key_is_not()
    {
        _environment["PINCTL_APIKEY"] = Guid.NewGuid().ToString();
        var chosen = Guid.NewGuid().ToString();
        var created = await PinctlAsync("tenants", "create", "--name", "Chosen", "--apikey", chosen, "--json");
        Succeeded(created);
        var answer = JsonNode.Parse(created.Out)!;
        Assert.Equal(chosen, answer["ApiKey"]!.GetValue<string>());
        Assert.Equal("Chosen", answer["Name"]!.GetValue<string>());

        var other = await PinctlAsync("tenants", "create", "--name", "Fresh");
        Succeeded(other);
        Assert.NotEqual(_environment["PINCTL_APIKEY"], other.Field("ApiKey"));
    }

    [Fact]
    public async Task Accounts_are_created_shown_unlocked_given_a_pin_and_deleted()
    {
        var tenant = await UseNewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var created = await PinctlAsync("accounts", "create", "--email", email, "--password", Api.Password, "--pin", "1357");
        Succeeded(created);
        var uid = Regex.Match(created.Out, @"^Created account ([0-9a-f]{32}) \(").Groups[1].Value;
        Assert.Equal($"Created account {uid} ({email}).", created.Out.Trim());
        Assert.DoesNotContain(Api.Password, created.Out, StringComparison.Ordinal);

        var show = await PinctlAsync("accounts", "show", uid);
        Succeeded(show);
        Assert.Equal(uid, show.Field("Uid"));
        Assert.Equal(email, show.Field("Email"));
        Assert.Equal("no", show.Field("Locked"));
        Assert.StartsWith("set (changed ", show.Field("PIN"), StringComparison.Ordinal);
        Assert.Equal("never", show.Field("Last login"));
        var byEmail = await PinctlAsync("accounts", "show", "--email", email, "--json");
        Assert.Equal(uid, JsonNode.Parse(byEmail.Out)!["Uid"]!.GetValue<string>());

        var session = (await _api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        for (var i = 0; i < 5; i++)
        {
            await _api.PinLoginAsync(tenant, session, "0000");
        }

        Assert.StartsWith("yes", (await PinctlAsync("accounts", "show", uid)).Field("Locked"), StringComparison.Ordinal);
        var unlocked = await PinctlAsync("accounts", "unlock", uid);
        Succeeded(unlocked);
        Assert.Equal($"Unlocked {uid}.", unlocked.Out.Trim());
        Assert.Equal("no", (await PinctlAsync("accounts", "show", uid)).Field("Locked"));

        var pinSet = await PinctlAsync("accounts", "set-pin", uid, "2468");
        Succeeded(pinSet);
        Assert.Equal($"PIN set for {uid}.", pinSet.Out.Trim());
        // A new PIN ends the account's PIN sessions; a new login's session takes it.
        await Api.ExpectErrorAsync(await _api.PinLoginAsync(tenant, session, "2468"), 403, 1245);
        session = (await _api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        await Api.ExpectAsync(await _api.PinLoginAsync(tenant, session, "2468"), HttpStatusCode.OK);
        Refused(await PinctlAsync("accounts", "set-pin", uid, "12"), 1134);

        var deleted = await PinctlAsync("accounts", "delete", uid);
        Succeeded(deleted);
        Assert.Equal($"Deleted {uid}.", deleted.Out.Trim());
        Refused(await PinctlAsync("accounts", "show", uid), 938);
        Refused(await PinctlAsync("accounts", "delete", uid), 938);
        UsageError(await PinctlAsync("accounts", "show"));
        UsageError(await PinctlAsync("accounts", "show", uid, "--email", email));
    }

    [Fact]
    public async Task Many_accounts_are_created_with_numbered_addresses_and_progress()
    {
        await UseNewTenantAsync();
        var id = Guid.NewGuid().ToString("N");
        var created = await PinctlAsync("accounts", "create", "--email", $"{id}@example.com", "--password", Api.Password, "--pin", "1234", "--count", "3");
        Succeeded(created);
        Assert.Equal(["created 1/3", "created 2/3", "created 3/3"], created.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var rows = created.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("Created 3 accounts:", rows[0]);
        Assert.Matches(@"^UID\s+EMAIL$", rows[1]);
        for (var i = 1; i <= 3; i++)
        {
            var row = rows[i + 1].Split("  ", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal($"{id}+{i}@example.com", row[1]);
            Assert.Equal($"{id}+{i}@example.com", (await PinctlAsync("accounts", "show", row[0])).Field("Email"));
        }

        var onTerminal = await PinctlAsync(true, "accounts", "create", "--email", $"{id}-tty@example.com", "--password", Api.Password, "--count", "2", "--json");
        Succeeded(onTerminal);
        Assert.Equal("\rcreated 1/2\rcreated 2/2" + Environment.NewLine, onTerminal.Error);
        var answers = JsonNode.Parse(onTerminal.Out)!.AsArray();
        Assert.Equal([$"{id}-tty+1@example.com", $"{id}-tty+2@example.com"], answers.Select(a => a!["Email"]![0]!["Value"]!.GetValue<string>()));

        var twenty = await PinctlAsync("accounts", "create", "--email", $"{id}-20@example.com", "--password", Api.Password, "--count", "20");
        Succeeded(twenty);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"created {i * 2}/20"), twenty.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Refused(await PinctlAsync("accounts", "create", "--email", $"{id}@example.com", "--password", Api.Password, "--count", "1"), 936);
        UsageError(await PinctlAsync("accounts", "create", "--email", $"{id}@example.com", "--password", Api.Password, "--count", "0"));

        // A refusal part-way: the accounts made before it are listed (stderr), and they exist.
        Succeeded(await PinctlAsync("accounts", "create", "--email", $"{id}-p+2@example.com", "--password", Api.Password));
        var partial = await PinctlAsync("accounts", "create", "--email", $"{id}-p@example.com", "--password", Api.Password, "--count", "3");
        Assert.True(partial.Code == 1, $"exit {partial.Code}, expected 1: {partial.Error}");
        Assert.Contains("\n936: ", partial.Error, StringComparison.Ordinal);
        var listed = Regex.Matches(partial.Error, @"^([0-9a-f]{32})  (\S+@example\.com)$", RegexOptions.Multiline);
        Assert.Contains($"Created {listed.Count} of 3 accounts before the refusal:", partial.Error, StringComparison.Ordinal);
        Assert.InRange(listed.Count, 1, 2);
        foreach (Match made in listed)
        {
            Assert.NotEqual($"{id}-p+2@example.com", made.Groups[2].Value);
            Assert.Equal(made.Groups[2].Value, (await PinctlAsync("accounts", "show", made.Groups[1].Value)).Field("Email"));
        }
    }

    [Fact]
    public async Task Sessions_end_for_a_whole_account_or_one_token()
    {
        var tenant = await UseNewTenantAsync();
        var (email, uid, login) = await _api.NewLoggedInAccountAsync(tenant);
        var session = login.GetProperty("session_token").GetString()!;
        var all = await PinctlAsync("sessions", "revoke", uid);
        Succeeded(all);
        Assert.Equal($"Ended every session and token of {uid}.", all.Out.Trim());
        await Api.ExpectErrorAsync(await _api.PinLoginAsync(tenant, session, "7890"), 403, 1245);

        var fresh = (await _api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        var one = await PinctlAsync("sessions", "revoke", "--token", fresh);
        Succeeded(one);
        Assert.Equal("Ended the PIN session.", one.Out.Trim());
        Assert.DoesNotContain(fresh, one.Out + one.Error, StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await _api.PinLoginAsync(tenant, fresh, "7890"), 403, 1245);

        Refused(await PinctlAsync("sessions", "revoke", Guid.NewGuid().ToString("N")), 938);
        UsageError(await PinctlAsync("sessions", "revoke"));
        UsageError(await PinctlAsync("sessions", "revoke", uid, "--token", fresh));
        _environment.Remove("PINCTL_APIKEY");
        UsageError(await PinctlAsync("sessions", "revoke", uid));
    }

    [Fact]
    public async Task The_expiry_repair_says_when_the_store_cannot_list_its_records()
    {
        // The test cluster's in-memory store lists nothing; the Azure Table repair itself is ExpiryTests' business.
        var repair = await PinctlAsync("storage", "repair-expiry");
        Succeeded(repair);
        Assert.Equal("This state store cannot list its records: nothing to repair this way.", repair.Out.Trim());
    }

    [Fact]
    public async Task Credentials_and_usage_errors_have_their_own_exit_codes()
    {
        _environment["PINCTL_ADMIN_PASSWORD"] = "not-the-password";
        var wrong = await PinctlAsync("tenants", "list");
        Refused(wrong, 401);
        Assert.Empty(wrong.Out);
        _environment.Remove("PINCTL_ADMIN_PASSWORD");
        UsageError(await PinctlAsync("tenants", "list"));
        Succeeded(await PinctlAsync("tenants", "list", "--admin-password", AdminApiTests.AdminPassword));

        UsageError(await PinctlAsync());
        UsageError(await PinctlAsync("tenants", "frobnicate"));
        UsageError(await PinctlAsync("tenants", "create"));
        UsageError(await PinctlAsync("tenants", "list", "--url", "ftp://example.com"));
        UsageError(await PinctlAsync("accounts", "unlock", Guid.NewGuid().ToString("N")));
        var help = await PinctlAsync("--help");
        Succeeded(help);
        Assert.Contains("tenants", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pinctl_makes_its_own_client_for_a_gateway_on_a_real_port()
    {
        await using var gateway = AdminApiTests.AdminGateway(fixture);
        gateway.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        gateway.StartServer();
        var url = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext { Out = output, Error = error, Environment = _ => null };

        var code = await Pinctl.RunAsync(["tenants", "create", "--name", "Over TCP", "--url", url, "--admin-user", AdminApiTests.AdminUser, "--admin-password", AdminApiTests.AdminPassword, "--json"], context);

        Assert.True(code == 0, error.ToString());
        Assert.Equal("Over TCP", JsonDocument.Parse(output.ToString()).RootElement.GetProperty("Name").GetString());
        await gateway.DisposeAsync();
        using var closed = new StringWriter();
        Assert.Equal(1, await Pinctl.RunAsync(["tenants", "list", "--url", url, "--admin-password", "x"], new CliContext { Out = output, Error = closed, Environment = _ => null }));
        Assert.StartsWith($"pinctl: cannot reach {url}", closed.ToString(), StringComparison.Ordinal);
    }
}
