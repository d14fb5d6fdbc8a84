using Microsoft.Extensions.Logging;
using PinOrleans.Accounts;
using PinOrleans.Messaging;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Recovery;

/// <summary>
/// Messages carrying one-time secrets: finds the account, has it issue the secret (it records the hashes), renders
/// the tenant's template for the purpose and hands the message to SMTP or the SMS provider. Stateless and reentrant:
/// it holds nothing and mostly awaits the network, so a slow mail server never queues other requests behind it or
/// holds an account's turn.
/// </summary>
[StatelessWorker, Reentrant]
public sealed partial class AccountMessagesGrain(IEmailSender email, ISmsSender sms, PooledHasher hasher, ILogger<AccountMessagesGrain> logger) : Grain, IAccountMessagesGrain
{
    public async Task<MessageOutcome> SendEmailAsync(TenantSnapshot tenant, SecretPurpose purpose, IdentifierKind kind, string identifier, string? url, string? template)
    {
        var notFound = kind.NotFound();
        return await SendEmailAsync(tenant, purpose, url, template, async () =>
            await ResolveAsync(tenant, kind, identifier) is { } uid
                ? NotFoundAs(await Account(tenant, uid).BeginSecretAsync(tenant, purpose, RecoveryChannel.Email), notFound)
                : SecretTicket.Fail(notFound));
    }

    public Task<MessageOutcome> SendEmailToAccountAsync(TenantSnapshot tenant, SecretPurpose purpose, string uid, string? address, string? url, string? template) =>
        SendEmailAsync(tenant, purpose, url, template, () => Account(tenant, uid).BeginSecretAsync(tenant, purpose, RecoveryChannel.Email, address));

    public async Task<MessageOutcome> SendOtpAsync(TenantSnapshot tenant, SecretPurpose purpose, string phone, string? template, bool voice) =>
        await SendOtpAsync(tenant, purpose, template, voice, async () =>
            await ResolveAsync(tenant, IdentifierKind.Phone, phone) is { } uid
                ? NotFoundAs(await Account(tenant, uid).BeginSecretAsync(tenant, purpose, voice ? RecoveryChannel.Voice : RecoveryChannel.Sms), ErrorCode.PhoneDoesNotExist)
                : SecretTicket.Fail(ErrorCode.PhoneDoesNotExist));

    public Task<MessageOutcome> SendOtpToAccountAsync(TenantSnapshot tenant, SecretPurpose purpose, string uid, string? phone, string? template, bool voice) =>
        SendOtpAsync(tenant, purpose, template, voice, () => Account(tenant, uid).BeginSecretAsync(tenant, purpose, voice ? RecoveryChannel.Voice : RecoveryChannel.Sms, phone));

    public async Task<MessageOutcome> SendWelcomeEmailAsync(TenantSnapshot tenant, string uid, string? template)
    {
        if (!email.IsConfigured)
        {
            LogNotConfigured(logger, "Welcome", "e-mail (Email:Host)");
            return Fail(ErrorCode.MessageSendFailed);
        }

        if ((await Account(tenant, uid).GetProfileAsync()).Profile is not { } profile)
        {
            return Fail(ErrorCode.UserDoesNotExist);
        }

        if (profile.Email.Count == 0)
        {
            return Fail(ErrorCode.EmailDoesNotExist);
        }

        var name = profile.ProfileFields.TryGetValue("FirstName", out var raw) && System.Text.Json.JsonSerializer.Deserialize<string>(raw) is { Length: > 0 } first
            ? first
            : profile.UserName ?? profile.Email[0].Value;
        var values = new MessageValues(tenant.Name, name, null, null, "", 0, 0);
        var chosen = MessageTemplates.Welcome(tenant.Settings.Recovery, template);
        var message = new MailMessage(
            profile.Email.Select(e => e.Value).ToList(),
            MessageTemplates.Render(chosen.Subject, values),
            MessageTemplates.Render(chosen.Text, values),
            chosen.Html is null ? null : MessageTemplates.Render(chosen.Html, values, html: true));
        return await DeliverAsync(tenant, "Welcome", "e-mail", async () =>
        {
            await email.SendAsync(message);
            return null;
        }, tenant.Settings.UniformAnswers);
    }

    private async Task<MessageOutcome> SendEmailAsync(TenantSnapshot tenant, SecretPurpose purpose, string? url, string? template, Func<Task<SecretTicket>> begin)
    {
        var rules = purpose.Rules();
        // Before anything is looked up or sent: a link may only open the tenant's page or an allowed origin.
        var (page, refusal) = AllowedLinks.Resolve(url, rules.DefaultPage(tenant.Settings), tenant.Settings.AllowedDomains);
        if (page is null)
        {
            LogLinkRefused(logger, rules.Description, tenant.ApiKey, refusal!);
            return Fail(rules.UrlRefused);
        }

        if (!email.IsConfigured)
        {
            LogNotConfigured(logger, rules.Description, "e-mail (Email:Host)");
            return Fail(ErrorCode.MessageSendFailed);
        }

        var ticket = await begin();
        if (ticket.Problem is { } problem)
        {
            return await RefusedAsync(tenant, problem, hashes: rules.EmailOtp ? 2 : 1);
        }

        return await MailAsync(tenant, purpose, page, template, ticket, background: tenant.Settings.UniformAnswers);
    }

    public async Task<TokenIssued> IssueTokenAsync(TenantSnapshot tenant, SecretPurpose purpose, IdentifierKind kind, string identifier, string? url, string? template, bool send)
    {
        var rules = purpose.Rules();
        Uri? page = null;
        if (send)
        {
            // As for any message: the link's page is checked before anything is looked up or issued.
            (page, var refusal) = AllowedLinks.Resolve(url, rules.DefaultPage(tenant.Settings), tenant.Settings.AllowedDomains);
            if (page is null)
            {
                LogLinkRefused(logger, rules.Description, tenant.ApiKey, refusal!);
                return new TokenIssued(new Problem(rules.UrlRefused));
            }

            if (!email.IsConfigured)
            {
                LogNotConfigured(logger, rules.Description, "e-mail (Email:Host)");
                return new TokenIssued(new Problem(ErrorCode.MessageSendFailed));
            }
        }

        var ticket = await ResolveAsync(tenant, kind, identifier) is { } uid
            ? NotFoundAs(await Account(tenant, uid).BeginSecretAsync(tenant, purpose, RecoveryChannel.Email), kind.NotFound())
            : SecretTicket.Fail(kind.NotFound());
        if (ticket.Problem is { } problem)
        {
            return new TokenIssued(problem);
        }

        var sent = page is null ? null : await MailAsync(tenant, purpose, page, template, ticket, background: false);
        return sent?.Problem is { } failed ? new TokenIssued(failed) : new TokenIssued(null, ticket.ResetToken);
    }

    /// <summary>Renders the purpose's e-mail (the tenant's template or the built-in one) for the ticket and hands it over.</summary>
    private Task<MessageOutcome> MailAsync(TenantSnapshot tenant, SecretPurpose purpose, Uri page, string? template, SecretTicket ticket, bool background)
    {
        var values = Values(tenant, purpose, ticket, MessageTemplates.Link(page, purpose, ticket.ResetToken!.Value.Value), ticket.Otp?.Value ?? "");
        var chosen = MessageTemplates.Email(tenant.Settings.Recovery, template, purpose);
        var message = new MailMessage(
            ticket.Emails,
            MessageTemplates.Render(chosen.Subject, values),
            MessageTemplates.Render(chosen.Text, values),
            chosen.Html is null ? null : MessageTemplates.Render(chosen.Html, values, html: true));
        return DeliverAsync(tenant, purpose.Rules().Description, "e-mail", async () =>
        {
            await email.SendAsync(message);
            return null;
        }, background);
    }

    private async Task<MessageOutcome> SendOtpAsync(TenantSnapshot tenant, SecretPurpose purpose, string? template, bool voice, Func<Task<SecretTicket>> begin)
    {
        if (!sms.CanSend)
        {
            return Fail(ErrorCode.SmsNotConfigured);
        }

        if (voice && !sms.CanCall)
        {
            return Fail(ErrorCode.VoiceOtpNotConfigured);
        }

        var ticket = await begin();
        if (ticket.Problem is { } problem)
        {
            return await RefusedAsync(tenant, problem, hashes: 1);
        }

        var otp = ticket.Otp!.Value.Value;
        // A voice reads digits one by one.
        var text = MessageTemplates.Render(MessageTemplates.Sms(tenant.Settings.Recovery, template, purpose), Values(tenant, purpose, ticket, null, voice ? string.Join(", ", otp.ToCharArray()) : otp));
        return await DeliverAsync(tenant, purpose.Rules().Description, voice ? "voice call" : "SMS", async Task<SmsReceipt?> () => voice ? await sms.CallAsync(ticket.Phone!, text) : await sms.SendAsync(ticket.Phone!, text), tenant.Settings.UniformAnswers);
    }

    /// <summary>
    /// Hands the message over. In the <paramref name="background"/> (uniform answers) it goes out while the request
    /// is answered at once, so neither the answer nor its timing tells a known account from an unknown one (delivery
    /// failures are logged); otherwise the answer waits for the provider and reports its refusal (1072).
    /// </summary>
    private async Task<MessageOutcome> DeliverAsync(TenantSnapshot tenant, string purpose, string channel, Func<Task<SmsReceipt?>> send, bool background)
    {
        if (background)
        {
            _ = SendLoggingFailuresAsync(tenant, purpose, channel, send);
            return new MessageOutcome(null);
        }

        try
        {
            return new MessageOutcome(null, await send());
        }
        catch (MessageDeliveryException e)
        {
            LogFailed(logger, purpose, channel, tenant.ApiKey, e.Message);
            return Fail(ErrorCode.MessageSendFailed);
        }
    }

    private async Task SendLoggingFailuresAsync(TenantSnapshot tenant, string purpose, string channel, Func<Task<SmsReceipt?>> send)
    {
        try
        {
            await send();
        }
        catch (Exception e)
        {
            LogFailed(logger, purpose, channel, tenant.ApiKey, e.Message);
        }
    }

    /// <summary>
    /// The account could not have the secret (unknown, blocked, locked, no address, sending limit). With uniform
    /// answers: the hashing an issued one costs, and the answer a sent one gets; otherwise its own code.
    /// </summary>
    private async Task<MessageOutcome> RefusedAsync(TenantSnapshot tenant, Problem problem, int hashes)
    {
        if (!tenant.Settings.UniformAnswers)
        {
            return new MessageOutcome(problem);
        }

        await Task.WhenAll(Enumerable.Range(0, hashes).Select(_ => hasher.HashAsync(new Sensitive(SecretToken.New()), HashLane.Anonymous)));
        return new MessageOutcome(null);
    }

    private async Task<string?> ResolveAsync(TenantSnapshot tenant, IdentifierKind kind, string identifier) =>
        await GrainFactory.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier)).ResolveAsync();

    private IUserGrain Account(TenantSnapshot tenant, string uid) => GrainFactory.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));

    /// <summary>An identifier whose account is gone answers as an unknown identifier does.</summary>
    private static SecretTicket NotFoundAs(SecretTicket ticket, ErrorCode notFound) =>
        ticket.Problem?.Code == ErrorCode.UserDoesNotExist ? SecretTicket.Fail(notFound) : ticket;

    private static MessageValues Values(TenantSnapshot tenant, SecretPurpose purpose, SecretTicket ticket, string? link, string otp) => new(
        tenant.Name, ticket.Name, link, ticket.ResetToken?.Value, otp, purpose.Rules().LinkMinutes(tenant.Settings), tenant.Settings.Recovery.OtpMinutes);

    private static MessageOutcome Fail(ErrorCode code) => new(new Problem(code));

    [LoggerMessage(Level = LogLevel.Information, Message = "{Purpose} e-mail for tenant {ApiKey} refused: the link's page {Refusal}")]
    private static partial void LogLinkRefused(ILogger logger, string purpose, string apiKey, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Purpose} message refused: {Channel} is not configured")]
    private static partial void LogNotConfigured(ILogger logger, string purpose, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Purpose} {Channel} for tenant {ApiKey} could not be delivered: {Reason}")]
    private static partial void LogFailed(ILogger logger, string purpose, string channel, string apiKey, string reason);
}
