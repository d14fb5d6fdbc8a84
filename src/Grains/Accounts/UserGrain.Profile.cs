using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>What the account holder changes with an access token: the user name, the phone number; and what the security questions route reads.</summary>
public sealed partial class UserGrain
{
    public async Task<Problem?> SetUserNameAsync(TenantSnapshot tenant, string userName)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        if (AccountRules.UserNameError(userName) is { } error)
        {
            return Problem.Validation("username", error);
        }

        var user = state.State;
        var name = userName.Trim();
        var old = user.UserName;
        var changes = old is null || AccountKeys.Normalize(IdentifierKind.UserName, old) != AccountKeys.Normalize(IdentifierKind.UserName, name);

        // As an account is created: the new name is claimed first, then the account written, then the old name given up.
        // A crash in between leaves the new name claimed (this account owns it) or the old one not yet released; never
        // an account whose name another account may claim.
        var claimed = GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, IdentifierKind.UserName, name));
        if (changes && await claimed.ClaimAsync(Uid) != Uid)
        {
            return new Problem(ErrorCode.UserNameAlreadyExists);
        }

        var now = time.GetUtcNow();
        user.UserName = name;
        user.ModifiedDate = now;
        Raise(tenant, user, WebhookEvents.SetUsername, now);
        try
        {
            await WriteOrDeactivateAsync();
        }
        catch when (changes)
        {
            await claimed.ReleaseAsync(Uid);
            throw;
        }

        if (changes && old is not null)
        {
            await GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, IdentifierKind.UserName, old)).ReleaseAsync(Uid);
        }

        return null;
    }

    public async Task<Problem?> RemovePhoneAsync(TenantSnapshot tenant)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        if (user.PhoneId is not { } phone)
        {
            return new Problem(ErrorCode.PhoneDoesNotExist);
        }

        if (user.Email.Count == 0 && user.UserName is null)
        {
            // The holder could never log in again.
            return Problem.Validation("PhoneId", "The phone number is the account's only identifier; add an e-mail address or a user name first.");
        }

        var now = time.GetUtcNow();
        user.PhoneId = null;
        user.PhoneIdVerified = false;
        user.ModifiedDate = now;
        Raise(tenant, user, WebhookEvents.RemovePhoneId, now);
        // Written first, released after: a crash in between leaves the number reserved for this account, never on two accounts.
        await WriteOrDeactivateAsync();
        await GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, IdentifierKind.Phone, phone)).ReleaseAsync(Uid);
        return null;
    }

    public Task<IReadOnlyList<string>?> SecurityQuestionIdsAsync() =>
        Task.FromResult<IReadOnlyList<string>?>(Exists ? state.State.SecurityAnswers.Keys.Order(StringComparer.Ordinal).ToList() : null);
}
