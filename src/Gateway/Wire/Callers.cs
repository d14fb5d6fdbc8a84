using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Wire;

/// <summary>The credentials an endpoint asks its caller for; documented from the handler's parameters.</summary>
[Flags]
public enum Caller
{
    None = 0,

    /// <summary>The tenant's API key (<c>apikey</c> or <c>X-LoginRadius-ApiKey</c>).</summary>
    ApiKey = 1,

    /// <summary>The tenant's API secret (<c>X-LoginRadius-ApiSecret</c> or <c>apisecret</c>).</summary>
    ApiSecret = 2,

    /// <summary>A user's access token (<c>Authorization: Bearer</c>, <c>access_token</c> in the query or body).</summary>
    AccessToken = 4,

    /// <summary>The operator's HTTP Basic credentials.</summary>
    Administrator = 8,

    /// <summary>A live SOTT for the tenant (<c>X-LoginRadius-Sott</c>), beside its API key.</summary>
    Sott = 16,
}

/// <summary>Endpoint metadata: what the handler's parameters require of the caller.</summary>
public sealed record CallerMetadata(Caller Caller)
{
    public static void Add(EndpointBuilder builder, Caller caller) => builder.Metadata.Add(new CallerMetadata(caller));
}

/// <summary>
/// The tenant a request is for, found by its API key (<c>apikey</c> in the query or <c>X-LoginRadius-ApiKey</c>):
/// missing 908, unknown 901, plan ended 1004. A handler parameter of this type is bound before its body.
/// </summary>
public sealed record Tenant(TenantSnapshot Snapshot) : IBindableFromHttpContext<Tenant>, IEndpointParameterMetadataProvider
{
    public string ApiKey => Snapshot.ApiKey;

    public TenantSettings Settings => Snapshot.Settings;

    public static implicit operator TenantSnapshot(Tenant tenant) => tenant.Snapshot;

    public static async ValueTask<Tenant?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(await ApiRequest.TenantAsync(context.Request, context.RequestServices.GetRequiredService<IGrainFactory>()));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => CallerMetadata.Add(builder, Caller.ApiKey);
}

/// <summary>The tenant of a management request: its API key and its API secret (missing 908, wrong 902).</summary>
public sealed record TrustedTenant(TenantSnapshot Snapshot) : IBindableFromHttpContext<TrustedTenant>, IEndpointParameterMetadataProvider
{
    public string ApiKey => Snapshot.ApiKey;

    public TenantSettings Settings => Snapshot.Settings;

    public static implicit operator TenantSnapshot(TrustedTenant tenant) => tenant.Snapshot;

    public static async ValueTask<TrustedTenant?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(await ApiRequest.TenantAsync(context.Request, context.RequestServices.GetRequiredService<IGrainFactory>(), requireSecret: true));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => CallerMetadata.Add(builder, Caller.ApiKey | Caller.ApiSecret);
}

/// <summary>
/// The tenant of a registration: its API key (as <see cref="Tenant"/>) and a live SOTT in <c>X-LoginRadius-Sott</c>,
/// the header every LoginRadius SDK sends it in. Checked by the tenant grain against its sealed secret: format, MD5,
/// decryption, that it names this API key, its window (within <see cref="Security.SecureOneTimeToken.ClockSkew"/>).
/// Reusable until it expires, as LoginRadius' are. Refused with 908 naming <c>X-LoginRadius-Sott</c> and why.
/// </summary>
public sealed record SottTenant(TenantSnapshot Snapshot) : IBindableFromHttpContext<SottTenant>, IEndpointParameterMetadataProvider
{
    public string ApiKey => Snapshot.ApiKey;

    public TenantSettings Settings => Snapshot.Settings;

    public static implicit operator TenantSnapshot(SottTenant tenant) => tenant.Snapshot;

    public static async ValueTask<SottTenant?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(await ApiRequest.SottTenantAsync(context.Request, context.RequestServices.GetRequiredService<IGrainFactory>()));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => CallerMetadata.Add(builder, Caller.ApiKey | Caller.Sott);
}

/// <summary>
/// The user's access token, as <see cref="ApiRequest.AccessToken"/> finds it (header, query, or <c>access_token</c>
/// in a POST or PUT body); 1060 when there is none. Whether it is live is the handler's question.
/// </summary>
public sealed record UserToken(string Value) : IBindableFromHttpContext<UserToken>, IEndpointParameterMetadataProvider
{
    public static async ValueTask<UserToken?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var request = context.Request;
        var body = HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) ? await RequestJson.BodyAsync(request) : (JsonBody?)null;
        return new(ApiRequest.AccessToken(request, body));
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => CallerMetadata.Add(builder, Caller.AccessToken);
}
