using Microsoft.AspNetCore.Diagnostics;
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
            case LoginRadiusException refusal:
                if (refusal.Error.Status == StatusCodes.Status503ServiceUnavailable)
                {
                    context.Response.Headers.RetryAfter = "1";
                }

                await LoginRadiusJson.WriteErrorAsync(context.Response, refusal.Error, refusal.Problem);
                break;
            case BadHttpRequestException bad:
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
