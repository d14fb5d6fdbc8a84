using System.Net;
using System.Text;
using PinOrleans.Recovery;
using PinOrleans.Tenants;

namespace PinOrleans.Messaging;

/// <summary>
/// The values a message can show. <c>{{ResetLink}}</c>/<c>{{Link}}</c>, <c>{{ResetToken}}</c>/<c>{{Token}}</c> and
/// <c>{{ResetTokenMinutes}}</c>/<c>{{LinkMinutes}}</c> are the same values under their PIN-reset and general names.
/// </summary>
public sealed record MessageValues(string AppName, string Name, string? ResetLink, string? ResetToken, string Otp, int ResetTokenMinutes, int OtpMinutes);

/// <summary>
/// Built-in templates per <see cref="SecretPurpose"/> and placeholder rendering (<c>{{Name}}</c> style). A request's
/// <c>emailtemplate</c>/<c>smstemplate</c> names one of the tenant's templates; without one, the tenant's template
/// named after the purpose (<see cref="DefaultName"/>) is used, else the built-in one.
/// </summary>
public static class MessageTemplates
{
    public static readonly EmailTemplate DefaultResetEmail = new()
    {
        Subject = "Reset the PIN of your {{AppName}} account",
        Text = """
            Hello {{Name}},

            Someone, hopefully you, asked to reset the PIN of your {{AppName}} account.

            Choose a new PIN here (the link works once, for {{ResetTokenMinutes}} minutes):
            {{ResetLink}}

            Or enter this code in the app (valid for {{OtpMinutes}} minutes): {{Otp}}

            If you did not ask for this, ignore this e-mail; your PIN stays as it is.
            """,
        Html = """
            <p>Hello {{Name}},</p>
            <p>Someone, hopefully you, asked to reset the PIN of your {{AppName}} account.</p>
            <p><a href="{{ResetLink}}">Choose a new PIN</a> (the link works once, for {{ResetTokenMinutes}} minutes).</p>
            <p>Or enter this code in the app (valid for {{OtpMinutes}} minutes): <strong>{{Otp}}</strong></p>
            <p>If you did not ask for this, ignore this e-mail; your PIN stays as it is.</p>
            """,
    };

    public const string DefaultResetSms = "{{AppName}}: your PIN reset code is {{Otp}}. It expires in {{OtpMinutes}} minutes.";

    private static readonly Dictionary<SecretPurpose, (EmailTemplate Email, string Sms)> Defaults = new()
    {
        [SecretPurpose.PinReset] = (DefaultResetEmail, DefaultResetSms),
        [SecretPurpose.PasswordReset] = (new EmailTemplate
        {
            Subject = "Reset the password of your {{AppName}} account",
            Text = """
                Hello {{Name}},

                Someone, hopefully you, asked to reset the password of your {{AppName}} account.

                Choose a new password here (the link works once, for {{LinkMinutes}} minutes):
                {{Link}}

                Or enter this code in the app (valid for {{OtpMinutes}} minutes): {{Otp}}

                If you did not ask for this, ignore this e-mail; your password stays as it is.
                """,
            Html = """
                <p>Hello {{Name}},</p>
                <p>Someone, hopefully you, asked to reset the password of your {{AppName}} account.</p>
                <p><a href="{{Link}}">Choose a new password</a> (the link works once, for {{LinkMinutes}} minutes).</p>
                <p>Or enter this code in the app (valid for {{OtpMinutes}} minutes): <strong>{{Otp}}</strong></p>
                <p>If you did not ask for this, ignore this e-mail; your password stays as it is.</p>
                """,
        }, "{{AppName}}: your password reset code is {{Otp}}. It expires in {{OtpMinutes}} minutes."),
        [SecretPurpose.EmailVerification] = (new EmailTemplate
        {
            Subject = "Verify your e-mail address for {{AppName}}",
            Text = """
                Hello {{Name}},

                Please confirm that this is your e-mail address (the link works once, for {{LinkMinutes}} minutes):
                {{Link}}

                Or enter this code in the app (valid for {{OtpMinutes}} minutes): {{Otp}}

                If you did not create an account with {{AppName}}, ignore this e-mail.
                """,
            Html = """
                <p>Hello {{Name}},</p>
                <p><a href="{{Link}}">Confirm that this is your e-mail address</a> (the link works once, for {{LinkMinutes}} minutes).</p>
                <p>Or enter this code in the app (valid for {{OtpMinutes}} minutes): <strong>{{Otp}}</strong></p>
                <p>If you did not create an account with {{AppName}}, ignore this e-mail.</p>
                """,
        }, "{{AppName}}: your verification code is {{Otp}}. It expires in {{OtpMinutes}} minutes."),
        [SecretPurpose.PhoneVerification] = (new EmailTemplate(), "{{AppName}}: your phone verification code is {{Otp}}. It expires in {{OtpMinutes}} minutes."),
        [SecretPurpose.AccountDeletion] = (new EmailTemplate
        {
            Subject = "Confirm the deletion of your {{AppName}} account",
            Text = """
                Hello {{Name}},

                Someone, hopefully you, asked to delete your {{AppName}} account. This cannot be undone.

                To delete it, open this link (it works once, for {{LinkMinutes}} minutes):
                {{Link}}

                If you did not ask for this, ignore this e-mail; your account stays as it is.
                """,
            Html = """
                <p>Hello {{Name}},</p>
                <p>Someone, hopefully you, asked to delete your {{AppName}} account. This cannot be undone.</p>
                <p><a href="{{Link}}">Delete my account</a> (the link works once, for {{LinkMinutes}} minutes).</p>
                <p>If you did not ask for this, ignore this e-mail; your account stays as it is.</p>
                """,
        }, ""),
    };

    /// <summary>The name of the tenant's template a purpose uses when the request names none: <c>default</c> for PIN resets (as before), else the purpose in lower case (<c>passwordreset</c>, <c>emailverification</c>, ...).</summary>
    public static string DefaultName(SecretPurpose purpose) => purpose == SecretPurpose.PinReset ? "default" : purpose.ToString().ToLowerInvariant();

    /// <summary>The tenant's template of that name, else the tenant's template for the purpose, else the built-in one.</summary>
    public static EmailTemplate Email(RecoveryPolicy policy, string? name, SecretPurpose purpose = SecretPurpose.PinReset) =>
        name is { Length: > 0 } && policy.EmailTemplates.TryGetValue(name, out var template) ? template
        : policy.EmailTemplates.TryGetValue(DefaultName(purpose), out var tenantDefault) ? tenantDefault
        : Defaults[purpose].Email;

    public static string Sms(RecoveryPolicy policy, string? name, SecretPurpose purpose = SecretPurpose.PinReset) =>
        name is { Length: > 0 } && policy.SmsTemplates.TryGetValue(name, out var template) ? template
        : policy.SmsTemplates.TryGetValue(DefaultName(purpose), out var tenantDefault) ? tenantDefault
        : Defaults[purpose].Sms;

    public static string Render(string template, MessageValues values, bool html = false)
    {
        string Encode(string? value) => html ? WebUtility.HtmlEncode(value ?? "") : value ?? "";
        return new StringBuilder(template)
            .Replace("{{AppName}}", Encode(values.AppName))
            .Replace("{{Name}}", Encode(values.Name))
            .Replace("{{ResetLink}}", Encode(values.ResetLink))
            .Replace("{{Link}}", Encode(values.ResetLink))
            .Replace("{{ResetToken}}", Encode(values.ResetToken))
            .Replace("{{Token}}", Encode(values.ResetToken))
            .Replace("{{Otp}}", Encode(values.Otp))
            .Replace("{{ResetTokenMinutes}}", values.ResetTokenMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("{{LinkMinutes}}", values.ResetTokenMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("{{OtpMinutes}}", values.OtpMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToString();
    }

    /// <summary>The welcome e-mail (no secret in it): sent when an address is verified, or by <c>auth/account/sendwelcomeemail</c>.</summary>
    public static readonly EmailTemplate DefaultWelcomeEmail = new()
    {
        Subject = "Welcome to {{AppName}}",
        Text = """
            Hello {{Name}},

            Welcome to {{AppName}}: your account is ready.
            """,
        Html = """
            <p>Hello {{Name}},</p>
            <p>Welcome to {{AppName}}: your account is ready.</p>
            """,
    };

    /// <summary>The tenant's welcome template of that name (<c>welcomeemailtemplate</c>), else its <c>welcome</c> template, else the built-in one.</summary>
    public static EmailTemplate Welcome(RecoveryPolicy policy, string? name) =>
        name is { Length: > 0 } && policy.EmailTemplates.TryGetValue(name, out var template) ? template
        : policy.EmailTemplates.TryGetValue("welcome", out var tenantDefault) ? tenantDefault
        : DefaultWelcomeEmail;

    /// <summary>The link: <paramref name="page"/> (checked by <see cref="AllowedLinks"/>) with <c>vtype=…&amp;vtoken=…</c> added to its query (the purpose's <see cref="SecretRules.LinkType"/>).</summary>
    public static string Link(Uri page, SecretPurpose purpose, string token)
    {
        var builder = new UriBuilder(page);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "vtype=" + purpose.Rules().LinkType + "&vtoken=" + Uri.EscapeDataString(token);
        return builder.Uri.AbsoluteUri;
    }
}
