using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A loopback webhook receiver: accepts POSTs on any path and records them (raw body, lower-case headers); can
/// fail with a status, redirect, or answer slowly, as real receivers do.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly ConcurrentQueue<Delivery> _attempts = new();

    public sealed record Delivery(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At);

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl => LoopbackServer.BaseUrl(_app);

    public string Url(string path = "/hooks") => BaseUrl + path;

    /// <summary>Answer this status instead of 200 (recorded in <see cref="Attempts"/> only).</summary>
    public int? FailWith { get; set; }

    /// <summary>Answer 302 with this Location (recorded in <see cref="Attempts"/> only).</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Wait this long before answering.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Requests answered 200, in order.</summary>
    public IReadOnlyCollection<Delivery> Deliveries => _deliveries;

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyCollection<Delivery> Attempts => _attempts;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var app = LoopbackServer.Create();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> deliveries match; throws <see cref="TimeoutException"/> naming what arrived.</summary>
    public Task<IReadOnlyList<Delivery>> WaitForAsync(Func<Delivery, bool> match, int count, TimeSpan timeout) =>
        Eventually.UntilAsync(() => Task.FromResult<IReadOnlyList<Delivery>>(_deliveries.Where(match).ToList()), found => found.Count >= count, timeout,
            found => $"{found.Count} of {count} expected deliveries; {_attempts.Count} attempts; delivered: {string.Join("; ", _deliveries.Select(d => $"{d.Path} {d.Body[..Math.Min(200, d.Body.Length)]}"))}");

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value.ToArray()));
        var delivery = new Delivery(request.Path.Value ?? "/", request.QueryString.Value ?? "", headers, body, DateTimeOffset.UtcNow);
        _attempts.Enqueue(delivery);
        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, request.HttpContext.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            return Results.Empty;
        }

        if (RedirectTo is { } location)
        {
            return Results.Redirect(location);
        }

        if (FailWith is { } status)
        {
            return Results.StatusCode(status);
        }

        _deliveries.Enqueue(delivery);
        return Results.Text("OK");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
