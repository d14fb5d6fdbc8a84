using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// How a reset route (PIN or password) finds the account a proof is for: by a link token's lookup part, or by the
/// identifier the request names, with the tenant's <c>UniformAnswers</c> applied to the latter.
/// </summary>
internal static class SecretResets
{
    /// <summary>The account a reset link's token was issued to (1063 for a token that is malformed or names no link of this tenant), and the proof the token carries.</summary>
    public static async Task<Problem?> ByTokenAsync(IGrainFactory grains, TenantSnapshot tenant, string token, Func<IUserGrain, SecretProof, Task<Problem?>> reset)
    {
        var proof = ResetTokens.Parse(token) ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        var uid = await grains.Reference<ISecretLinkGrain>(ResetTokens.Key(tenant.ApiKey, proof.Selector!)).ResolveAsync(tenant.ApiKey)
            ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        return await reset(grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)), proof);
    }

    /// <summary>
    /// A reset by identifier and OTP or security answers. An unknown identifier (or one deleted meanwhile), and a
    /// suspended or blocked account, answer 1023/1022/1043 and the lock's code where the tenant wants LoginRadius'
    /// distinct codes; by default they answer what a wrong secret of <paramref name="purpose"/> answers (1067, or the
    /// purpose's e-mail OTP code; 1093), after the hashing a wrong secret costs, so the answer does not tell whether
    /// the account exists.
    /// </summary>
    public static async Task<Problem?> ByIdentifierAsync(
        IGrainFactory grains, TenantSnapshot tenant, SecretPurpose purpose, IdentifierKind kind, string identifier, SecretProof proof, Func<IUserGrain, Task<Problem?>> reset)
    {
        if (tenant.Settings.UniformAnswers)
        {
            // The tenant's rules first, before any lookup: an answer that depends on them must not depend on the account.
            var questions = tenant.Settings.SecurityQuestions;
            if (proof.Kind == SecretProofKind.SecurityAnswers && (!questions.Enabled || proof.Answers.Count < questions.RequiredAnswers))
            {
                throw LoginRadiusException.Of(questions.Enabled ? ErrorCode.MinimumSecurityAnswersMissing : ErrorCode.SecurityQuestionsDisabled);
            }
        }

        var uid = await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier)).ResolveAsync();
        var problem = uid is null
            ? new Problem(ErrorCode.UserDoesNotExist)
            : await reset(grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)));
        if (!tenant.Settings.UniformAnswers)
        {
            return problem?.Code == ErrorCode.UserDoesNotExist ? new Problem(kind.NotFound()) : problem;
        }

        if (problem?.Code is ErrorCode.UserDoesNotExist || (problem is { } refused && UniformAnswers.IsLockRefusal(refused)))
        {
            // Refused before any hashing: cost what a wrong secret costs, and answer as it does.
            var secrets = proof.Kind == SecretProofKind.Otp ? [proof.Secret!.Value] : proof.Answers.Values.ToList();
            await UniformAnswers.HashLikeAWrongSecretAsync(grains, secrets);
            problem = new Problem(WrongSecret(purpose, proof));
        }

        return problem;
    }

    /// <summary>What a wrong secret of <paramref name="purpose"/> answers for this proof.</summary>
    public static ErrorCode WrongSecret(SecretPurpose purpose, SecretProof proof) => proof.Kind switch
    {
        SecretProofKind.Otp => proof.ByEmail ? purpose.Rules().EmailOtpWrong : ErrorCode.OtpInvalid,
        SecretProofKind.SecurityAnswers => ErrorCode.SecurityAnswerIncorrect,
        _ => purpose.Rules().LinkWrong,
    };
}
