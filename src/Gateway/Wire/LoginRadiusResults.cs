using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PinOrleans.Gateway.Wire;

/// <summary>A request refused while it was being read (missing parameter, bad body, unknown tenant...).</summary>
public sealed class LoginRadiusException(LoginRadiusError error, Problem? problem = null) : Exception(error.Message)
{
    public LoginRadiusError Error { get; } = error;

    public Problem? Problem { get; } = problem;

    public static LoginRadiusException Of(Problem problem) => new(LoginRadiusError.For(problem.Code), problem);

    public static LoginRadiusException Of(ErrorCode code) => Of(new Problem(code));
}

/// <summary>Writes LoginRadius-shaped JSON: PascalCase keys exactly as given, ISO-8601 UTC dates.</summary>
public static class LoginRadiusJson
{
    public static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = null, WriteIndented = false };

    /// <summary>The gateway's answers: names as declared (LoginRadius' own spellings), times as <see cref="Timestamp(DateTimeOffset)"/>.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = null;
        options.DictionaryKeyPolicy = null;
        options.WriteIndented = false;
        // As LoginRadiusJson.Options writes: numbers as numbers, and the default (HTML-safe) escaping.
        options.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
        options.Converters.Add(new LoginRadiusTimeConverter());
    }

    /// <summary>LoginRadius' timestamp form, e.g. <c>2019-09-30T09:51:22.8149253Z</c>.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);

    public static JsonNode? Timestamp(DateTimeOffset? value) => value is { } v ? JsonValue.Create(Timestamp(v)) : null;

    public static Refusal Error(Problem problem) => new(LoginRadiusError.For(problem.Code), problem);

    public static Refusal Error(LoginRadiusError error, Problem? problem = null) => new(error, problem);

    /// <summary>The refusal when there is one, else the success answer.</summary>
    public static Results<Ok<T>, Refusal> Answer<T>(Problem? problem, T success) => problem is null ? TypedResults.Ok(success) : Error(problem);

    public static JsonObject ErrorBody(LoginRadiusError error, Problem? problem = null)
    {
        var body = new JsonObject
        {
            ["Description"] = error.Description,
            ["ErrorCode"] = error.Code,
            ["Message"] = error.Message,
            ["IsProviderError"] = false,
            ["ProviderErrorResponse"] = null,
        };
        if (problem?.LockedUntil is { } until)
        {
            body["Data"] = new JsonObject { ["LoginLockedTimeout"] = Timestamp(until) };
        }

        if (problem?.Errors is { Count: > 0 } errors)
        {
            body["Errors"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject { ["FieldName"] = e.FieldName, ["ErrorMessage"] = e.ErrorMessage }).ToArray());
        }

        return body;
    }

    public static async Task WriteErrorAsync(HttpResponse response, LoginRadiusError error, Problem? problem = null)
    {
        response.StatusCode = error.Status;
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(ErrorBody(error, problem).ToJsonString(Options));
    }
}

/// <summary>A LoginRadius error answer: its HTTP status and <c>{Description, ErrorCode, Message, ...}</c>.</summary>
public sealed class Refusal(LoginRadiusError error, Problem? problem = null) : IResult, IStatusCodeHttpResult
{
    public LoginRadiusError Error { get; } = error;

    public int? StatusCode => Error.Status;

    public Task ExecuteAsync(HttpContext httpContext) => LoginRadiusJson.WriteErrorAsync(httpContext.Response, Error, problem);
}
