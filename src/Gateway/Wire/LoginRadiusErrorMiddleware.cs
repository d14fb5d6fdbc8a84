using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using KestrelServerLimits = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits;
using Orleans.Runtime.Messaging;
using Orleans.Storage;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// The one place where anything that went wrong becomes a LoginRadius error: refusals raised while reading a
/// request, unreachable clusters and a full hashing queue (503 with Retry-After), framework status codes (404, 405,
/// 413...) and unhandled exceptions (950, never a stack trace).
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
            SuppressDiagnosticsCallback = c => c.Exception is LoginRadiusException || Unavailable(c.Exception) is not null,
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
                await WriteRetryableAsync(context, refusal.Error, refusal.Problem);
                break;
            case BadHttpRequestException bad:
                // Kestrel's own refusals (a body beyond its limit, a malformed request): it closes the connection.
                context.Response.Headers.Connection = "close";
                await LoginRadiusJson.WriteErrorAsync(context.Response, ForStatus(bad.StatusCode));
                break;
            case { } e when Unavailable(e) is { } unavailable:
                if (unavailable == LoginRadiusError.ServiceUnavailable)
                {
                    // A busy hashing queue is not logged per request (a flood would flood the log): it is counted as pinorleans.hash.dropped.
                    Logger(context).LogWarning("Cluster unavailable for {Method} {Path}: {Error}", context.Request.Method, context.Request.Path, e.GetType().Name);
                }

                await WriteRetryableAsync(context, unavailable);
                break;
            default:
                Logger(context).LogError(exception, "Unhandled error for {Method} {Path}", context.Request.Method, context.Request.Path);
                await LoginRadiusJson.WriteErrorAsync(context.Response, LoginRadiusError.For(ErrorCode.UnknownError));
                break;
        }
    }

    /// <summary>Writes <paramref name="error"/>; a 503 says when to try again (<c>Retry-After</c>).</summary>
    private static Task WriteRetryableAsync(HttpContext context, LoginRadiusError error, Problem? problem = null)
    {
        if (error.Status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return LoginRadiusJson.WriteErrorAsync(context.Response, error, problem);
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

    /// <summary>What a transient failure answers (the caller should retry), or null when <paramref name="e"/> is not one.</summary>
    private static LoginRadiusError? Unavailable(Exception e) =>
        Caused(e, x => x is Security.HashingBusyException) ? LoginRadiusError.HashingBusy
        : Caused(e, IsClusterUnavailable) ? LoginRadiusError.ServiceUnavailable
        : null;

    /// <summary>Failures of the cluster or its storage: transient for the caller, who should retry.</summary>
    private static bool IsClusterUnavailable(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or ClientNotAvailableException
            or GatewayTooBusyException or TimeoutException or InconsistentStateException or StorageUnavailableException
            or Azure.RequestFailedException or System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException;

    /// <summary>Whether <paramref name="e"/>, its inner exception, or all of an aggregate's, are of <paramref name="kind"/>.</summary>
    private static bool Caused(Exception e, Func<Exception, bool> kind) => kind(e) || e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.All(inner => Caused(inner, kind)),
        { InnerException: { } inner } => Caused(inner, kind),
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
