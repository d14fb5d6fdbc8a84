using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// Route groups of the LoginRadius API and what every endpoint in them shares: query parameters declared on the
/// handler (<c>[FromQuery(Name = "session_token")] string?</c>, <c>[Required]</c> where LoginRadius requires them)
/// are read as <see cref="ApiRequest.Query"/> reads them (trimmed, blank as absent, given twice with different
/// values 908) and a missing required one is 908 "The {name} is a required parameter.". ASP.NET Core binds and
/// documents them from the same declaration.
/// </summary>
public static class ApiGroups
{
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix, string tag)
    {
        var group = app.MapGroup(prefix).WithTags(tag).WithMetadata(QueryParametersMetadata.Instance);
        group.AddEndpointFilterFactory(ReadQueryParameters);
        return group;
    }

    /// <summary>The LoginRadius codes the endpoint answers beyond those its credentials, parameters and body imply (documented under its responses).</summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, params ErrorCode[] codes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RefusalsMetadata(codes));

    /// <summary>Query parameters (beyond the required ones) whose malformed value answers 908.</summary>
    public static TBuilder RefusesMalformed<TBuilder>(this TBuilder builder, params string[] parameters) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new MalformedParametersMetadata(parameters));

    /// <summary>The webhook events the endpoint can raise (documented with <c>prevent_webhook</c>).</summary>
    public static TBuilder Raises<TBuilder>(this TBuilder builder, params string[] events) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new EventsMetadata(events));

    /// <summary>The refusals of a locked account, and of the security answers a SecurityQuestion lock asks for.</summary>
    public static readonly ErrorCode[] LockRefusals =
    [
        ErrorCode.AccountBlocked, ErrorCode.AccountSuspended, ErrorCode.CaptchaRequired, ErrorCode.SecurityAnswerRequired,
        ErrorCode.SecurityAnswerIncorrect, ErrorCode.SecurityQuestionOrAnswerIncorrect, ErrorCode.SecurityAnswerNotSaved,
        ErrorCode.SecurityQuestionsDisabled, ErrorCode.MinimumSecurityAnswersMissing, ErrorCode.ValidationFailed,
    ];

    private static EndpointFilterDelegate ReadQueryParameters(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var query = context.MethodInfo.GetParameters()
            .Select((parameter, index) => (parameter, index, from: parameter.GetCustomAttribute<FromQueryAttribute>()))
            .Where(p => p.from is not null && p.parameter.ParameterType == typeof(string))
            .Select(p => (p.index, name: p.from!.Name ?? p.parameter.Name!, required: p.parameter.GetCustomAttribute<RequiredAttribute>() is not null))
            .ToArray();
        if (query.Length == 0)
        {
            return next;
        }

        return invocation =>
        {
            foreach (var (index, name, required) in query)
            {
                var value = ApiRequest.Query(invocation.HttpContext.Request, name);
                invocation.Arguments[index] = value ?? (required ? throw new LoginRadiusException(LoginRadiusError.MissingParameter(name)) : null);
            }

            return next(invocation);
        };
    }
}

/// <summary>The endpoint's query parameters are read by <see cref="ApiGroups"/> (a handler outside an API group would get them raw).</summary>
public sealed class QueryParametersMetadata
{
    public static readonly QueryParametersMetadata Instance = new();
}

/// <summary>The LoginRadius codes an endpoint answers beyond those of its credentials, parameters and body.</summary>
public sealed record RefusalsMetadata(IReadOnlyList<ErrorCode> Codes);

/// <summary>Query parameters whose malformed value answers 908.</summary>
public sealed record MalformedParametersMetadata(IReadOnlyList<string> Parameters);

/// <summary>The webhook events an endpoint raises.</summary>
public sealed record EventsMetadata(IReadOnlyList<string> Events);
