namespace PinOrleans.Accounts;

/// <summary>
/// What a request brings to get past a Captcha or SecurityQuestion lockout: whether the gateway verified a captcha
/// answer with the tenant's provider for this request, and the <c>securityanswer</c> object of the body.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.LockProof")]
public sealed record LockProof
{
    public static readonly LockProof None = new();

    /// <summary>The request carried a captcha answer that the provider accepted (tokens are single-use: verified once, by the gateway).</summary>
    [Id(0)] public bool CaptchaSolved { get; init; }

    /// <summary>Security answers by question id, in clear (hashed and compared by the account; never stored or logged).</summary>
    [Id(1)] public IReadOnlyDictionary<string, Sensitive>? SecurityAnswers { get; init; }
}
