using System.Net;
using MailKit.Security;

namespace PinOrleans.Messaging;

/// <summary>The SMTP server forgot-PIN e-mails go through (configuration section <c>Email</c>).</summary>
public sealed class EmailOptions
{
    public const string Section = "Email";

    /// <summary>SMTP host. Unset: e-mail is not configured and forgot-PIN e-mails answer 1072.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>
    /// MailKit's <see cref="SecureSocketOptions"/>: <c>StartTlsWhenAvailable</c> (default), <c>StartTls</c>,
    /// <c>SslOnConnect</c>, <c>Auto</c>, <c>None</c>. To a host that is not loopback TLS is required whatever this
    /// says (see <see cref="EffectiveSecurity"/>) unless <see cref="AllowInsecure"/>.
    /// </summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    /// <summary>Allows a cleartext SMTP connection to a host that is not loopback (reset links and OTPs readable on the wire). Default: false.</summary>
    public bool AllowInsecure { get; set; }

    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, as an address or <c>Name &lt;address&gt;</c>.</summary>
    public string From { get; set; } = "PinOrleans <no-reply@pinorleans.local>";

    /// <summary>Per attempt: connect, send and quit.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Attempts in all when the server cannot be reached, drops the connection, does not answer within
    /// <see cref="TimeoutSeconds"/> or answers with a transient (4xx) error; a permanent (5xx) refusal is not retried.
    /// </summary>
    public int Attempts { get; set; } = 2;

    /// <summary>Whether e-mail may travel in clear: to a loopback host (localhost, 127.0.0.0/8, ::1), or when <see cref="AllowInsecure"/>.</summary>
    public bool CleartextAllowed => AllowInsecure || string.Equals(Host?.Trim(), "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(Host?.Trim().Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>
    /// How the connection is secured: <see cref="Security"/> where cleartext is allowed; otherwise TLS is required
    /// (<c>StartTlsWhenAvailable</c> becomes <c>StartTls</c>, <c>Auto</c> is <c>SslOnConnect</c> on port 465 and
    /// <c>StartTls</c> elsewhere), and <c>None</c> is refused (null).
    /// </summary>
    public SecureSocketOptions? EffectiveSecurity() => CleartextAllowed ? Security : Security switch
    {
        SecureSocketOptions.None => null,
        SecureSocketOptions.Auto => Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls,
        SecureSocketOptions.StartTlsWhenAvailable => SecureSocketOptions.StartTls,
        var required => required,
    };
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
