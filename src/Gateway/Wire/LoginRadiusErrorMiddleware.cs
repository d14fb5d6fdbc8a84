using Microsoft.AspNetCore.Diagnostics;
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
            case LoginRadiusException refusal:
                await WriteRetryableAsync(context, refusal.Error, refusal.Problem);
                break;
            case BadHttpRequestException bad:
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
