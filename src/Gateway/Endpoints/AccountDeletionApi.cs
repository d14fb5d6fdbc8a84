using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// The account holder deletes their account: <c>DELETE auth/account</c> e-mails a deletion link (a one-time secret of
/// <see cref="SecretPurpose.AccountDeletion"/>), <c>GET auth/account/delete</c> spends its token and deletes.
/// </summary>
public static class AccountDeletionApi
{
    public static IEndpointRouteBuilder MapAccountDeletionApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Profile by access token");
        auth.MapDelete("/account", RequestDeletionAsync)
            .WithName("DeleteAccountWithEmailConfirmation")
            .WithSummary("E-mails the access token's account a link that deletes it (IsDeleteRequestAccepted).")
            .WithDescription("Sends the account of the access token an e-mail with a deletion link (`<deleteurl or Recovery:DeleteAccountUrl>?vtype=deleteuser&vtoken=<delete token>`, single use, `Recovery:ResetTokenMinutes` long; a newer request replaces the older link, which then answers 979). Nothing is deleted until the link's token comes back to `GET /identity/v2/auth/account/delete`. A `deleteurl` whose origin is neither the tenant's page nor on `AllowedDomains`, or no page at all, is 1248 and nothing is sent. The caller holds the account's access token, so the answer waits for the mail server and names its refusals: 1023 the account has no e-mail address, 1122 over the hourly sending limit, 1072 the mail server refused.")
            .Refuses(ErrorCode.ResetPinUrlInvalid, ErrorCode.EmailDoesNotExist, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked);
        auth.MapGet("/account/delete", DeleteByTokenAsync)
            .WithName("DeleteAccountByDeleteToken")
            .WithSummary("Deletes the account of a deletion link's token (IsPosted).")
            .WithDescription("Spends the delete token of the e-mail `DELETE /identity/v2/auth/account` sent and deletes the account as `DELETE /identity/v2/manage/account/{uid}` does: its identifiers are free again, every token and PIN session of it ends, and `DeleteAccount` is raised. 1119 for a token that is malformed, unknown, wrong (a wrong secret for a live link counts toward the account's lockout) or already used (its account is gone); 975 expired; 979 replaced by a newer deletion request; a locked account answers its lock's code.")
            .Refuses(ErrorCode.DeleteTokenInvalid, ErrorCode.LinkExpired, ErrorCode.LinkUnavailable)
            .Raises(WebhookEvents.DeleteAccount, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        return app;
    }

    /// <summary>LoginRadius' answer to a deletion request: <c>{"IsDeleteRequestAccepted": true}</c>.</summary>
    public sealed record DeleteRequestAccepted([property: Description("Always true: the deletion e-mail went out.")] bool IsDeleteRequestAccepted = true);

    private static async Task<Results<Ok<DeleteRequestAccepted>, Refusal>> RequestDeletionAsync(
        Tenant tenant,
        UserToken token,
        [FromQuery(Name = "deleteurl"), Description("The page the deletion link opens (default: the tenant's `Recovery:DeleteAccountUrl`); its origin must be that page's or on `AllowedDomains`: otherwise 1248 and nothing is sent.")] string? deleteUrl,
        [FromQuery(Name = "emailtemplate"), Description("The name of one of the tenant's e-mail templates (default: the tenant's `accountdeletion`).")] string? emailTemplate,
        IGrainFactory grains)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        // Uniform answers hide whether an identifier has an account; this caller proved it has one, so it hears why not.
        var owner = tenant.Snapshot with { Settings = tenant.Settings with { UniformAnswers = false } };
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailToAccountAsync(owner, SecretPurpose.AccountDeletion, grant.Uid, null, deleteUrl, emailTemplate);
        return LoginRadiusJson.Answer(outcome.Problem, new DeleteRequestAccepted());
    }

    private static async Task<Results<Ok<Posted>, Refusal>> DeleteByTokenAsync(
        Tenant tenant,
        [FromQuery(Name = "deletetoken"), Required, Description("The `vtoken` of the deletion e-mail's link (missing: 908).")] string? deleteToken,
        IGrainFactory grains)
    {
        var proof = ResetTokens.Parse(deleteToken!) ?? throw LoginRadiusException.Of(ErrorCode.DeleteTokenInvalid);
        var uid = await grains.Reference<ISecretLinkGrain>(ResetTokens.Key(tenant.ApiKey, proof.Selector!)).ResolveAsync(tenant.ApiKey)
            ?? throw LoginRadiusException.Of(ErrorCode.DeleteTokenInvalid);
        var problem = await grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).DeleteByTokenAsync(tenant, proof);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }
}
