using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>The account side of a change of Uid: the account at the new Uid takes over the old one's state (grain-to-grain only).</summary>
[Alias("PinOrleans.IAccountMoveGrain")]
public interface IAccountMoveGrain : IGrainWithStringKey
{
    /// <summary>Becomes <paramref name="moved"/> (an account moving here from <paramref name="fromUid"/>); 937 when this Uid has an account already (unless it is that same move, repeated).</summary>
    Task<Problem?> AdoptAsync(TenantSnapshot tenant, UserState moved, string fromUid);
}

/// <summary>
/// Every change of an account's identifiers (e-mail addresses, user name, phone number, Uid) goes one way: what is
/// new is claimed through the identifier grains first (taken: 936, 1017, 1058 and nothing changes), then the account
/// is written, then what is gone is released. A crash in between leaves a new identifier claimed by this account or
/// an old one not yet released; never an identifier on two accounts, never an account whose identifier another may
/// claim. No change of an identifier ends sessions: the credentials (password, PIN) are unchanged, and the holder
/// proved the session with them (docs/security-model.md).
/// </summary>
public sealed partial class UserGrain : IAccountMoveGrain
{
    /// <summary>At most as many e-mail addresses as an account may be created with.</summary>
    private const int MaxEmails = 10;

    /// <summary>
    /// The one identifier-change path: claims what <paramref name="change"/> adds, sets the identifiers, runs
    /// <paramref name="apply"/> (flags, events: it cannot refuse), writes, and releases what was dropped.
    /// </summary>
    private async Task<Problem?> ChangeIdentifiersAsync(TenantSnapshot tenant, IdentifierChange? change, Func<UserState, DateTimeOffset, Task> apply)
    {
        var user = state.State;
        var emails = change?.Emails?.Select(e => new EmailAddress(e.Type, e.Value.Trim())).ToList() ?? user.Email;
        var userName = Changed(change?.UserName, user.UserName);
        var phone = Changed(change?.PhoneId, user.PhoneId);
        if (change is not null && IdentifierProblem(emails, change.UserName is "" ? null : change.UserName, change.PhoneId is "" ? null : change.PhoneId) is { } invalid)
        {
            return invalid;
        }

        var before = Keyed(Identifiers(user.Email, user.UserName, user.PhoneId));
        var after = Keyed(Identifiers(emails, userName, phone));
        var claimed = new List<IIdentifierGrain>();
        foreach (var (key, (_, _, conflict)) in after.Where(a => !before.ContainsKey(a.Key)))
        {
            var index = GrainFactory.Reference<IIdentifierGrain>(key);
            if (await index.ClaimAsync(Uid) != Uid)
            {
                await ReleaseAsync(claimed);
                return new Problem(conflict);
            }

            claimed.Add(index);
        }

        var now = time.GetUtcNow();
        try
        {
            user.Email = emails;
            user.UserName = userName;
            if (phone != user.PhoneId)
            {
                // A new number is not proven by the old one's verification.
                user.PhoneIdVerified = false;
            }

            user.PhoneId = phone;
            user.UnverifiedEmails.RemoveAll(u => !emails.Any(e => SameEmail(e.Value, u)));
            user.ModifiedDate = now;
            await apply(user, now);
            await WriteOrDeactivateAsync();
        }
        catch
        {
            // Changed in memory, not written: the activation goes, so nothing unwritten is served.
            GrainContext.DeactivateUnwritten();
            await ReleaseAsync(claimed);
            throw;
        }

        await ReleaseAsync(before.Where(b => !after.ContainsKey(b.Key)).Select(b => GrainFactory.Reference<IIdentifierGrain>(b.Key)));
        return null;
    }

    /// <summary>A user name or number as changed: null keeps <paramref name="current"/>, blank removes it.</summary>
    private static string? Changed(string? given, string? current) =>
        given is null ? current : given.Trim() is { Length: > 0 } trimmed ? trimmed : null;

    private Dictionary<string, (IdentifierKind Kind, string Value, ErrorCode Conflict)> Keyed(IEnumerable<(IdentifierKind Kind, string Value, ErrorCode Conflict)> identifiers)
    {
        var keyed = new Dictionary<string, (IdentifierKind, string, ErrorCode)>(StringComparer.Ordinal);
        foreach (var identifier in identifiers)
        {
            keyed.TryAdd(AccountKeys.Identifier(ApiKey, identifier.Kind, identifier.Value), identifier);
        }

        return keyed;
    }

    /// <summary>The schema rules for identifiers being set: the addresses, a user name and a phone number given (1134), one Primary (1203).</summary>
    private static Problem? IdentifierProblem(List<EmailAddress> emails, string? userName, string? phone)
    {
        var errors = new List<FieldError>();
        if (emails.Count > MaxEmails)
        {
            errors.Add(new FieldError("Email", $"An account has at most {MaxEmails} e-mail addresses."));
        }

        if (emails.Any(e => !AccountRules.IsEmail(e.Value)))
        {
            errors.Add(new FieldError("Email", "The Email field is not a valid e-mail address."));
        }

        if (emails.Any(e => string.IsNullOrWhiteSpace(e.Type) || e.Type.Length > 50 || AccountRules.HasControl(e.Type)))
        {
            errors.Add(new FieldError("Email.Type", "The Email Type field is not valid."));
        }

        if (emails.Select(e => AccountKeys.Normalize(IdentifierKind.Email, e.Value)).Distinct().Count() != emails.Count)
        {
            errors.Add(new FieldError("Email", "The same e-mail address is given twice."));
        }

        if (userName is not null && AccountRules.UserNameError(userName) is { } userNameError)
        {
            errors.Add(new FieldError("UserName", userNameError));
        }

        if (phone is not null && !AccountRules.IsPhone(phone.Trim()))
        {
            errors.Add(new FieldError("PhoneId", "The PhoneId field must be a phone number in international format, e.g. +14155550100."));
        }

        if (errors.Count > 0)
        {
            return new Problem(ErrorCode.ValidationFailed) { Errors = errors };
        }

        return emails.Count(e => IsPrimary(e.Type)) > 1 ? new Problem(ErrorCode.OnlyOnePrimaryEmail) : null;
    }

    private static bool IsPrimary(string type) => type.Equals("Primary", StringComparison.OrdinalIgnoreCase);

    private static bool SameEmail(string a, string b) =>
        AccountKeys.Normalize(IdentifierKind.Email, a) == AccountKeys.Normalize(IdentifierKind.Email, b);

    /// <summary>An identifier change with one event: <paramref name="eventName"/>, raised with the account as changed.</summary>
    private async Task<AccountOutcome> ChangeAsync(TenantSnapshot tenant, IdentifierChange change, string eventName, Action<UserState>? flags = null)
    {
        if (!Exists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        var problem = await ChangeIdentifiersAsync(tenant, change, (user, now) =>
        {
            flags?.Invoke(user);
            Raise(tenant, user, eventName, now);
            return Task.CompletedTask;
        });
        return problem is null ? AccountOutcome.Of(state.State.ToProfile(time.GetUtcNow())) : AccountOutcome.Fail(problem);
    }

    public async Task<Problem?> SetUserNameAsync(TenantSnapshot tenant, string userName)
    {
        if (Exists && AccountRules.UserNameError(userName) is { } error)
        {
            return Problem.Validation("username", error);
        }

        return (await ChangeAsync(tenant, new IdentifierChange { UserName = userName }, WebhookEvents.SetUsername)).Problem;
    }

    public async Task<Problem?> RemovePhoneAsync(TenantSnapshot tenant)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        if (user.PhoneId is null)
        {
            return new Problem(ErrorCode.PhoneDoesNotExist);
        }

        if (user.Email.Count == 0 && user.UserName is null)
        {
            // The holder could never log in again.
            return Problem.Validation("PhoneId", "The phone number is the account's only identifier; add an e-mail address or a user name first.");
        }

        return (await ChangeAsync(tenant, new IdentifierChange { PhoneId = "" }, WebhookEvents.RemovePhoneId, u => u.PhoneIdVerified = false)).Problem;
    }

    public async Task<Problem?> AddEmailAsync(TenantSnapshot tenant, EmailAddress email)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        var address = email.Value.Trim();
        if (user.Email.Any(e => SameEmail(e.Value, address)))
        {
            return new Problem(ErrorCode.EmailAlreadyOnAccount);
        }

        if (user.Email.Count > 0 && !user.EmailVerified)
        {
            // LoginRadius: an account whose addresses are all unverified adds no other.
            return new Problem(ErrorCode.NoVerifiedEmail);
        }

        return (await ChangeAsync(tenant, new IdentifierChange { Emails = [.. user.Email, new EmailAddress(email.Type, address)] }, WebhookEvents.AddEmail, u =>
        {
            if (u.EmailVerified)
            {
                u.UnverifiedEmails.Add(address);
            }
        })).Problem;
    }

    public async Task<AccountOutcome> RemoveEmailAsync(TenantSnapshot tenant, string email)
    {
        if (!Exists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        var user = state.State;
        var removed = user.Email.FirstOrDefault(e => SameEmail(e.Value, email));
        if (removed is null)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.EmailDoesNotExist));
        }

        if (user.Email.Count == 1)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.LastEmailAddress));
        }

        var left = user.Email.Where(e => e != removed).ToList();
        if (IsPrimary(removed.Type) && !left.Any(e => IsPrimary(e.Type)))
        {
            // The account keeps a Primary address: the first of the others becomes it.
            left[0] = left[0] with { Type = "Primary" };
        }

        return await ChangeAsync(tenant, new IdentifierChange { Emails = left }, WebhookEvents.RemoveEmail, u =>
        {
            // Only unverified additions left: the account has no verified address any more.
            if (u.Email.All(e => u.IsUnverifiedAddition(e.Value)))
            {
                u.EmailVerified = false;
                u.UnverifiedEmails.Clear();
            }
        });
    }

    public async Task<AccountOutcome> UpsertEmailsAsync(TenantSnapshot tenant, IReadOnlyList<EmailAddress> emails)
    {
        if (!Exists)
        {
            return AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));
        }

        // LoginRadius: an address of a type the account has replaces that one; another type is added.
        var merged = state.State.Email.ToList();
        foreach (var email in emails)
        {
            var same = merged.FindIndex(e => e.Type.Equals(email.Type, StringComparison.OrdinalIgnoreCase));
            if (same >= 0)
            {
                merged[same] = email;
            }
            else
            {
                merged.Add(email);
            }
        }

        var added = emails.Where(e => !state.State.Email.Any(old => SameEmail(old.Value, e.Value))).Select(e => e.Value.Trim()).ToList();
        return await ChangeAsync(tenant, new IdentifierChange { Emails = merged }, WebhookEvents.AddEmail, u =>
        {
            // Not proven by a message: unverified until verified (or the administrator sets EmailVerified).
            if (u.EmailVerified)
            {
                u.UnverifiedEmails.AddRange(added);
            }
        });
    }

    public Task<AccountOutcome> SetPhoneAsync(TenantSnapshot tenant, string phone, bool verified)
    {
        if (Exists && state.State.PhoneId is { } current && AccountKeys.Normalize(IdentifierKind.Phone, current) == AccountKeys.Normalize(IdentifierKind.Phone, phone.Trim()))
        {
            // The number is the account's already: what a number taken by any account answers.
            return Task.FromResult(AccountOutcome.Fail(new Problem(ErrorCode.PhoneAlreadyExists)));
        }

        return ChangeAsync(tenant, new IdentifierChange { PhoneId = phone }, WebhookEvents.UpdatePhoneId, u => u.PhoneIdVerified = verified);
    }

    public async Task<Problem?> InvalidateVerificationAsync(TenantSnapshot tenant, SecretPurpose purpose)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        var byEmail = purpose == SecretPurpose.EmailVerification;
        if (byEmail ? user.Email.Count == 0 : user.PhoneId is null)
        {
            return new Problem(byEmail ? ErrorCode.NoEmailToInvalidate : ErrorCode.NoPhoneToInvalidate);
        }

        if (!(byEmail ? user.EmailVerified : user.PhoneIdVerified))
        {
            return new Problem(byEmail ? ErrorCode.EmailAlreadyUnverified : ErrorCode.PhoneAlreadyUnverified);
        }

        return await ChangeIdentifiersAsync(tenant, null, (u, now) =>
        {
            if (byEmail)
            {
                u.EmailVerified = false;
                u.UnverifiedEmails.Clear();
            }
            else
            {
                u.PhoneIdVerified = false;
            }

            Raise(tenant, u, byEmail ? WebhookEvents.InvalidateEmailVerification : WebhookEvents.InvalidatePhoneVerification, now);
            return Task.CompletedTask;
        });
    }

    /// <summary>A verification secret spent for <paramref name="target"/> (an added address) or for the account's addresses (null).</summary>
    private static void MarkEmailVerified(UserState user, string? target)
    {
        if (target is not null && !user.EmailVerified)
        {
            // Only this address was proven: the others stay unverified while the account counts as verified.
            user.UnverifiedEmails = user.Email.Select(e => e.Value).Where(e => !SameEmail(e, target)).ToList();
        }
        else if (target is not null)
        {
            user.UnverifiedEmails.RemoveAll(u => SameEmail(u, target));
        }

        user.EmailVerified = true;
    }

    public async Task<Problem?> ChangeUidAsync(TenantSnapshot tenant, string newUid)
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        var user = state.State;
        if (newUid == Uid)
        {
            return new Problem(ErrorCode.UidTaken);
        }

        if (user.MovingTo is { } pending && pending != newUid)
        {
            return Problem.Validation("NewUid", $"A change of this account's Uid to '{pending}' is in progress; repeat that request to complete it.");
        }

        if (user.MovingTo is null)
        {
            // Recorded before anything is copied: a crash from here on is completed by repeating the request.
            user.MovingTo = newUid;
            await WriteOrDeactivateAsync();
        }

        var target = GrainFactory.Reference<IAccountMoveGrain>(AccountKeys.User(ApiKey, newUid));
        if (await target.AdoptAsync(tenant, Copy(user, newUid), Uid) is { } refused)
        {
            user.MovingTo = null;
            await WriteOrDeactivateAsync();
            return refused;
        }

        foreach (var (kind, value, _) in Identifiers(user.Email, user.UserName, user.PhoneId))
        {
            await GrainFactory.Reference<IIdentifierGrain>(AccountKeys.Identifier(ApiKey, kind, value)).TransferAsync(Uid, newUid);
        }

        // The old Uid is gone: its tokens and PIN sessions name it, so they end with it. Its unsent events stay until handed over.
        await EndAllTrackedSessionsAsync();
        var tombstone = new UserState { Uid = Uid, Deleted = true, Outbox = user.Outbox };
        if (tombstone.Outbox.Count > 0)
        {
            state.State = tombstone;
            await WriteOrDeactivateAsync();
        }
        else
        {
            await state.ClearOrDeactivateAsync(GrainContext);
            state.State = new UserState();
            Written();
        }

        return null;
    }

    /// <summary>What the account at the new Uid starts from: everything but the old Uid's pending events, one-time secrets and move.</summary>
    private static UserState Copy(UserState user, string newUid) => new()
    {
        Uid = newUid,
        Email = user.Email,
        UserName = user.UserName,
        PhoneId = user.PhoneId,
        EmailVerified = user.EmailVerified,
        PhoneIdVerified = user.PhoneIdVerified,
        IsActive = user.IsActive,
        PasswordHash = user.PasswordHash,
        LastPasswordChangeDate = user.LastPasswordChangeDate,
        PinHash = user.PinHash,
        PinSkipped = user.PinSkipped,
        LastPINChangeDate = user.LastPINChangeDate,
        PinSkippedDate = user.PinSkippedDate,
        Failures = user.Failures,
        LockedBy = user.LockedBy,
        LockedUntil = user.LockedUntil,
        LockType = user.LockType,
        NoOfLogins = user.NoOfLogins,
        LastLoginDate = user.LastLoginDate,
        CreatedDate = user.CreatedDate,
        ModifiedDate = user.ModifiedDate,
        ProfileFields = user.ProfileFields,
        SecurityAnswers = user.SecurityAnswers,
        RecentEmails = user.RecentEmails,
        RecentSms = user.RecentSms,
        LastLockedAt = user.LastLockedAt,
        LockEscalations = user.LockEscalations,
        PasswordHistory = user.PasswordHistory,
        UnverifiedEmails = user.UnverifiedEmails,
        PreviousUids = [.. user.PreviousUids, user.Uid],
    };

    public async Task<Problem?> AdoptAsync(TenantSnapshot tenant, UserState moved, string fromUid)
    {
        if (Exists || _creating)
        {
            // A repeated request finds its own copy; any other account keeps its Uid.
            return Exists && state.State.PreviousUids.LastOrDefault() == fromUid ? null : new Problem(ErrorCode.UidTaken);
        }

        var now = time.GetUtcNow();
        moved.Uid = Uid;
        moved.ModifiedDate = now;
        state.State = moved;
        Raise(tenant, moved, WebhookEvents.UpdateUid, now);
        await WriteOrDeactivateAsync();
        return null;
    }
}
