using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Messaging;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>The e-mail and SMS senders against real loopback servers, and the template rules.</summary>
public sealed class MessagingTests
{
    private static ServiceProvider Services(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddPinOrleansMessaging(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task Smtp_delivers_text_and_html_to_a_real_server_and_fails_cleanly_when_none_listens()
    {
        await using var mail = new MailCatcher();
        await using var services = Services(new() { ["Email:Host"] = "127.0.0.1", ["Email:Port"] = mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Email:Security"] = "None" });
        var sender = services.GetRequiredService<IEmailSender>();
        await sender.SendAsync(new MailMessage(["a@example.com", "b@example.com"], "Subject ü", "Text body", "<p>Html</p>"));
        var message = await mail.LatestToAsync("b@example.com");
        Assert.Equal("Subject ü", message.Subject);
        Assert.Equal("Text body", message.TextBody?.Trim());
        Assert.Equal("<p>Html</p>", message.HtmlBody?.Trim());

        await using var nowhere = Services(new() { ["Email:Host"] = "127.0.0.1", ["Email:Port"] = TestEnvironment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), ["Email:Security"] = "None", ["Email:TimeoutSeconds"] = "2" });
        await Assert.ThrowsAsync<MessageDeliveryException>(() => nowhere.GetRequiredService<IEmailSender>().SendAsync(new MailMessage(["a@example.com"], "s", "t", null)));
        Assert.False(Services([]).GetRequiredService<IEmailSender>().IsConfigured);
    }

    [Fact]
    public async Task Twilio_sender_authenticates_posts_the_form_and_reports_refusals()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        Dictionary<string, string?> settings = new()
        {
            ["Sms:Provider"] = "Twilio", ["Sms:BaseUrl"] = twilio.BaseUrl, ["Sms:AccountSid"] = FakeTwilio.AccountSid,
            ["Sms:AuthToken"] = FakeTwilio.AuthToken, ["Sms:From"] = FakeTwilio.From, ["Sms:TimeoutSeconds"] = "4",
        };

        // The provider on loopback is reached only where the operator trusts that network (Outbound:TrustedNetworks).
        await using (var untrusted = Services(settings))
        {
            await Assert.ThrowsAsync<MessageDeliveryException>(() => untrusted.GetRequiredService<ISmsSender>().SendAsync("+15551234567", "hello"));
            Assert.Empty(twilio.Sent);
        }

        settings["Outbound:TrustedNetworks:0"] = "127.0.0.1/32";
        await using var services = Services(settings);
        var sms = services.GetRequiredService<ISmsSender>();
        var receipt = await sms.SendAsync("+15551234567", "hello");
        Assert.Equal(FakeTwilio.AccountSid, receipt.AccountSid);
        Assert.Equal("hello", (await twilio.LatestToAsync("+15551234567")).Body);
        Assert.False(sms.CanCall);

        await Assert.ThrowsAsync<MessageDeliveryException>(() => sms.SendAsync("not-a-number", "hello"));
        settings["Sms:AuthToken"] = "wrong";
        await using var unauthorized = Services(settings);
        await Assert.ThrowsAsync<MessageDeliveryException>(() => unauthorized.GetRequiredService<ISmsSender>().SendAsync("+15551234567", "hello"));
        Assert.False(Services([]).GetRequiredService<ISmsSender>().CanSend);
        Assert.Throws<InvalidOperationException>(() => Services(new() { ["Sms:Provider"] = "Carrier-pigeon" }));
    }

    [Fact]
    public void Templates_fall_back_to_the_default_and_encode_values_only_in_html()
    {
        var policy = new RecoveryPolicy { EmailTemplates = new() { ["brand"] = new EmailTemplate { Subject = "B {{Name}}", Text = "T" } } };
        Assert.Same(MessageTemplates.DefaultResetEmail, MessageTemplates.Email(policy, "unknown"));
        Assert.Equal("B {{Name}}", MessageTemplates.Email(policy, "brand").Subject);
        var values = new MessageValues("App", "<b>&", "https://x/?a=1&vtoken=t", "t", "123456", 30, 10);
        Assert.Equal("<b>& 123456 10", MessageTemplates.Render("{{Name}} {{Otp}} {{OtpMinutes}}", values));
        Assert.Equal("&lt;b&gt;&amp; https://x/?a=1&amp;vtoken=t", MessageTemplates.Render("{{Name}} {{ResetLink}}", values, html: true));

        var page = AllowedLinks.Resolve("https://app.example.com/reset#top", null, ["app.example.com"]).Page;
        Assert.Equal("https://app.example.com/reset?vtype=resetpin&vtoken=abc#top", MessageTemplates.Link(page!, PinOrleans.Recovery.SecretPurpose.PinReset, "abc"));
        Assert.Null(AllowedLinks.Resolve("/relative", null, ["app.example.com"]).Page);
        Assert.Null(AllowedLinks.Resolve(null, null, ["app.example.com"]).Page);
    }
}
