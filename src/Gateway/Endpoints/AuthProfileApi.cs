using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// What the account holder does with an access token: change the password, update the profile and security answers,
/// set the user name, remove the phone number, slide the access token; and the security questions an account has.
/// </summary>
public static class AuthProfileApi
{
    private const string IgnoredFieldsNote =
        " Fields a user may not change themselves are ignored, as LoginRadius ignores them: `Uid`, `EmailVerified`, `PhoneIdVerified`, `IsActive`, `IsLoginLocked`, `Password` (change it with `PUT /identity/v2/auth/password/change`) and `PINInfo` (change the PIN with `PUT /identity/v2/auth/pin/change`, which needs the current one). `Email`, `UserName` and `PhoneId` are ignored too: `PUT /identity/v2/auth/username` sets the user name; changing the e-mail address or phone number needs their verification.";

    private const string QuestionsNote =
        "The security questions (`QuestionId`, `Question`: the text configured in the tenant's `SecurityQuestions:Questions`) the account has answers for. By default (`UniformAnswers`) the answer does not depend on the account: it is every question the tenant configures, for a known and an unknown identifier alike. With `UniformAnswers: false` it is the account's questions, and an unknown identifier answers LoginRadius' code.";

    public static IEndpointRouteBuilder MapAuthProfileApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Profile by access token");
        auth.MapPut("/password/change", ChangePasswordAsync)
            .WithName("ChangePasswordByAccessToken").WithSummary("Changes the password given the current one (access token).")
            .WithDescription("Changes the password of the access token's account given the current one. The tenant's password policy applies to the new one (1134: length, complexity, not an identifier, not one of the last `Password:History` passwords). A wrong current password is 967 and counts toward the lockout. Every other session and token of the account ends (`Tokens:EndSessionsOnCredentialChange`); the caller's own login stays.")
            .Refuses(ErrorCode.CurrentPasswordInvalid, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.ChangePassword, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        auth.MapPut("/account", UpdateProfileAsync)
            .WithName("UpdateProfileByAccessToken").WithSummary("Updates profile fields and security answers of the access token's account; returns IsPosted and the profile.")
            .WithDescription("Updates profile fields of the access token's account: absent fields are kept, a field given replaces the stored one, `null` is ignored unless `nullsupport=true` (then it clears the field). `SecurityQuestionAnswer {\"<questionId>\": \"<answer>\"}` sets answers (hashed; `\"\"` removes one)." + IgnoredFieldsNote)
            .Refuses(ErrorCode.ValidationFailed)
            .RefusesMalformed("nullsupport")
            .Raises(WebhookEvents.UpdateProfile);
        auth.MapPut("/username", SetUserNameAsync)
            .WithName("SetOrChangeUserName").WithSummary("Sets or changes the user name of the access token's account (1017 when taken).")
            .WithDescription("Sets or changes the user name of the access token's account. A name another account has is 1017; the old name is free again afterwards.")
            .Refuses(ErrorCode.UserNameAlreadyExists, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.SetUsername);
        auth.MapDelete("/phone", RemovePhoneAsync)
            .WithName("RemovePhoneIdByAccessToken").WithSummary("Removes the phone number of the access token's account.")
            .WithDescription("Removes the phone number (`PhoneId`) of the access token's account; the number is free again. 1043 when the account has none. (An account whose only identifier is its phone number keeps it: 1134.)")
            .Refuses(ErrorCode.PhoneDoesNotExist)
            .Raises(WebhookEvents.RemovePhoneId);
        auth.MapGet("/access_token/sliding_token", SlideAsync)
            .WithName("SlidingAccessToken").WithSummary("Trades a live access token for a new access and refresh token of the same login (Tokens:SlidingAccessToken).")
            .WithDescription("The sliding access token: a live access token is traded for a new access token (a full lifetime from now) and refresh token of the same login. The old access token ends and its refresh token is spent (presented again, it revokes the login as refresh-token reuse does); revoking the login revokes the new tokens too, and sliding never keeps a login past `Tokens:MaxRefreshFamilyDays` (905). Off unless the tenant's `Tokens:SlidingAccessToken` is on (909), as LoginRadius enables it on request.")
            .Refuses(ErrorCode.EndpointNotPermitted);
        foreach (var (kind, name) in ApiRequest.Identifiers)
        {
            auth.MapGet($"/securityquestion/{name}", (
                    Tenant tenant,
                    [FromQuery(Name = "email"), Description("The account's e-mail address (securityquestion/email; missing: 908)."), Example("jane@example.com")] string? email,
                    [FromQuery(Name = "username"), Description("The account's user name (securityquestion/username; `userName` works too).")] string? userName,
                    [FromQuery(Name = "phone"), Description("The account's phone number (securityquestion/phone).")] string? phone,
                    IGrainFactory grains) => QuestionsByIdentifierAsync(tenant, kind switch { IdentifierKind.Email => email, IdentifierKind.UserName => userName, _ => phone }, name, kind, grains))
                .WithName($"SecurityQuestionsBy{kind}").WithSummary($"The security questions of the account with this {name}.")
                .WithDescription($"`{name}` (query, required: 908). " + QuestionsNote)
                .Refuses(ErrorCode.SecurityQuestionsDisabled, kind.NotFound());
        }

        auth.MapGet("/securityquestion/accesstoken", QuestionsByAccessTokenAsync)
            .WithName("SecurityQuestionsByAccessToken").WithSummary("The security questions the access token's account has answers for.")
            .WithDescription("The security questions (`QuestionId`, `Question`: the text configured in the tenant's `SecurityQuestions:Questions`) the access token's account has answers for.")
            .Refuses(ErrorCode.SecurityQuestionsDisabled);
        return app;
    }

    /// <summary>The current and the new password (LoginRadius spells them <c>oldpassword</c> and <c>newpassword</c>; any casing works).</summary>
    public sealed record PasswordChange(
        [property: JsonPropertyName("oldpassword"), Description("The current password."), Example("correct-horse-42")] string? OldPassword,
        [property: JsonPropertyName("newpassword"), Description("The new password, as the tenant's password policy allows."), Example("correct-horse-43")] string? NewPassword,
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : LockProofBody<PasswordChange>;

    /// <summary>
    /// Profile changes by the account holder; absent fields are kept. Besides <c>SecurityQuestionAnswer</c>, any
    /// settable field of the LoginRadius Profile is taken by its name.
    /// </summary>
    public sealed record ProfileChange(
        [property: Description("Answers by question id (1 to 64 letters, digits, '_' or '-'); an empty answer removes it.")] Dictionary<string, string?>? SecurityQuestionAnswer = null,
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : RequestBody<ProfileChange>
    {
        [JsonExtensionData, Description("Profile fields, by their LoginRadius names.")]
        public Dictionary<string, JsonElement>? ProfileFields { get; init; }
    }

    /// <summary>The user name to set.</summary>
    public sealed record NewUserName(
        [property: JsonPropertyName("username"), Description("The new user name (1 to 100 characters, no spaces)."), Example("jane_doe")] string? UserName,
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : RequestBody<NewUserName>;

    /// <summary>The profile was updated.</summary>
    public sealed record ProfileUpdated(
        [property: Description("Always true.")] bool IsPosted,
        [property: Description("The account's profile after the update.")] Profile Data);

    /// <summary>A security question: its id and the text the tenant configures for it.</summary>
    public sealed record SecurityQuestion(
        [property: Description("The question's id (the key of its answer in `SecurityAnswer`).")] string QuestionId,
        [property: Description("The question, as the tenant's `SecurityQuestions:Questions` words it (empty when it has no text there).")] string Question);

    private static async Task<Results<Ok<Posted>, Refusal>> ChangePasswordAsync(Tenant tenant, UserToken token, PasswordChange body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var oldPassword = new Sensitive(Fields.Required(body.OldPassword, "oldpassword"));
        var newPassword = new Sensitive(Fields.Required(body.NewPassword, "newpassword"));
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var proof = await captcha.ProofAsync(request, body.Json, tenant);
        var problem = await User(grant, grains).ChangePasswordAsync(tenant, oldPassword, newPassword, proof, grant);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    private static async Task<Results<Ok<ProfileUpdated>, Refusal>> UpdateProfileAsync(
        Tenant tenant,
        UserToken token,
        ProfileChange body,
        [FromQuery(Name = "nullsupport"), Description("`true`: a profile field given as `null` is cleared (otherwise `null` is ignored).")] string? nullSupport,
        IGrainFactory grains)
    {
        var clearsNulls = nullSupport is null ? false : bool.TryParse(nullSupport, out var flag) ? flag : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("nullsupport"));
        var fields = ProfileJson.ReadProfileFields(body.Json.Root);
        var update = new AccountUpdate
        {
            ProfileFields = fields,
            ClearedFields = clearsNulls ? ProfileDocument.ReadClearedFields(body.Json.Root).Where(f => !fields.ContainsKey(f)).ToList() : [],
            SecurityAnswers = Fields.SecurityAnswers(body.Json, "SecurityQuestionAnswer"),
        };
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var outcome = await User(grant, grains).UpdateAsync(tenant, update);
        return outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(new ProfileUpdated(true, new Profile(outcome.Profile!)));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> SetUserNameAsync(Tenant tenant, UserToken token, NewUserName body, IGrainFactory grains)
    {
        var userName = Fields.Required(body.UserName, "username");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return LoginRadiusJson.Answer(await User(grant, grains).SetUserNameAsync(tenant, userName), Posted.Yes);
    }

    private static async Task<Results<Ok<Deleted>, Refusal>> RemovePhoneAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return LoginRadiusJson.Answer(await User(grant, grains).RemovePhoneAsync(tenant), Deleted.Yes);
    }

    private static async Task<Results<Ok<TokenPair>, Refusal>> SlideAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        if (!tenant.Settings.Tokens.SlidingAccessToken)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.EndpointNotPermitted));
        }

        var outcome = await ApiRequest.LoginTokens(token.Value, grains, ErrorCode.AccessTokenInvalid).SlideAsync(tenant, new Sensitive(token.Value));
        return outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(TokenPair.Of(outcome.Tokens!));
    }

    private static async Task<Results<Ok<List<SecurityQuestion>>, Refusal>> QuestionsByIdentifierAsync(Tenant tenant, string? identifier, string name, IdentifierKind kind, IGrainFactory grains)
    {
        var value = identifier ?? throw new LoginRadiusException(LoginRadiusError.MissingParameter(name));
        var policy = tenant.Settings.SecurityQuestions;
        if (!policy.Enabled)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.SecurityQuestionsDisabled));
        }

        if (tenant.Settings.UniformAnswers)
        {
            // Nothing is looked up: the answer is the same for every identifier, so it cannot tell them apart.
            return TypedResults.Ok(Questions(policy, policy.Questions.Keys.Order(StringComparer.Ordinal)));
        }

        var uid = await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, value)).ResolveAsync();
        var ids = uid is null ? null : await grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).SecurityQuestionIdsAsync();
        return ids is null ? LoginRadiusJson.Error(new Problem(kind.NotFound())) : TypedResults.Ok(Questions(policy, ids));
    }

    private static async Task<Results<Ok<List<SecurityQuestion>>, Refusal>> QuestionsByAccessTokenAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var policy = tenant.Settings.SecurityQuestions;
        if (!policy.Enabled)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.SecurityQuestionsDisabled));
        }

        var ids = await User(grant, grains).SecurityQuestionIdsAsync();
        return ids is null ? LoginRadiusJson.Error(new Problem(ErrorCode.UserDoesNotExist)) : TypedResults.Ok(Questions(policy, ids));
    }

    private static List<SecurityQuestion> Questions(Tenants.SecurityQuestionPolicy policy, IEnumerable<string> ids) =>
        ids.Select(id => new SecurityQuestion(id, policy.Questions.GetValueOrDefault(id, ""))).ToList();

    private static IUserGrain User(Sessions.TokenGrant grant, IGrainFactory grains) => grains.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid));
}
