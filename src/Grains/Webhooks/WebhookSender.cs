using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Outbound;

namespace PinOrleans.Webhooks;

/// <summary>What one delivery attempt came to.</summary>
public sealed record WebhookAttempt(bool Delivered, int? Status, string Error);

/// <summary>
/// Posts a webhook body to its target: the subscription's headers, query parameters and authentication, the
/// signature headers, a per-attempt timeout, and through the operator's <see cref="OutboundGuard"/>: no redirects (a
/// 3xx is a failed attempt), and a connection only to addresses the operator lets outbound calls reach (checked on
/// the resolved address, so a name that resolves to 127.0.0.1 or 10.x is refused too).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, OutboundGuard guard)
{
    public const string Client = "webhooks";

    public static void Register(IServiceCollection services)
    {
        services.AddHttpClient(Client, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundGuard>().CreateHandler());
        services.AddSingleton<WebhookSender>();
    }

    /// <summary>
    /// One attempt, signed at <paramref name="now"/> with the subscription's key (and, when it opted in, with
    /// <paramref name="apiSecretSignature"/> in LoginRadius' <c>signature</c> header).
    /// </summary>
    public async Task<WebhookAttempt> SendAsync(WebhookSubscription subscription, WebhookPolicy policy, string body, string? apiSecretSignature, DateTimeOffset now, CancellationToken cancellation)
    {
        var key = subscription.SigningKey;
        if (string.IsNullOrEmpty(key) && apiSecretSignature is null)
        {
            return new WebhookAttempt(false, null, "the subscription has no signing key");
        }

        var url = subscription.TargetUrl;
        if (guard.Refusal(url) is { } refused)
        {
            // Stored before the operator's rules were what they are now.
            return new WebhookAttempt(false, null, refused);
        }

        if (subscription.QueryParams.Count > 0)
        {
            url += (url.Contains('?') ? "&" : "?") + string.Join('&', subscription.QueryParams.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (!string.IsNullOrEmpty(key))
        {
            var timestamp = now.ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation(WebhookSignatureHeaders.Timestamp, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(WebhookSignatureHeaders.Signature, WebhookSignatureHeaders.Sign(key, timestamp, body));
        }

        if (apiSecretSignature is not null)
        {
            request.Headers.TryAddWithoutValidation("signature", apiSecretSignature);
        }

        request.Headers.UserAgent.ParseAdd("PinOrleans-Webhooks/1.0");
        foreach (var (name, value) in subscription.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Authorization = subscription.Authentication switch
        {
            { AuthType: "Basic", BasicAuth: { } basic } => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{basic.Password}"))),
            { AuthType: "BearerToken", BearerToken: { } bearer } => new AuthenticationHeaderValue("Bearer", bearer.Token),
            _ => null,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(policy.TimeoutSeconds));
        var client = clients.CreateClient(Client);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new WebhookAttempt(true, status, "")
                : new WebhookAttempt(false, status, status is >= 300 and < 400 ? $"HTTP {status} (redirects are not followed)" : $"HTTP {status}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new WebhookAttempt(false, null, $"no answer within {policy.TimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttempt(false, null, e.InnerException?.Message ?? e.Message);
        }
    }
}
