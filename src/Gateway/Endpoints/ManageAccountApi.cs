using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Account management with the API secret (<c>/identity/v2/manage/account</c>).</summary>
public static class ManageAccountApi
{
    internal const string UidNote = "The account's Uid (1 to 50 letters, digits, '_' or '-'; else 1200).";

    public static IEndpointRouteBuilder MapManageAccountApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapApiGroup("/identity/v2/manage/account", "Account management");
        account.MapPost("", CreateAccountAsync)
            .WithName("CreateAccount")
            .WithSummary("Create an account with e-mail, password, profile fields and optionally a PIN (API key + secret).")
            .WithDescription("Creates an account with e-mail addresses, a password, profile fields and optionally a PIN. Every failed field is reported at once (1134).")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.EmailAlreadyRegistered, ErrorCode.UserNameAlreadyExists, ErrorCode.PhoneAlreadyExists)
            .Raises(WebhookEvents.CreateTraditionalAccount);
        account.MapGet("", GetAccountByIdentifierAsync)
            .WithName("GetAccountByIdentifier")
            .WithSummary("The profile of the account with this email, userName or phone (API key + secret).")
            .WithDescription("The profile of the account with this e-mail address, user name or phone number (give one).")
            .Refuses(ErrorCode.UserDoesNotExist)
            .RefusesMalformed("email");
        account.MapGet("/{uid}", GetAccountByUidAsync)
            .WithName("GetAccountByUid")
            .WithSummary("The profile of the account with this Uid (API key + secret).")
            .WithDescription("The profile of the account with this Uid.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist);
        account.MapPut("/{uid}", UpdateAccountAsync)
            .WithName("UpdateAccount")
            .WithSummary("Update profile fields and identifiers; PINInfo sets or clears the PIN, SecurityQuestionAnswer sets answers, IsLoginLocked=false unlocks, IsActive=false blocks (API key + secret).")
            .WithDescription("Updates profile fields. `Email` (replaces the addresses), `UserName` and `PhoneId` change the identifiers through the account's one identifier path: new ones are claimed first (936, 1017, 1058: nothing changes), the old ones are free again afterwards; no session ends. `PINInfo {PIN}` sets the PIN (`\"PIN\": null` clears it), `PINInfo {Skipped}` records a skipped PIN; `SecurityQuestionAnswer {\"<questionId>\": \"<answer>\"}` sets answers (`\"\"` removes one); `IsLoginLocked: false` lifts any lock and forgets earlier ones; `IsActive: false` blocks the account and kills every token and session at once (`true` unblocks; old tokens stay dead).")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.ValidationFailed, ErrorCode.EmailAlreadyRegistered, ErrorCode.UserNameAlreadyExists, ErrorCode.PhoneAlreadyExists, ErrorCode.OnlyOnePrimaryEmail)
            .Raises(WebhookEvents.UpdateProfile, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        account.MapPut("/{uid}/password", SetPasswordAsync)
            .WithName("SetAccountPassword")
            .WithSummary("Set a new password (API key + secret).")
            .WithDescription("Sets a new password. The tenant's password policy applies (1134: length, complexity, not an identifier, not one of the last `Password:History` passwords); every session and token of the account ends. LoginRadius answers with the new hash; PinOrleans never shows one.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.SetPassword);
        account.MapDelete("/{uid}", DeleteByUidAsync)
            .WithName("DeleteAccount")
            .WithSummary("Delete an account; its tokens and sessions stop working at once (API key + secret).")
            .WithDescription("Deletes the account: its identifiers are free again, and its tokens and sessions stop working at once.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.DeleteAccount);
        account.MapDelete("", DeleteByEmailAsync)
            .WithName("DeleteAccountByEmail")
            .WithSummary("Delete the account with this email (API key + secret).")
            .WithDescription("Deletes the account with this e-mail address, as `DELETE /identity/v2/manage/account/{uid}` does.")
            .Refuses(ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.DeleteAccount);
        return app;
    }

    /// <summary>An e-mail address of an account.</summary>
    public sealed record EmailEntry(
        [property: Description("The e-mail address.")] string? Value,
        [property: Description("`Primary`, `Secondary`... (default `Primary`).")] string? Type = null);

    /// <summary><c>PINInfo</c>: the PIN to set, or that the user chose not to set one.</summary>
    public sealed record PinInfo(
        [property: Description("The PIN to set; null clears it (update only).")] string? PIN = null,
        [property: Description("Whether the user chose not to set a PIN.")] bool? Skipped = null);

    /// <summary>
    /// A new account. Besides the fields below, any settable field of the LoginRadius Profile (FirstName, LastName,
    /// BirthDate, Gender, Company, CustomFields...) is taken by its name.
    /// </summary>
    public sealed record NewAccountBody(
        [property: Description("The account's e-mail addresses (1 to 10)."), Example("""[{"Type": "Primary", "Value": "jane@example.com"}]""", IsJson = true)] List<EmailEntry?>? Email,
        [property: Description("The password, as the tenant's password policy allows."), Example("correct-horse-42")] string? Password,
        [property: Description("A unique user name (no spaces, at most 100 characters).")] string? UserName = null,
        [property: Description("A unique phone number in international format, e.g. +14155550100.")] string? PhoneId = null,
        [property: Description("Whether the e-mail address is verified.")] bool? EmailVerified = null,
        [property: Description("Whether the phone number is verified.")] bool? PhoneIdVerified = null,
        [property: Description("`{PIN, Skipped}`."), Example("""{"PIN": "1357"}""", IsJson = true)] PinInfo? PINInfo = null) : RequestBody<NewAccountBody>
    {
        [JsonExtensionData, Description("Further profile fields, by their LoginRadius names.")]
        public Dictionary<string, JsonElement>? ProfileFields { get; init; }
    }

    /// <summary>
    /// Changes to an account; absent fields are kept. Besides the fields below, any settable field of the LoginRadius
    /// Profile is taken by its name.
    /// </summary>
    public sealed record AccountChange(
        [property: Description("Whether the e-mail address is verified.")] bool? EmailVerified = null,
        [property: Description("Whether the phone number is verified.")] bool? PhoneIdVerified = null,
        [property: Description("`false` blocks the account and kills its tokens and sessions; `true` unblocks (and lifts a Block lockout).")] bool? IsActive = null,
        [property: Description("`false` lifts any lockout."), Example("false", IsJson = true)] bool? IsLoginLocked = null,
        [property: Description("`{PIN, Skipped}`: `PIN` sets the PIN (`null` clears it)."), Example("""{"PIN": "2468"}""", IsJson = true)] PinInfo? PINInfo = null,
        [property: Description("Answers by question id (1 to 64 letters, digits, '_' or '-'); an empty answer removes it.")] Dictionary<string, string?>? SecurityQuestionAnswer = null,
        [property: Description("Replaces the account's e-mail addresses (1 to 10 `{Type, Value}`; new ones claimed: 936, dropped ones free again)."), Example("""[{"Type": "Primary", "Value": "jane@example.com"}]""", IsJson = true)] List<EmailEntry?>? Email = null,
        [property: Description("A new user name (1017 when taken; the old one is free again).")] string? UserName = null,
        [property: Description("A new phone number (1058 when taken; the old one is free again; unverified unless `PhoneIdVerified: true`).")] string? PhoneId = null) : RequestBody<AccountChange>
    {
        [JsonExtensionData, Description("Further profile fields, by their LoginRadius names.")]
        public Dictionary<string, JsonElement>? ProfileFields { get; init; }
    }

    /// <summary>A new password.</summary>
    public sealed record NewPassword(
        [property: JsonPropertyName("password"), Description("The new password, as the tenant's password policy allows."), Example("correct-horse-43")] string? Password) : RequestBody<NewPassword>;

    /// <summary>LoginRadius answers with the new hash; PinOrleans never shows one.</summary>
    public sealed record PasswordSet([property: Description("Always `********`.")] string PasswordHash);

    /// <summary>An account was deleted by its e-mail address.</summary>
    public sealed record DeletedByEmail(
        [property: Description("Always true.")] bool IsDeleted,
        [property: Description("Always 1.")] int RecordsDeleted);

    private static async Task<Results<Ok<Profile>, Refusal>> UpdateAccountAsync(TrustedTenant tenant, [Description(UidNote)] string uid, AccountChange body, IGrainFactory grains)
    {
        var user = UserGrain(tenant.ApiKey, uid, grains);
        var pinField = body.Json.Property("PINInfo") is { ValueKind: JsonValueKind.Object } info ? JsonBody.Find(info, "PIN") : null;
        var pinPresent = pinField is not null;
        var update = new AccountUpdate
        {
            ProfileFields = ProfileJson.ReadProfileFields(body.Json.Root),
            EmailVerified = body.EmailVerified,
            PhoneIdVerified = body.PhoneIdVerified,
            IsActive = body.IsActive,
            IsLoginLocked = body.IsLoginLocked,
            // "PINInfo": {"PIN": null} clears the PIN; a PINInfo without PIN leaves it. Whether PIN is there and its
            // value are read from the same (first) PINInfo, so a second key in other casing cannot split them.
            SetsPin = pinPresent,
            Pin = pinPresent && JsonBody.StringOf(pinField, "PINInfo.PIN") is { } pin ? new Sensitive(pin) : (Sensitive?)null,
            PinSkipped = body.PINInfo?.Skipped,
            SecurityAnswers = Fields.SecurityAnswers(body.Json, "SecurityQuestionAnswer"),
            Identifiers = body.Email is null && body.UserName is null && body.PhoneId is null
                ? null
                : new IdentifierChange
                {
                    Emails = body.Email is null ? null : Emails(body.Email) is { Count: > 0 } emails ? emails : throw JsonBody.Invalid("Email", "The Email field must hold at least one {Type, Value}."),
                    UserName = body.UserName is null ? null : Fields.Required(body.UserName.Trim(), "UserName"),
                    PhoneId = body.PhoneId is null ? null : Fields.Required(body.PhoneId.Trim(), "PhoneId"),
                },
        };
        return Render(await user.UpdateAsync(tenant, update));
    }

    private static async Task<Results<Ok<PasswordSet>, Refusal>> SetPasswordAsync(TrustedTenant tenant, [Description(UidNote)] string uid, NewPassword body, IGrainFactory grains)
    {
        var user = UserGrain(tenant.ApiKey, uid, grains);
        var password = Fields.Required(body.Password, "password");
        var problem = await user.SetPasswordAsync(tenant, password);
        // LoginRadius answers with the new hash; PinOrleans never shows one.
        return LoginRadiusJson.Answer(problem, new PasswordSet("********"));
    }

    private static async Task<Results<Ok<Deleted>, Refusal>> DeleteByUidAsync(TrustedTenant tenant, [Description(UidNote)] string uid, IGrainFactory grains)
    {
        var problem = await UserGrain(tenant.ApiKey, uid, grains).DeleteAsync(tenant);
        return LoginRadiusJson.Answer(problem, Deleted.Yes);
    }

    private static async Task<Results<Ok<DeletedByEmail>, Refusal>> DeleteByEmailAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "email"), Required, Description("The account's e-mail address (missing: 908)."), Example("jane@example.com")] string? email,
        IGrainFactory grains)
    {
        var problem = await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, email!)).DeleteOwnerAsync(tenant);
        return LoginRadiusJson.Answer(problem, new DeletedByEmail(true, 1));
    }

    /// <summary>The user grain of a Uid from the request; 1200 when it cannot be a Uid.</summary>
    internal static IUserGrain UserGrain(string apiKey, string uid, IGrainFactory grains) =>
        grains.Reference<IUserGrain>(AccountKeys.User(apiKey, CheckedUid(uid)));

    /// <summary>A Uid as LoginRadius allows it (1 to 50 of letters, digits, '_' and '-'), lower-cased; else 1200.</summary>
    internal static string CheckedUid(string uid) =>
        uid.Length is > 0 and <= 50 && uid.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? uid.ToLowerInvariant()
            : throw LoginRadiusException.Of(ErrorCode.UidNotValid);

    private static async Task<Results<Ok<Profile>, Refusal>> GetAccountByIdentifierAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "email"), Description("The account's e-mail address (one of email, username, phone is required: 908)."), Example("jane@example.com")] string? email,
        [FromQuery(Name = "username"), Description("The account's user name (`userName` works too: query keys match in any casing).")] string? userName,
        [FromQuery(Name = "phone"), Description("The account's phone number.")] string? phone,
        IGrainFactory grains)
    {
        var (kind, value) = email is not null ? (IdentifierKind.Email, email)
            : userName is not null ? (IdentifierKind.UserName, userName)
            : phone is not null ? (IdentifierKind.Phone, phone)
            : throw new LoginRadiusException(LoginRadiusError.MissingParameter("email"));
        return Render(await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, value)).GetProfileAsync());
    }

    private static async Task<Results<Ok<Profile>, Refusal>> GetAccountByUidAsync(TrustedTenant tenant, [Description(UidNote)] string uid, IGrainFactory grains) =>
        Render(await UserGrain(tenant.ApiKey, uid, grains).GetProfileAsync());

    internal static Results<Ok<Profile>, Refusal> Render(AccountOutcome outcome) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(new Profile(outcome.Profile!));

    private static async Task<Results<Ok<Profile>, Refusal>> CreateAccountAsync(TrustedTenant tenant, NewAccountBody body, IGrainFactory grains)
    {
        var newAccount = NewAccountOf(body.Email, body.Password, body.UserName, body.PhoneId, body.PINInfo, body.Json) with
        {
            EmailVerified = body.EmailVerified,
            PhoneIdVerified = body.PhoneIdVerified,
        };
        var user = grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, AccountKeys.NewUid()));
        return Render(await user.CreateAsync(tenant, newAccount));
    }

    /// <summary>The account a create or registration body describes (not yet validated: the account grain does that).</summary>
    internal static NewAccount NewAccountOf(List<EmailEntry?>? emails, string? password, string? userName, string? phoneId, PinInfo? pinInfo, JsonBody json) => new()
    {
        Email = Emails(emails),
        Password = password is { } given ? new Sensitive(given) : (Sensitive?)null,
        UserName = userName,
        PhoneId = phoneId,
        Pin = pinInfo?.PIN is { } pin ? new Sensitive(pin) : (Sensitive?)null,
        PinSkipped = pinInfo?.Skipped,
        ProfileFields = ProfileJson.ReadProfileFields(json.Root),
    };

    /// <summary><c>Email</c>: at most 10 <c>{"Type": "Primary", "Value": "a@b.c"}</c>.</summary>
    private static List<EmailAddress> Emails(List<EmailEntry?>? emails)
    {
        if (emails is null)
        {
            return [];
        }

        if (emails.Count > 10)
        {
            throw JsonBody.Invalid("Email", "The Email field must be an array of at most 10 {Type, Value} objects.");
        }

        return emails.Select(e => e is null
            ? throw JsonBody.Invalid("Email", "Each Email entry must be an object {Type, Value}.")
            : new EmailAddress(e.Type ?? "Primary", e.Value ?? "")).ToList();
    }
}
