using System.Net;
using System.Text;
using PinOrleans.Tenants;

namespace PinOrleans.Messaging;

/// <summary>The values a forgot-PIN message can show.</summary>
public sealed record MessageValues(string AppName, string Name, string? ResetLink, string? ResetToken, string Otp, int ResetTokenMinutes, int OtpMinutes);

/// <summary>Built-in templates and placeholder rendering (<c>{{Name}}</c> style).</summary>
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

    /// <summary>The tenant's template of that name, or the built-in one (null, empty or unknown name).</summary>
    public static EmailTemplate Email(RecoveryPolicy policy, string? name) =>
        name is { Length: > 0 } && policy.EmailTemplates.TryGetValue(name, out var template) ? template
        : policy.EmailTemplates.TryGetValue("default", out var tenantDefault) ? tenantDefault
        : DefaultResetEmail;

    public static string Sms(RecoveryPolicy policy, string? name) =>
        name is { Length: > 0 } && policy.SmsTemplates.TryGetValue(name, out var template) ? template
        : policy.SmsTemplates.TryGetValue("default", out var tenantDefault) ? tenantDefault
        : DefaultResetSms;

    public static string Render(string template, MessageValues values, bool html = false)
    {
        string Encode(string? value) => html ? WebUtility.HtmlEncode(value ?? "") : value ?? "";
        return new StringBuilder(template)
            .Replace("{{AppName}}", Encode(values.AppName))
            .Replace("{{Name}}", Encode(values.Name))
            .Replace("{{ResetLink}}", Encode(values.ResetLink))
            .Replace("{{ResetToken}}", Encode(values.ResetToken))
            .Replace("{{Otp}}", Encode(values.Otp))
            .Replace("{{ResetTokenMinutes}}", values.ResetTokenMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("{{OtpMinutes}}", values.OtpMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToString();
    }

    /// <summary>The reset link: <paramref name="page"/> (checked by <see cref="AllowedLinks"/>) with <c>vtype=resetpin&amp;vtoken=…</c> added to its query.</summary>
    public static string ResetLink(Uri page, string token)
    {
        var builder = new UriBuilder(page);
        var query = builder.Query.TrimStart('?');
        builder.Query = (query.Length > 0 ? query + "&" : "") + "vtype=resetpin&vtoken=" + Uri.EscapeDataString(token);
        return builder.Uri.AbsoluteUri;
    }
}
