using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Messaging;
using PinOrleans.Tests.Infrastructure;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// SMTP goes through a resilience pipeline like every outbound call: a transient refusal is tried again, a permanent
/// one is not, a silent server times out, and a run of failures opens the circuit.
/// </summary>
public sealed class SmtpResilienceTests
{
    private static readonly MailMessage Message = new(["someone@example.com"], "Reset your PIN", "https://app.example.com/reset?vtoken=secret", null);

    private static ServiceProvider Services(int port, int attempts, int timeoutSeconds = 5, TimeProvider? time = null) =>
        new ServiceCollection().AddLogging().AddSingleton(time ?? TimeProvider.System).AddPinOrleansMessaging(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Email:Security"] = "None",
            ["Email:Attempts"] = attempts.ToString(CultureInfo.InvariantCulture),
            ["Email:TimeoutSeconds"] = timeoutSeconds.ToString(CultureInfo.InvariantCulture),
        }).Build()).BuildServiceProvider();

    [Fact]
    public async Task A_server_that_asks_to_try_again_later_gets_the_message_on_the_next_attempt()
    {
        await using var mail = new MailCatcher();
        mail.Refuse(451);
        await using var services = Services(mail.Port, attempts: 2);

        await services.GetRequiredService<IEmailSender>().SendAsync(Message);

        Assert.Equal(2, mail.Offered);
        Assert.Equal("Reset your PIN", Assert.Single(mail.Messages).Subject);
    }

    [Theory]
    [InlineData(451, 3)] // try again later: as often as Email:Attempts says
    [InlineData(554, 1)] // transaction failed: never again
    public async Task A_refusal_is_tried_again_only_when_it_is_transient_and_no_more_than_the_configured_attempts(int replyCode, int offered)
    {
        await using var mail = new MailCatcher();
        mail.Refuse(replyCode, times: 5);
        await using var services = Services(mail.Port, attempts: 3);

        var failed = await Assert.ThrowsAsync<MessageDeliveryException>(() => services.GetRequiredService<IEmailSender>().SendAsync(Message));

        Assert.Equal(offered, mail.Offered);
        Assert.Equal(replyCode, (int)Assert.IsType<SmtpCommandException>(failed.InnerException).StatusCode);
        Assert.Empty(mail.Messages);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_when_the_attempt_times_out()
    {
        // Accepts the connection and never greets: only the pipeline's attempt timeout ends the wait (on the host's clock).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var services = Services(((IPEndPoint)silent.LocalEndpoint).Port, attempts: 1, timeoutSeconds: 60, time: clock);

        var send = services.GetRequiredService<IEmailSender>().SendAsync(Message);
        using var connection = await silent.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(send.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(60));

        var failed = await Assert.ThrowsAsync<MessageDeliveryException>(() => send.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.IsType<TimeoutRejectedException>(failed.InnerException);
    }

    [Fact]
    public async Task A_run_of_failures_opens_the_circuit_and_the_server_is_left_alone_while_it_is_open()
    {
        var port = TestEnvironment.FreePort();
        await using var services = Services(port, attempts: 1);
        var sender = services.GetRequiredService<IEmailSender>();
        // Nothing listens: refused at once. The breaker's sampling needs a hundred calls, the standard pipeline's minimum.
        for (var i = 0; i < 100; i++)
        {
            Assert.IsType<SocketException>((await Assert.ThrowsAsync<MessageDeliveryException>(() => sender.SendAsync(Message))).InnerException);
        }

        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var failed = await Assert.ThrowsAsync<MessageDeliveryException>(() => sender.SendAsync(Message));

        Assert.IsType<BrokenCircuitException>(failed.InnerException);
        Assert.False(listener.Pending());
    }
}
