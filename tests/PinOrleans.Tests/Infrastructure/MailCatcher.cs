using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A real SMTP server (the SmtpServer package, no STARTTLS) on a free loopback port, or on <c>address</c>; keeps
/// every message it receives, and can refuse the next ones with a reply code, as a busy or strict server does.
/// </summary>
public sealed partial class MailCatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly ConcurrentQueue<int> _refusals = new();
    private readonly Task _serving;
    private int _offered;

    public MailCatcher(IPAddress? address = null)
    {
        Port = TestEnvironment.FreePort();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("mailcatcher.test")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(address ?? IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _serving = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    /// <summary>Messages offered so far, kept or refused.</summary>
    public int Offered => Volatile.Read(ref _offered);

    /// <summary>Refuses the next <paramref name="times"/> messages with <paramref name="replyCode"/> (451: try again later; 554: never).</summary>
    public void Refuse(int replyCode, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _refusals.Enqueue(replyCode);
        }
    }

    /// <summary>The newest message to <paramref name="address"/>, waiting up to ten seconds for it.</summary>
    public async Task<MimeMessage> LatestToAsync(string address, int after = 0)
    {
        List<MimeMessage> Mine() => _messages.Where(m => m.To.Mailboxes.Any(b => b.Address.Equals(address, StringComparison.OrdinalIgnoreCase))).ToList();
        await Eventually.UntilAsync(() => Mine().Count > after, TimeSpan.FromSeconds(10), () => $"no e-mail to {address} beyond {after}");
        return Mine()[^1];
    }

    public int CountTo(string address) =>
        _messages.Count(m => m.To.Mailboxes.Any(b => b.Address.Equals(address, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The reset token the link in a forgot-PIN e-mail carries (<c>vtoken=</c>).</summary>
    public static string ResetTokenOf(MimeMessage message) => VToken().Match(message.TextBody ?? "").Groups[1].Value;

    /// <summary>The OTP a forgot-PIN e-mail carries (the default template's "code ...: 123456").</summary>
    public static string OtpOf(MimeMessage message) => Code().Match(message.TextBody ?? "").Groups[1].Value;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _serving;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }


    [GeneratedRegex(@"vtoken=([0-9a-f]+)")]
    private static partial Regex VToken();

    [GeneratedRegex(@"code[^:]*:\s*(\d+)")]
    private static partial Regex Code();

    private sealed class Store(MailCatcher catcher) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref catcher._offered);
            if (catcher._refusals.TryDequeue(out var code))
            {
                return new SmtpResponse((SmtpReplyCode)code, "Refused by the catcher");
            }

            using var stream = new MemoryStream(buffer.ToArray());
            catcher._messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }
}
