using MailKit.Security;

namespace PinOrleans.Messaging;

/// <summary>The SMTP server forgot-PIN e-mails go through (configuration section <c>Email</c>).</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>SMTP host. Unset: e-mail is not configured and forgot-PIN e-mails answer 1072.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>MailKit's <see cref="SecureSocketOptions"/>: <c>StartTlsWhenAvailable</c> (default), <c>StartTls</c>, <c>SslOnConnect</c>, <c>None</c>.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, as an address or <c>Name &lt;address&gt;</c>.</summary>
    public string From { get; set; } = "PinOrleans <no-reply@pinorleans.local>";

    /// <summary>Per attempt: connect, send and quit.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Attempts when the server cannot be reached or answers with a transient (4xx) error.</summary>
    public int Attempts { get; set; } = 2;
}

/// <summary>Where SMS and voice OTPs go (configuration section <c>Sms</c>).</summary>
public sealed class SmsOptions
{
    public const string Section = "Sms";

    /// <summary><c>None</c> (1071), <c>Twilio</c> (any Twilio-compatible REST API at <see cref="BaseUrl"/>) or <c>File</c> (development outbox).</summary>
    public string Provider { get; set; } = "None";

    public string BaseUrl { get; set; } = "https://api.twilio.com";

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>The sending number (E.164), unless <see cref="MessagingServiceSid"/> is set.</summary>
    public string? From { get; set; }

    public string? MessagingServiceSid { get; set; }

    /// <summary>Voice OTPs (<c>isvoiceotp=true</c>) through the Calls API; off answers 1281. Needs <see cref="From"/>.</summary>
    public bool VoiceEnabled { get; set; }

    /// <summary>Provider <c>File</c>: the JSON-lines outbox every message is appended to (development only).</summary>
    public string? OutboxFile { get; set; }

    public int TimeoutSeconds { get; set; } = 10;
}
