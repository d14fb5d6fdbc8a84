using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PinOrleans.Recovery;

namespace PinOrleans.Messaging;

/// <summary>Sends SMS and voice OTPs; throws <see cref="MessageDeliveryException"/> when the provider refuses or cannot be reached.</summary>
public interface ISmsSender
{
    /// <summary>False: no SMS provider is configured (1071).</summary>
    bool CanSend { get; }

    /// <summary>False: voice OTPs are not configured (1281).</summary>
    bool CanCall { get; }

    Task<SmsReceipt> SendAsync(string to, string text, CancellationToken cancellationToken = default);

    Task<SmsReceipt> CallAsync(string to, string text, CancellationToken cancellationToken = default);
}

/// <summary>No SMS provider configured.</summary>
public sealed class NoSmsSender : ISmsSender
{
    public bool CanSend => false;

    public bool CanCall => false;

    public Task<SmsReceipt> SendAsync(string to, string text, CancellationToken cancellationToken = default) =>
        throw new MessageDeliveryException("No SMS provider is configured (Sms:Provider).");

    public Task<SmsReceipt> CallAsync(string to, string text, CancellationToken cancellationToken = default) => SendAsync(to, text, cancellationToken);
}

/// <summary>
/// Twilio's REST API (or anything that speaks it): <c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c> with
/// form fields <c>To</c>, <c>From</c> or <c>MessagingServiceSid</c>, <c>Body</c>; voice through <c>Calls.json</c> with
/// <c>Twiml</c>. HTTP Basic authentication with the account SID and auth token. The HttpClient carries the
/// resilience pipeline (timeouts, retries of transient failures).
/// </summary>
public sealed partial class TwilioSmsSender(HttpClient http, IOptions<SmsOptions> options, ILogger<TwilioSmsSender> logger) : ISmsSender
{
    public bool CanSend => true;

    public bool CanCall => options.Value.VoiceEnabled;

    public Task<SmsReceipt> SendAsync(string to, string text, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var form = new List<KeyValuePair<string, string>> { new("To", to), new("Body", text) };
        form.Add(string.IsNullOrEmpty(o.MessagingServiceSid) ? new("From", o.From ?? "") : new("MessagingServiceSid", o.MessagingServiceSid));
        return PostAsync("Messages.json", form, cancellationToken);
    }

    public Task<SmsReceipt> CallAsync(string to, string text, CancellationToken cancellationToken = default) =>
        PostAsync("Calls.json", [new("To", to), new("From", options.Value.From ?? ""), new("Twiml", $"<Response><Say>{SecurityElement.Escape(text)}</Say></Response>")], cancellationToken);

    private async Task<SmsReceipt> PostAsync(string resource, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var request = new HttpRequestMessage(HttpMethod.Post, $"2010-04-01/Accounts/{Uri.EscapeDataString(o.AccountSid ?? "")}/{resource}")
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.AccountSid}:{o.AuthToken}")));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException)
        {
            throw new MessageDeliveryException($"The SMS provider could not be reached: {e.GetType().Name}", e);
        }

        using (response)
        {
            var json = await ReadJsonAsync(response, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var code = json?.TryGetProperty("code", out var c) == true ? c.ToString() : "";
                LogRefused(logger, resource, (int)response.StatusCode, code);
                throw new MessageDeliveryException($"The SMS provider refused the message: HTTP {(int)response.StatusCode} {code}");
            }

            var sid = json?.TryGetProperty("sid", out var s) == true ? s.GetString() : null;
            var account = json?.TryGetProperty("account_sid", out var a) == true ? a.GetString() : null;
            if (string.IsNullOrEmpty(sid))
            {
                throw new MessageDeliveryException("The SMS provider answered without a sid.");
            }

            LogSent(logger, resource, sid);
            return new SmsReceipt(account ?? o.AccountSid ?? "", sid);
        }
    }

    private static async Task<JsonElement?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS provider accepted {Resource}: {Sid}")]
    private static partial void LogSent(ILogger logger, string resource, string sid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS provider refused {Resource}: HTTP {Status}, code {Code}")]
    private static partial void LogRefused(ILogger logger, string resource, int status, string code);
}

/// <summary>
/// Development: messages are appended to a JSON-lines outbox file (one object per message) instead of a phone.
/// The outbox holds the OTPs it was given, as a phone would; never use it in production.
/// </summary>
public sealed class FileSmsSender(IOptions<SmsOptions> options, TimeProvider time) : ISmsSender
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Readable lines: "+4915…" rather than "\u002B4915…" (the file is not HTML).</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public bool CanSend => true;

    public bool CanCall => options.Value.VoiceEnabled;

    public Task<SmsReceipt> SendAsync(string to, string text, CancellationToken cancellationToken = default) => AppendAsync("sms", to, text, cancellationToken);

    public Task<SmsReceipt> CallAsync(string to, string text, CancellationToken cancellationToken = default) => AppendAsync("voice", to, text, cancellationToken);

    private async Task<SmsReceipt> AppendAsync(string kind, string to, string text, CancellationToken cancellationToken)
    {
        var path = options.Value.OutboxFile ?? throw new MessageDeliveryException("Sms:OutboxFile is not set.");
        var receipt = new SmsReceipt(options.Value.AccountSid ?? "outbox", (kind == "sms" ? "SM" : "CA") + Guid.NewGuid().ToString("N"));
        var line = JsonSerializer.Serialize(new { Time = time.GetUtcNow(), Kind = kind, To = to, Text = text, receipt.Sid }, Json) + "\n";
        await Gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.AppendAllTextAsync(path, line, cancellationToken);
        }
        finally
        {
            Gate.Release();
        }

        return receipt;
    }
}
