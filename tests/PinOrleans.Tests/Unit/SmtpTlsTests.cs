using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Messaging;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>E-mail travels encrypted to every SMTP server that is not on loopback, unless the operator allows cleartext.</summary>
public sealed class SmtpTlsTests
{
    [Theory]
    [InlineData("smtp.example.com", 587, SecureSocketOptions.StartTlsWhenAvailable, false, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", 587, SecureSocketOptions.StartTls, false, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", 465, SecureSocketOptions.SslOnConnect, false, SecureSocketOptions.SslOnConnect)]
    [InlineData("smtp.example.com", 465, SecureSocketOptions.Auto, false, SecureSocketOptions.SslOnConnect)]
    [InlineData("smtp.example.com", 25, SecureSocketOptions.Auto, false, SecureSocketOptions.StartTls)]
    [InlineData("smtp.example.com", 25, SecureSocketOptions.None, false, null)]
    [InlineData("10.0.0.5", 25, SecureSocketOptions.None, false, null)]
    [InlineData("localhost.example.com", 25, SecureSocketOptions.None, false, null)]
    [InlineData("smtp.example.com", 25, SecureSocketOptions.None, true, SecureSocketOptions.None)]
    [InlineData("smtp.example.com", 587, SecureSocketOptions.StartTlsWhenAvailable, true, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("localhost", 25, SecureSocketOptions.None, false, SecureSocketOptions.None)]
    [InlineData("LOCALHOST", 25, SecureSocketOptions.StartTlsWhenAvailable, false, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("127.0.0.1", 25, SecureSocketOptions.None, false, SecureSocketOptions.None)]
    [InlineData("127.8.9.10", 25, SecureSocketOptions.None, false, SecureSocketOptions.None)]
    [InlineData("::1", 25, SecureSocketOptions.None, false, SecureSocketOptions.None)]
    [InlineData("[::1]", 25, SecureSocketOptions.None, false, SecureSocketOptions.None)]
    public void Tls_is_required_except_to_loopback_or_when_allowed(string host, int port, SecureSocketOptions configured, bool allowInsecure, SecureSocketOptions? expected) =>
        Assert.Equal(expected, new EmailOptions { Host = host, Port = port, Security = configured, AllowInsecure = allowInsecure }.EffectiveSecurity());

    /// <summary>An address of this machine that is not loopback (a server there is reached "over the network"), if it has one.</summary>
    private static IPAddress? OwnAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses)
        .Select(u => u.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    private static ServiceProvider Sender(IPAddress host, int port, string security, bool allowInsecure) =>
        new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System).AddPinOrleansMessaging(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:Host"] = host.ToString(),
            ["Email:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Email:Security"] = security,
            ["Email:AllowInsecure"] = allowInsecure.ToString(),
            ["Email:TimeoutSeconds"] = "5",
        }).Build()).BuildServiceProvider();

    [Theory]
    [InlineData("StartTlsWhenAvailable")]
    [InlineData("Auto")]
    [InlineData("None")]
    public async Task A_server_off_loopback_without_starttls_gets_no_message_unless_cleartext_is_allowed(string security)
    {
        if (OwnAddress() is not { } address)
        {
            return; // No network address besides loopback: nothing is off loopback here.
        }

        await using var mail = new MailCatcher(address);
        var message = new MailMessage(["someone@example.com"], "Reset your PIN", "https://app.example.com/reset?vtoken=secret", null);

        await using (var strict = Sender(address, mail.Port, security, allowInsecure: false))
        {
            await Assert.ThrowsAsync<MessageDeliveryException>(() => strict.GetRequiredService<IEmailSender>().SendAsync(message));
        }

        Assert.Empty(mail.Messages);

        // The same server, allowed in clear: it was reachable, so the refusal above was the TLS rule's.
        await using var lax = Sender(address, mail.Port, security, allowInsecure: true);
        await lax.GetRequiredService<IEmailSender>().SendAsync(message);
        Assert.Equal("Reset your PIN", (await mail.LatestToAsync("someone@example.com")).Subject);
    }
}
