using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace PinOrleans.Messaging;

/// <summary>One e-mail to send.</summary>
public sealed record MailMessage(IReadOnlyList<string> To, string Subject, string Text, string? Html);

/// <summary>Sends e-mail; throws <see cref="MessageDeliveryException"/> when it cannot.</summary>
public interface IEmailSender
{
    bool IsConfigured { get; }

    Task SendAsync(MailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A message could not be handed to its provider.</summary>
public sealed class MessageDeliveryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// SMTP through MailKit: a connection per message, a timeout per attempt, a retry for transient failures; TLS
/// (STARTTLS or implicit) to every host that is not loopback unless <c>Email:AllowInsecure</c>, so a server without
/// STARTTLS gets nothing, neither credentials nor a reset link.
/// </summary>
public sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.Host);

    public async Task SendAsync(MailMessage message, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!IsConfigured)
        {
            throw new MessageDeliveryException("No SMTP server is configured (Email:Host).");
        }

        var security = o.EffectiveSecurity() ?? throw new MessageDeliveryException(
            $"SMTP {o.Host}:{o.Port} is not on loopback and Email:Security is None: TLS is required (Email:AllowInsecure allows cleartext).");
        var mime = new MimeMessage { Subject = message.Subject };
        mime.From.Add(MailboxAddress.Parse(o.From));
        mime.To.AddRange(message.To.Select(MailboxAddress.Parse));
        var body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html };
        mime.Body = body.ToMessageBody();

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(o.TimeoutSeconds));
                await client.ConnectAsync(o.Host!, o.Port, security, timeout.Token);
                if (!client.IsSecure && !o.CleartextAllowed)
                {
                    // Never reached with the options above; a second check before credentials or a message go out.
                    throw new NotSupportedException("The SMTP connection is not encrypted.");
                }

                if (!string.IsNullOrEmpty(o.UserName))
                {
                    await client.AuthenticateAsync(o.UserName, o.Password ?? "", timeout.Token);
                }

                await client.SendAsync(mime, timeout.Token);
                await client.DisconnectAsync(quit: true, timeout.Token);
                LogSent(logger, message.To.Count, o.Host!, o.Port);
                return;
            }
            catch (Exception e) when (attempt < o.Attempts && IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                LogRetry(logger, o.Host!, o.Port, e.GetType().Name);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new MessageDeliveryException($"SMTP {o.Host}:{o.Port} refused or failed: {e.GetType().Name}", e);
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        SmtpCommandException command => (int)command.StatusCode is >= 400 and < 500,
        SmtpProtocolException or ServiceNotConnectedException or IOException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail to {Recipients} recipient(s) handed to {Host}:{Port}")]
    private static partial void LogSent(ILogger logger, int recipients, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP {Host}:{Port} failed ({Error}); trying again")]
    private static partial void LogRetry(ILogger logger, string host, int port, string error);
}
