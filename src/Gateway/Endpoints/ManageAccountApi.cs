using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Account management with the API secret (<c>/identity/v2/manage/account</c>).</summary>
public static class ManageAccountApi
{
    public static IEndpointRouteBuilder MapManageAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/identity/v2/manage/account").WithTags("Account management");
        account.MapPost("", CreateAccountAsync)
            .WithName("CreateAccount")
            .WithSummary("Create an account with e-mail, password, profile fields and optionally a PIN (API key + secret).");
        account.MapGet("", GetAccountByIdentifierAsync)
            .WithName("GetAccountByIdentifier")
            .WithSummary("The profile of the account with this email, userName or phone (API key + secret).");
        account.MapGet("/{uid}", GetAccountByUidAsync)
            .WithName("GetAccountByUid")
            .WithSummary("The profile of the account with this Uid (API key + secret).");
        account.MapPut("/{uid}", UpdateAccountAsync)
            .WithName("UpdateAccount")
            .WithSummary("Update profile fields; PINInfo sets or clears the PIN, SecurityQuestionAnswer sets answers, IsLoginLocked=false unlocks, IsActive=false blocks (API key + secret).");
        account.MapPut("/{uid}/password", SetPasswordAsync)
            .WithName("SetAccountPassword")
            .WithSummary("Set a new password (API key + secret).");
        account.MapDelete("/{uid}", DeleteByUidAsync)
            .WithName("DeleteAccount")
            .WithSummary("Delete an account; its tokens and sessions stop working at once (API key + secret).");
        account.MapDelete("", DeleteByEmailAsync)
            .WithName("DeleteAccountByEmail")
            .WithSummary("Delete the account with this email (API key + secret).");
        return app;
    }

    private static async Task<IResult> UpdateAccountAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var user = UserGrain(tenant.ApiKey, uid, grains);
        var body = await ApiRequest.BodyAsync(request);
        var pinInfo = PinInfo(body);
        var update = new AccountUpdate
        {
            ProfileFields = ProfileJson.ReadProfileFields(body.Root),
            EmailVerified = body.Boolean("EmailVerified"),
            PhoneIdVerified = body.Boolean("PhoneIdVerified"),
            IsActive = body.Boolean("IsActive"),
            IsLoginLocked = body.Boolean("IsLoginLocked"),
            SetsPin = pinInfo is { } info && JsonBody.Find(info.Root, "PIN") is not null,
            Pin = pinInfo?.String("PIN") is { } pin ? new Sensitive(pin) : (Sensitive?)null,
            PinSkipped = pinInfo?.Boolean("Skipped"),
            SecurityAnswers = PinRecoveryApi.SecurityAnswers(body, "SecurityQuestionAnswer"),
        };
        return Render(await user.UpdateAsync(tenant, update));
    }

    private static async Task<IResult> SetPasswordAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var user = UserGrain(tenant.ApiKey, uid, grains);
        var password = (await ApiRequest.BodyAsync(request)).String("password");
        if (string.IsNullOrEmpty(password))
        {
            throw JsonBody.Invalid("password", "The password field is required.");
        }

        var problem = await user.SetPasswordAsync(tenant, password);
        // LoginRadius answers with the new hash; PinOrleans never shows one.
        return LoginRadiusJson.Answer(problem, new JsonObject { ["PasswordHash"] = "********" });
    }

    private static async Task<IResult> DeleteByUidAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var problem = await UserGrain(tenant.ApiKey, uid, grains).DeleteAsync(tenant);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsDeleted"] = true });
    }

    private static async Task<IResult> DeleteByEmailAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var email = ApiRequest.RequiredQuery(request, "email");
        var problem = await grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, email)).DeleteOwnerAsync(tenant);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsDeleted"] = true, ["RecordsDeleted"] = 1 });
    }

    /// <summary>The user grain of a Uid from the request; 1200 when it cannot be a Uid.</summary>
    internal static IUserGrain UserGrain(string apiKey, string uid, IGrainFactory grains) =>
        grains.GetGrain<IUserGrain>(AccountKeys.User(apiKey, CheckedUid(uid)));

    /// <summary>A Uid as LoginRadius allows it (1 to 50 of letters, digits, '_' and '-'), lower-cased; else 1200.</summary>
    internal static string CheckedUid(string uid) =>
        uid.Length is > 0 and <= 50 && uid.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? uid.ToLowerInvariant()
            : throw LoginRadiusException.Of(ErrorCode.UidNotValid);

    /// <summary><c>PINInfo</c>: an object <c>{PIN, Skipped}</c>, or absent.</summary>
    private static JsonBody? PinInfo(JsonBody body) => body.Property("PINInfo") switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.Object } info => new JsonBody(info, body.InvalidBody),
        _ => throw JsonBody.Invalid("PINInfo", "The PINInfo field must be an object {PIN, Skipped}."),
    };

    private static async Task<IResult> GetAccountByIdentifierAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        foreach (var (kind, name) in ApiRequest.Identifiers)
        {
            if (ApiRequest.Query(request, name) is { } value)
            {
                return Render(await grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, value)).GetProfileAsync());
            }
        }

        throw new LoginRadiusException(LoginRadiusError.MissingParameter("email"));
    }

    private static async Task<IResult> GetAccountByUidAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        return Render(await UserGrain(tenant.ApiKey, uid, grains).GetProfileAsync());
    }

    private static IResult Render(AccountOutcome outcome) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : LoginRadiusJson.Ok(ProfileJson.Render(outcome.Profile!));

    private static async Task<IResult> CreateAccountAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var body = await ApiRequest.BodyAsync(request);
        var newAccount = ReadNewAccount(body);
        var user = grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, AccountKeys.NewUid()));
        return Render(await user.CreateAsync(tenant, newAccount));
    }

    private static NewAccount ReadNewAccount(JsonBody body)
    {
        var pinInfoBody = PinInfo(body);
        return new NewAccount
        {
            Email = ReadEmails(body.Property("Email")),
            Password = body.String("Password") is { } password ? new Sensitive(password) : (Sensitive?)null,
            UserName = body.String("UserName"),
            PhoneId = body.String("PhoneId"),
            Pin = pinInfoBody?.String("PIN") is { } pin ? new Sensitive(pin) : (Sensitive?)null,
            PinSkipped = pinInfoBody?.Boolean("Skipped"),
            EmailVerified = body.Boolean("EmailVerified"),
            PhoneIdVerified = body.Boolean("PhoneIdVerified"),
            ProfileFields = ProfileJson.ReadProfileFields(body.Root),
        };
    }

    /// <summary><c>Email</c>: an array of <c>{"Type": "Primary", "Value": "a@b.c"}</c>.</summary>
    private static List<EmailAddress> ReadEmails(JsonElement? emails)
    {
        if (emails is null || emails.Value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (emails.Value.ValueKind != JsonValueKind.Array || emails.Value.GetArrayLength() > 10)
        {
            throw JsonBody.Invalid("Email", "The Email field must be an array of at most 10 {Type, Value} objects.");
        }

        var list = new List<EmailAddress>();
        foreach (var item in emails.Value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw JsonBody.Invalid("Email", "Each Email entry must be an object {Type, Value}.");
            }

            var value = JsonBody.StringOf(JsonBody.Find(item, "Value"), "Email.Value") ?? "";
            var type = JsonBody.StringOf(JsonBody.Find(item, "Type"), "Email.Type") ?? "Primary";
            list.Add(new EmailAddress(type, value));
        }

        return list;
    }
}
