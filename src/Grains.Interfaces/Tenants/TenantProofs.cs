namespace PinOrleans.Tenants;

/// <summary>Why a SOTT was refused (<see cref="ITenantGrain.AuthorizeSottAsync"/>); <see cref="None"/>: it is live.</summary>
public enum SottRefusal
{
    None = 0,

    /// <summary>No <c>X-LoginRadius-Sott</c> header.</summary>
    Missing,

    /// <summary>Not <c>base64*md5hex</c>, or too long.</summary>
    Malformed,

    /// <summary>The MD5 does not match the encrypted text.</summary>
    Tampered,

    /// <summary>It does not decrypt under this tenant's secret to <c>start#apikey#end</c> (another secret made it).</summary>
    Undecryptable,

    /// <summary>It names another tenant's API key.</summary>
    OtherTenant,

    /// <summary>Its window ended (beyond the clock-skew allowance).</summary>
    Expired,

    /// <summary>Its window has not begun (beyond the clock-skew allowance).</summary>
    NotYetValid,

    /// <summary>The tenant's API secret was set before PinOrleans kept it sealed: nothing to check a SOTT with until it is rotated.</summary>
    SecretNotHeld,
}

/// <summary>The answer to <see cref="ITenantGrain.AuthorizeSottAsync"/>: the tenant's access (as for the API key alone) and, when that is granted, what the SOTT is worth.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SottAccess")]
public sealed record SottAccess([property: Id(0)] TenantAccess Access, [property: Id(1)] SottRefusal Refusal);

/// <summary>A SOTT the tenant grain made (<see cref="ITenantGrain.IssueSottAsync"/>) and when it stops being valid.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.IssuedSott")]
public sealed record IssuedSott([property: Id(0)] Sensitive Sott, [property: Id(1)] DateTimeOffset ExpiryTime);

/// <summary>
/// A management request signed instead of carrying the API secret (LoginRadius' API request signing): the
/// <c>X-Request-Expires</c> and <c>digest</c> headers as sent, the request's URL in the forms a client may have
/// signed (absolute, and path with query), and its exact body text (empty for none).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.SignedRequest")]
public sealed record SignedRequest(
    [property: Id(0)] string? Expires,
    [property: Id(1)] string? Digest,
    [property: Id(2)] IReadOnlyList<string> Urls,
    [property: Id(3)] string Body);
