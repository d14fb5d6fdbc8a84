using PinOrleans.Security;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// What the tenant's <c>UniformAnswers</c> setting (the default) needs at the edge: which refusals would tell a
/// known account from an unknown one, and the hashing that makes such an answer cost what a wrong secret costs.
/// </summary>
public static class UniformAnswers
{
    /// <summary>The refusals of a locked or blocked account, which come before any hashing.</summary>
    public static bool IsLockRefusal(Problem problem) => problem.Code is ErrorCode.AccountSuspended or ErrorCode.AccountBlocked
        or ErrorCode.CaptchaRequired or ErrorCode.SecurityAnswerRequired;

    /// <summary>The hashing a wrong secret would have cost, for an answer that must not show that none was checked.</summary>
    public static Task HashLikeAWrongSecretAsync(IGrainFactory grains, IEnumerable<Sensitive> secrets)
    {
        var hasher = grains.GetGrain<IHasherGrain>(0);
        return Task.WhenAll(secrets.Select(secret => hasher.VerifyNothingAsync(secret)));
    }
}
