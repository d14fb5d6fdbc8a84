using System.Text.Json;
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
        return app;
    }

    private static async Task<IResult> GetAccountByIdentifierAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        (IdentifierKind Kind, string Name)[] keys = [(IdentifierKind.Email, "email"), (IdentifierKind.UserName, "username"), (IdentifierKind.Phone, "phone")];
        foreach (var (kind, name) in keys)
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
        if (uid.Length is 0 or > 50 || !uid.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.UidNotValid));
        }

        return Render(await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid.ToLowerInvariant())).GetProfileAsync());
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
        var pinInfo = body.Property("PINInfo");
        if (pinInfo is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) })
        {
            throw JsonBody.Invalid("PINInfo", "The PINInfo field must be an object {PIN, Skipped}.");
        }

        var pinInfoBody = pinInfo is { ValueKind: JsonValueKind.Object } info ? new JsonBody(info, body.InvalidBody) : (JsonBody?)null;
        return new NewAccount
        {
            Email = ReadEmails(body.Property("Email")),
            Password = body.String("Password") is { } password ? new Secret(password) : (Secret?)null,
            UserName = body.String("UserName"),
            PhoneId = body.String("PhoneId"),
            Pin = pinInfoBody?.String("PIN") is { } pin ? new Secret(pin) : (Secret?)null,
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
