using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using KestrelServerLimits = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// The one place where anything that went wrong becomes a LoginRadius error: refusals raised while reading a
/// request, unreachable clusters (503 with Retry-After), framework status codes (404, 405, 413...) and
/// unhandled exceptions (950, never a stack trace).
/// </summary>
public static class LoginRadiusErrorHandling
{
    public static WebApplication UseLoginRadiusErrors(this WebApplication app)
    {
        app.Use(RequestLimits.CheckAsync);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = _ => StatusCodes.Status500InternalServerError,
            // Refusals are answers, not faults; cluster outages are logged once, below, without the request's secrets.
            SuppressDiagnosticsCallback = c => c.Exception is LoginRadiusException || IsClusterUnavailable(c.Exception),
            ExceptionHandler = HandleAsync,
        });
        app.UseStatusCodePages(context => WriteForStatusAsync(context.HttpContext));
        return app;
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        switch (exception)
        {
            case LoginRadiusException { Error.Status: StatusCodes.Status413PayloadTooLarge } tooLarge:
                await RequestLimits.RefuseAsync(context, tooLarge.Error);
                break;
            case LoginRadiusException refusal:
                if (refusal.Error.Status == StatusCodes.Status503ServiceUnavailable)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                await LoginRadiusJson.WriteErrorAsync(context.Response, refusal.Error, refusal.Problem);
                break;
            case BadHttpRequestException bad:
                // Kestrel's own refusals (a body beyond its limit, a malformed request): it closes the connection.
                context.Response.Headers.Connection = "close";
                await LoginRadiusJson.WriteErrorAsync(context.Response, ForStatus(bad.StatusCode));
                break;
            case { } e when IsClusterUnavailable(e):
                Logger(context).LogWarning("Cluster unavailable for {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.GetType().Name);
                context.Response.Headers.RetryAfter = "1";
                await LoginRadiusJson.WriteErrorAsync(context.Response, LoginRadiusError.ServiceUnavailable);
                break;
            default:
                Logger(context).LogError(exception, "Unhandled error for {Method} {Path}", context.Request.Method, context.Request.Path);
                await LoginRadiusJson.WriteErrorAsync(context.Response, LoginRadiusError.For(ErrorCode.UnknownError));
                break;
        }
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LoginRadiusErrorHandling).FullName!);

    private static Task WriteForStatusAsync(HttpContext context) =>
        LoginRadiusJson.WriteErrorAsync(context.Response, ForStatus(context.Response.StatusCode));

    private static LoginRadiusError ForStatus(int status) => status switch
    {
        StatusCodes.Status404NotFound => LoginRadiusError.RouteNotFound,
        StatusCodes.Status405MethodNotAllowed => LoginRadiusError.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => LoginRadiusError.PayloadTooLarge,
        StatusCodes.Status414UriTooLong => LoginRadiusError.UriTooLong,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => LoginRadiusError.HeadersTooLarge,
        StatusCodes.Status415UnsupportedMediaType => LoginRadiusError.For(ErrorCode.ContentTypeNotSupported),
        StatusCodes.Status503ServiceUnavailable => LoginRadiusError.ServiceUnavailable,
        >= 400 and < 500 => LoginRadiusError.For(ErrorCode.PostBodyInvalid) with { Status = status },
        _ => LoginRadiusError.For(ErrorCode.UnknownError),
    };

    /// <summary>Failures of the cluster or its storage: transient for the caller, who should retry.</summary>
    private static bool IsClusterUnavailable(Exception e) => e switch
    {
        SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or ClientNotAvailableException
            or GatewayTooBusyException or TimeoutException or InconsistentStateException or StorageUnavailableException
            or Azure.RequestFailedException or System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException => true,
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.All(IsClusterUnavailable),
        { InnerException: { } inner } => IsClusterUnavailable(inner),
        _ => false,
    };
}

/// <summary>
/// The HTTP edge's limits, enforced by the gateway so that every refusal is a LoginRadius error: Kestrel's own limits
/// are set above them (Kestrel answers its refusals with an empty body), and the gateway's are checked first. A
/// refused request gets <c>Connection: close</c>; its body is read and dropped (up to <see cref="DrainBytes"/>, for at
/// most <see cref="DrainTime"/>) after the answer is sent, so a client still sending a large body reads the answer
/// instead of a reset, and its next request goes over a new connection.
/// </summary>
public static class RequestLimits
{
    /// <summary>Path and query as sent (the request target), in characters; longer is 414.</summary>
    public const int MaxUrlLength = 8 * 1024;

    /// <summary>All header names and values together; larger is 431.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public const int MaxHeaderCount = 100;

    /// <summary>Kestrel's limits: beyond these Kestrel refuses by itself (empty body), so they sit well above the gateway's.</summary>
    public const int KestrelMaxRequestLine = 64 * 1024;
    public const int KestrelMaxHeaderBytes = 128 * 1024;
    public const int KestrelMaxHeaderCount = 400;

    /// <summary>How much of a refused body is read and dropped so that the answer is read, not reset (Kestrel's body limit).</summary>
    public const long DrainBytes = 32 * 1024 * 1024;

    public static readonly TimeSpan DrainTime = TimeSpan.FromSeconds(10);

    public static void Configure(KestrelServerLimits limits)
    {
        // The gateway's own body limit is ApiRequest.MaxBodyBytes, checked while reading; Kestrel's is the drain bound.
        limits.MaxRequestBodySize = DrainBytes;
        limits.MaxRequestLineSize = KestrelMaxRequestLine;
        limits.MaxRequestHeadersTotalSize = KestrelMaxHeaderBytes;
        limits.MaxRequestHeaderCount = KestrelMaxHeaderCount;
    }

    public static Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        if (target.Length > MaxUrlLength)
        {
            return RefuseAsync(context, LoginRadiusError.UriTooLong);
        }

        var headers = context.Request.Headers;
        long bytes = 0;
        foreach (var (name, values) in headers)
        {
            bytes += name.Length + 4;
            foreach (var value in values)
            {
                bytes += value?.Length ?? 0;
            }
        }

        if (bytes > MaxHeaderBytes || headers.Count > MaxHeaderCount)
        {
            return RefuseAsync(context, LoginRadiusError.HeadersTooLarge);
        }

        return context.Request.ContentLength > ApiRequest.MaxBodyBytes ? RefuseAsync(context, LoginRadiusError.PayloadTooLarge) : next(context);
    }

    /// <summary>Answers <paramref name="error"/> with <c>Connection: close</c>, sends it, then drops what the client still sends.</summary>
    public static async Task RefuseAsync(HttpContext context, LoginRadiusError error)
    {
        context.Response.Clear();
        context.Response.Headers.Connection = "close";
        await LoginRadiusJson.WriteErrorAsync(context.Response, error);
        await context.Response.CompleteAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(DrainTime);
        var buffer = new byte[16 * 1024];
        try
        {
            while (await context.Request.Body.ReadAsync(buffer, deadline.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or BadHttpRequestException or IOException or InvalidOperationException)
        {
            // Past the drain bound or time, or the client went away: the connection is closed regardless.
        }
    }
}
