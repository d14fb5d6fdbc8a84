using System.Globalization;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

/// <summary>The schema rules an account must satisfy; every failed field is reported, as LoginRadius 1134 does.</summary>
public static class AccountRules
{
    private const int MaxEmailLength = 254;
    private const int MaxUserNameLength = 100;

    public static Problem? Validate(NewAccount account, TenantSettings settings)
    {
        var errors = new List<FieldError>();
        // A self-registration by phone needs no e-mail address; everything else does.
        if (account.Email.Count == 0 && !(account.SelfRegistered && account.PhoneId is not null))
        {
            errors.Add(new FieldError("Email", "The Email field is required."));
        }

        foreach (var email in account.Email)
        {
            if (!IsEmail(email.Value))
            {
                errors.Add(new FieldError("Email", "The Email field is not a valid e-mail address."));
            }

            if (string.IsNullOrWhiteSpace(email.Type) || email.Type.Length > 50 || HasControl(email.Type))
            {
                errors.Add(new FieldError("Email.Type", "The Email Type field is not valid."));
            }
        }

        if (account.Email.Select(e => AccountKeys.Normalize(IdentifierKind.Email, e.Value)).Distinct().Count() != account.Email.Count)
        {
            errors.Add(new FieldError("Email", "The same e-mail address is given twice."));
        }

        if (PasswordError(account.Password?.Value, settings.Password, IdentifiersOf(account.Email, account.UserName, account.PhoneId)) is { } passwordError)
        {
            errors.Add(new FieldError("Password", passwordError));
        }

        if (account.UserName is { } userName && UserNameError(userName) is { } userNameError)
        {
            errors.Add(new FieldError("UserName", userNameError));
        }

        if (account.PhoneId is { } phone && !IsPhone(phone))
        {
            errors.Add(new FieldError("PhoneId", "The PhoneId field must be a phone number in international format, e.g. +14155550100."));
        }

        if (account.Pin is { } pin && PinError(pin.Value, settings.Pin) is { } pinError)
        {
            errors.Add(new FieldError("PIN", pinError));
        }

        return errors.Count == 0 ? null : new Problem(ErrorCode.ValidationFailed) { Errors = errors };
    }

    /// <summary>Why a user name cannot be one (1 to 100 characters, no spaces or control characters), or null.</summary>
    public static string? UserNameError(string userName) =>
        userName.Trim().Length == 0 || userName.Length > MaxUserNameLength || userName.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? $"The UserName field must be 1 to {MaxUserNameLength} characters without spaces."
            : null;

    /// <summary>Why a new PIN breaks the tenant's PIN policy, or null when it does not.</summary>
    public static string? PinError(string pin, PinPolicy policy) => policy.ErrorFor(pin);

    /// <summary>
    /// The one check of a new password against the tenant's password policy (length, complexity, not one of the
    /// account's identifiers), for every path that sets one: 1134 naming <paramref name="field"/>, or null. The
    /// history (the last N passwords) needs hashing: the user grain checks it after this (<c>NewPasswordProblemAsync</c>).
    /// </summary>
    public static Problem? PasswordProblem(TenantSnapshot tenant, UserState user, Sensitive? password, string field = "Password") =>
        PasswordProblem(tenant.Settings.Password, password, IdentifiersOf(user.Email, user.UserName, user.PhoneId), field);

    /// <summary><see cref="PasswordProblem(TenantSnapshot, UserState, Sensitive?, string)"/> for an account that does not exist yet (registration): its identifiers as given.</summary>
    public static Problem? PasswordProblem(PasswordPolicy policy, Sensitive? password, IEnumerable<string?> identifiers, string field = "Password") =>
        PasswordError(password?.Value, policy, identifiers) is { } error ? Problem.Validation(field, error) : null;

    /// <summary>Why a password breaks the tenant's password policy (history aside), or null when it does not.</summary>
    public static string? PasswordError(string? password, PasswordPolicy policy, IEnumerable<string?>? identifiers = null)
    {
        if (string.IsNullOrEmpty(password))
        {
            return "The Password field is required.";
        }

        var length = new StringInfo(password).LengthInTextElements;
        if (length < policy.MinLength || length > policy.MaxLength)
        {
            return $"The Password field must be {policy.MinLength} to {policy.MaxLength} characters long.";
        }

        if (HasControl(password))
        {
            return "The Password field may not contain control characters.";
        }

        var missing = new List<string>();
        if (policy.RequireUppercase && !password.Any(char.IsUpper))
        {
            missing.Add("an uppercase letter");
        }

        if (policy.RequireLowercase && !password.Any(char.IsLower))
        {
            missing.Add("a lowercase letter");
        }

        if (policy.RequireDigit && !password.Any(char.IsDigit))
        {
            missing.Add("a digit");
        }

        if (policy.RequireSpecial && password.All(char.IsLetterOrDigit))
        {
            missing.Add("a special character");
        }

        if (missing.Count > 0)
        {
            return $"The Password field must contain {string.Join(", ", missing)}.";
        }

        var equalsIdentifier = policy.RejectIdentifiers && (identifiers ?? []).Any(id =>
            id is not null && string.Equals(id.Trim(), password.Trim(), StringComparison.OrdinalIgnoreCase));
        return equalsIdentifier ? "The Password field may not be the account's e-mail address, user name or phone number." : null;
    }

    /// <summary>The identifiers a password may not equal: e-mail addresses, user name, phone number.</summary>
    public static IEnumerable<string?> IdentifiersOf(IEnumerable<EmailAddress> emails, string? userName, string? phone) =>
        emails.Select(e => (string?)e.Value).Append(userName).Append(phone);

    internal static bool IsEmail(string value)
    {
        if (value.Length is 0 or > MaxEmailLength || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned))
        {
            return false;
        }

        var at = value.LastIndexOf('@');
        if (at <= 0 || at > 64 || value.IndexOf('@') != at)
        {
            return false;
        }

        var domain = value[(at + 1)..];
        return domain.Length >= 3 && domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.') && !domain.Contains("..");
    }

    internal static bool IsPhone(string value)
    {
        var digits = value.StartsWith('+') ? value[1..] : value;
        return digits.Length is >= 7 and <= 15 && digits.All(char.IsAsciiDigit);
    }

    internal static bool HasControl(string value) => value.Any(char.IsControl);
}
