using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

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
/// SMTP through MailKit: a connection per message, through a resilience pipeline as every outbound call goes
/// (<see cref="Pipeline"/>: a timeout per attempt and for the whole, retries of transient failures, a circuit
/// breaker); TLS (STARTTLS or implicit) to every host that is not loopback unless <c>Email:AllowInsecure</c>, so a
/// server without STARTTLS gets nothing, neither credentials nor a reset link.
/// </summary>
public sealed partial class SmtpEmailSender(IOptions<EmailOptions> options, ResiliencePipelineProvider<string> pipelines, ILogger<SmtpEmailSender> logger) : IEmailSender
{
    /// <summary>The resilience pipeline's name.</summary>
    public const string Pipeline = "smtp";

    /// <summary>
    /// The sender and its pipeline, as the standard HTTP pipeline of the SMS provider is built: total timeout, retry,
    /// circuit breaker, attempt timeout (outermost first). Retried: the server unreachable, dropping the connection,
    /// not answering within <c>Email:TimeoutSeconds</c>, or a transient (4xx) reply, up to <c>Email:Attempts</c> in
    /// all; a permanent refusal (5xx: no such mailbox, relaying denied, wrong credentials) or a TLS failure is not.
    /// The pipeline's clock is the host's <see cref="TimeProvider"/>.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        services.AddResiliencePipeline(Pipeline, (builder, context) =>
        {
            var o = context.ServiceProvider.GetRequiredService<IOptions<EmailOptions>>().Value;
            var log = context.ServiceProvider.GetRequiredService<ILogger<SmtpEmailSender>>();
            var attempt = TimeSpan.FromSeconds(Math.Max(1, o.TimeoutSeconds));
            var attempts = Math.Max(1, o.Attempts);
            var transient = new PredicateBuilder().Handle<Exception>(IsTransient);
            builder.TimeProvider = context.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
            // Every attempt's time, and a second per attempt for the waits between them.
            builder.AddTimeout((attempt + TimeSpan.FromSeconds(1)) * attempts);
            if (attempts > 1)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = attempts - 1,
                    Delay = TimeSpan.FromMilliseconds(200),
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = transient,
                    OnRetry = retry =>
                    {
                        LogRetry(log, o.Host ?? "", o.Port, retry.Outcome.Exception?.GetType().Name ?? "");
                        return ValueTask.CompletedTask;
                    },
                });
            }

            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions { ShouldHandle = transient, SamplingDuration = attempt * 2 });
            builder.AddTimeout(attempt);
        });
        services.TryAddSingleton<IEmailSender, SmtpEmailSender>();
    }

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

        try
        {
            await pipelines.GetPipeline(Pipeline).ExecuteAsync(token => new ValueTask(SendOnceAsync(o, security, mime, token)), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new MessageDeliveryException($"SMTP {o.Host}:{o.Port} refused or failed: {e.GetType().Name}", e);
        }

        LogSent(logger, message.To.Count, o.Host!, o.Port);
    }

    /// <summary>One attempt: connect, secure, authenticate, send, quit.</summary>
    private static async Task SendOnceAsync(EmailOptions o, SecureSocketOptions security, MimeMessage mime, CancellationToken cancellationToken)
    {
        // MailKit's own timeout per read and write, under the pipeline's per attempt.
        using var client = new SmtpClient { Timeout = Math.Max(1, o.TimeoutSeconds) * 1000 };
        await client.ConnectAsync(o.Host!, o.Port, security, cancellationToken);
        if (!client.IsSecure && !o.CleartextAllowed)
        {
            // Never reached with the options above; a second check before credentials or a message go out.
            throw new NotSupportedException("The SMTP connection is not encrypted.");
        }

        if (!string.IsNullOrEmpty(o.UserName))
        {
            await client.AuthenticateAsync(o.UserName, o.Password ?? "", cancellationToken);
        }

        await client.SendAsync(mime, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    /// <summary>Worth another attempt: the server unreachable, gone mid-way, silent, or answering 4xx (try again later).</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        SmtpCommandException command => (int)command.StatusCode is >= 400 and < 500,
        SmtpProtocolException or ServiceNotConnectedException or IOException or System.Net.Sockets.SocketException or TimeoutException or TimeoutRejectedException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail to {Recipients} recipient(s) handed to {Host}:{Port}")]
    private static partial void LogSent(ILogger logger, int recipients, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP {Host}:{Port} failed ({Error}); trying again")]
    private static partial void LogRetry(ILogger logger, string host, int port, string error);
}
