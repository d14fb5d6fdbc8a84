using Microsoft.Extensions.Logging;
using PinOrleans.Accounts;
using PinOrleans.Messaging;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Recovery;

/// <summary>
/// Forgot PIN: finds the account, has it issue a reset (it records the hashes), renders the tenant's template and
/// hands the message to SMTP or the SMS provider. Stateless and reentrant: it holds nothing and mostly awaits the
/// network, so a slow mail server never queues other requests behind it or holds an account's turn.
/// </summary>
[StatelessWorker, Reentrant]
public sealed partial class PinRecoveryGrain(IEmailSender email, ISmsSender sms, PooledHasher hasher, ILogger<PinRecoveryGrain> logger) : Grain, IPinRecoveryGrain
{
    public async Task<ForgotPinOutcome> SendResetEmailAsync(TenantSnapshot tenant, IdentifierKind kind, string identifier, string? resetPinUrl, string? template)
    {
        var policy = tenant.Settings.Recovery;
        // Before anything is looked up or sent: a link may only open the tenant's page or an allowed origin.
        var (page, refusal) = AllowedLinks.Resolve(resetPinUrl, policy.ResetPinUrl, tenant.Settings.AllowedDomains);
        if (page is null)
        {
            LogLinkRefused(logger, tenant.ApiKey, refusal!);
            return Fail(ErrorCode.ResetPinUrlInvalid);
        }

        if (!email.IsConfigured)
        {
            LogNotConfigured(logger, "e-mail (Email:Host)");
            return Fail(ErrorCode.MessageSendFailed);
        }

        var ticket = await BeginAsync(tenant, kind, identifier, RecoveryChannel.Email);
        if (ticket.Problem is { } problem)
        {
            return await RefusedAsync(tenant, problem, hashes: 2);
        }

        var values = Values(tenant, ticket, MessageTemplates.ResetLink(page, ticket.ResetToken!.Value.Value), ticket.Otp!.Value.Value);
        var chosen = MessageTemplates.Email(policy, template);
        var message = new MailMessage(
            ticket.Emails,
            MessageTemplates.Render(chosen.Subject, values),
            MessageTemplates.Render(chosen.Text, values),
            chosen.Html is null ? null : MessageTemplates.Render(chosen.Html, values, html: true));
        return await DeliverAsync(tenant, "e-mail", async () =>
        {
            await email.SendAsync(message);
            return null;
        });
    }

    public async Task<ForgotPinOutcome> SendResetOtpAsync(TenantSnapshot tenant, string phone, string? template, bool voice)
    {
        if (!sms.CanSend)
        {
            return Fail(ErrorCode.SmsNotConfigured);
        }

        if (voice && !sms.CanCall)
        {
            return Fail(ErrorCode.VoiceOtpNotConfigured);
        }

        var ticket = await BeginAsync(tenant, IdentifierKind.Phone, phone, voice ? RecoveryChannel.Voice : RecoveryChannel.Sms);
        if (ticket.Problem is { } problem)
        {
            return await RefusedAsync(tenant, problem, hashes: 1);
        }

        var otp = ticket.Otp!.Value.Value;
        // A voice reads digits one by one.
        var text = MessageTemplates.Render(MessageTemplates.Sms(tenant.Settings.Recovery, template), Values(tenant, ticket, null, voice ? string.Join(", ", otp.ToCharArray()) : otp));
        return await DeliverAsync(tenant, voice ? "voice call" : "SMS", async Task<SmsReceipt?> () => voice ? await sms.CallAsync(ticket.Phone!, text) : await sms.SendAsync(ticket.Phone!, text));
    }

    /// <summary>
    /// Hands the message over. With uniform answers it goes out in the background and the request is answered at
    /// once, so neither the answer nor its timing tells a known account from an unknown one (delivery failures
    /// are logged); otherwise the answer waits for the provider and reports its refusal (1072).
    /// </summary>
    private async Task<ForgotPinOutcome> DeliverAsync(TenantSnapshot tenant, string channel, Func<Task<SmsReceipt?>> send)
    {
        if (tenant.Settings.UniformAnswers)
        {
            _ = SendLoggingFailuresAsync(tenant, channel, send);
            return new ForgotPinOutcome(null);
        }

        try
        {
            return new ForgotPinOutcome(null, await send());
        }
        catch (MessageDeliveryException e)
        {
            LogFailed(logger, channel, tenant.ApiKey, e.Message);
            return Fail(ErrorCode.MessageSendFailed);
        }
    }

    private async Task SendLoggingFailuresAsync(TenantSnapshot tenant, string channel, Func<Task<SmsReceipt?>> send)
    {
        try
        {
            await send();
        }
        catch (Exception e)
        {
            LogFailed(logger, channel, tenant.ApiKey, e.Message);
        }
    }

    /// <summary>
    /// The account could not have a reset (unknown, blocked, locked, no address, sending limit). With uniform
    /// answers: the hashing an issued reset costs, and the answer a sent one gets; otherwise its own code.
    /// </summary>
    private async Task<ForgotPinOutcome> RefusedAsync(TenantSnapshot tenant, Problem problem, int hashes)
    {
        if (!tenant.Settings.UniformAnswers)
        {
            return new ForgotPinOutcome(problem);
        }

        await Task.WhenAll(Enumerable.Range(0, hashes).Select(_ => hasher.HashAsync(new Sensitive(SecretToken.New()), HashLane.Anonymous)));
        return new ForgotPinOutcome(null);
    }

    /// <summary>The account by identifier, asked to issue a reset; an unknown identifier answers 1023, 1022 or 1043.</summary>
    private async Task<PinResetTicket> BeginAsync(TenantSnapshot tenant, IdentifierKind kind, string identifier, RecoveryChannel channel)
    {
        var notFound = kind.NotFound();
        var uid = await GrainFactory.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier)).ResolveAsync();
        if (uid is null)
        {
            return PinResetTicket.Fail(notFound);
        }

        var ticket = await GrainFactory.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).BeginPinResetAsync(tenant, channel);
        return ticket.Problem?.Code == ErrorCode.UserDoesNotExist ? PinResetTicket.Fail(notFound) : ticket;
    }

    private static MessageValues Values(TenantSnapshot tenant, PinResetTicket ticket, string? link, string otp) => new(
        tenant.Name, ticket.Name, link, ticket.ResetToken?.Value, otp, tenant.Settings.Recovery.ResetTokenMinutes, tenant.Settings.Recovery.OtpMinutes);

    private static ForgotPinOutcome Fail(ErrorCode code) => new(new Problem(code));

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot-PIN e-mail for tenant {ApiKey} refused: the reset page {Refusal}")]
    private static partial void LogLinkRefused(ILogger logger, string apiKey, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forgot-PIN message refused: {Channel} is not configured")]
    private static partial void LogNotConfigured(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forgot-PIN {Channel} for tenant {ApiKey} could not be delivered: {Reason}")]
    private static partial void LogFailed(ILogger logger, string channel, string apiKey, string reason);
}
