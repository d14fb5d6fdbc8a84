using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PinOrleans.Recovery;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>
/// One-time secrets the account hands out and checks itself (hashes only in storage), one pending secret per
/// <see cref="SecretPurpose"/>: forgot PIN and password, e-mail and phone verification, deletion confirmation. Each
/// purpose's rules are in <see cref="SecretPurposes"/>; a route issues with <see cref="BeginSecretAsync"/> and spends
/// with <see cref="SpendSecretAsync"/>, which counts wrong guesses toward the lockout (<see cref="CredentialKind.ResetSecret"/>).
/// </summary>
public sealed partial class UserGrain
{
    public async Task<SecretTicket> BeginSecretAsync(TenantSnapshot tenant, SecretPurpose purpose, RecoveryChannel channel, string? target = null)
    {
        if (!Exists)
        {
            return SecretTicket.Fail(ErrorCode.UserDoesNotExist);
        }

        var now = time.GetUtcNow();
        var user = state.State;
        var rules = purpose.Rules();
        if (!user.IsActive)
        {
            return SecretTicket.Fail(ErrorCode.AccountBlocked);
        }

        if (AlreadyVerified(purpose, user, target) is { } verified)
        {
            return new SecretTicket { Problem = verified };
        }

        if (rules.IsReset && user.IsLocked(now) && (user.LockType == LockoutType.Block || (user.LockType == LockoutType.Suspend && user.LockedBy == CredentialKind.ResetSecret)))
        {
            // The reset itself would be refused until the lock ends: no message the holder cannot use. (A suspension
            // that guessing other secrets caused is lifted by the reset; under a Captcha or SecurityQuestion lock the
            // reset goes through with what the lock asks for.)
            return new SecretTicket { Problem = LockoutRules.Refusal(user) };
        }

        var byEmail = channel == RecoveryChannel.Email;
        IReadOnlyList<string> emails = target is not null && byEmail
            ? [target]
            : user.Email.OrderByDescending(e => e.Type.Equals("Primary", StringComparison.OrdinalIgnoreCase)).Select(e => e.Value).ToList();
        var phone = byEmail ? null : target ?? user.PhoneId;
        if (byEmail ? emails.Count == 0 : phone is null)
        {
            return SecretTicket.Fail(byEmail ? ErrorCode.EmailDoesNotExist : ErrorCode.PhoneDoesNotExist);
        }

        var sent = byEmail ? user.RecentEmails : user.RecentSms;
        sent.RemoveAll(at => at <= now.AddHours(-1));
        var policy = tenant.Settings.Recovery;
        if (sent.Count >= policy.MaxMessagesPerHour)
        {
            return SecretTicket.Fail(byEmail ? ErrorCode.EmailLimitReached : ErrorCode.SmsLimitReached);
        }

        var pending = new PendingSecret { Target = target };
        Sensitive? otp = null;
        Task<Sensitive>? otpHash = null;
        if (!byEmail || rules.EmailOtp)
        {
            otp = new Sensitive(NewOtp(policy.OtpLength));
            // The anonymous lane, like the hashing an unknown identifier's request is given: under load they fare alike.
            otpHash = hasher.HashAsync(otp.Value, HashLane.Anonymous);
            pending.OtpExpiresAt = now.AddMinutes(policy.OtpMinutes);
        }

        Sensitive? linkToken = null;
        if (byEmail)
        {
            var (selector, secret) = ResetTokens.New();
            pending.Selector = selector;
            pending.TokenExpiresAt = now.AddMinutes(rules.LinkMinutes(tenant.Settings));
            pending.TokenHash = (await hasher.HashAsync(secret, HashLane.Anonymous)).Value;
            // The link is findable before the account points at it; a link whose account moved on is simply stale.
            await GrainFactory.Reference<ISecretLinkGrain>(ResetTokens.Key(ApiKey, selector))
                .StartAsync(new TokenGrant(ApiKey, Uid, now, pending.TokenExpiresAt));
            linkToken = new Sensitive(selector + secret.Value);
        }

        if (otpHash is not null)
        {
            pending.OtpHash = (await otpHash).Value;
        }

        user.Secrets[purpose] = pending;
        sent.Add(now);
        await WriteOrDeactivateAsync();
        return new SecretTicket
        {
            ResetToken = linkToken,
            Otp = otp,
            Emails = byEmail ? emails : [],
            Phone = phone,
            Name = DisplayName(user),
            Uid = Uid,
        };
    }

    public async Task<Problem?> ResetPinAsync(TenantSnapshot tenant, SecretProof proof, Sensitive newPin, LockProof? lockProof = null)
    {
        if (!Exists)
        {
            return new Problem(proof.Kind == SecretProofKind.ResetToken ? ErrorCode.VerificationTokenInvalid : ErrorCode.UserDoesNotExist);
        }

        if (AccountRules.PinError(newPin.Value, tenant.Settings.Pin) is { } error)
        {
            return Problem.Validation("PIN", error);
        }

        var verdict = await SpendSecretAsync(tenant, SecretPurpose.PinReset, proof, lockProof, async (user, _, now) =>
        {
            EndOtherSessions(tenant, user, now);
            return await ReplacePinAsync(user, newPin, now);
        }, WebhookEvents.ResetPIN);
        return verdict.Problem;
    }

    /// <summary>
    /// One attempt with a one-time secret of <paramref name="purpose"/> (a link's token or an OTP) or with security
    /// answers, through the lockout like every other secret: a wrong one counts (<see cref="CredentialKind.ResetSecret"/>
    /// or <see cref="CredentialKind.SecurityAnswer"/>); a right one that was used already or expired refuses without
    /// counting; a right live one is spent (the whole request, link and OTP) and <paramref name="apply"/> runs with the
    /// pending secret (null for security answers), before the one write that records it all.
    /// </summary>
    private Task<AccountOutcome> SpendSecretAsync(
        TenantSnapshot tenant,
        SecretPurpose purpose,
        SecretProof proof,
        LockProof? lockProof,
        Func<UserState, PendingSecret?, DateTimeOffset, Task<Problem?>> apply,
        string? successEvent = null)
    {
        var rules = purpose.Rules();
        var strength = rules.IsReset ? AttemptStrength.ProofOfControl : AttemptStrength.Knowledge;
        var (challenge, spent, expired) = proof.Kind switch
        {
            SecretProofKind.ResetToken => (LinkChallenge(purpose, proof) with { Strength = strength }, rules.LinkSpent, rules.LinkExpired),
            SecretProofKind.Otp when proof.ByEmail => (OtpChallenge(purpose, proof.Secret!.Value, rules.EmailOtpWrong) with { Strength = strength }, rules.EmailOtpSpent, rules.EmailOtpExpired),
            SecretProofKind.Otp => (OtpChallenge(purpose, proof.Secret!.Value, ErrorCode.OtpInvalid) with { Strength = strength }, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired),
            _ => (SecurityAnswerChallenge(tenant.Settings.SecurityQuestions, proof.Answers, tenant.Settings.UniformAnswers), ErrorCode.None, ErrorCode.None),
        };
        return AttemptAsync(tenant, lockProof, challenge, async (user, now) =>
        {
            if (!proof.IsHandedOut)
            {
                return await apply(user, null, now);
            }

            var pending = user.Secrets[purpose];
            var expiresAt = proof.Kind == SecretProofKind.ResetToken ? pending.TokenExpiresAt : pending.OtpExpiresAt;
            if (Refusal(TokenGuard.StandingOf(now, expiresAt, spent: pending.UsedAt is not null), spent, expired) is { } refused)
            {
                return refused;
            }

            // Used once: the whole request (link and OTP) is spent, unless the change itself is refused (nothing is
            // written then, so nothing may change in memory either).
            if (await apply(user, pending, now) is { } notApplied)
            {
                return notApplied;
            }

            pending.UsedAt = now;
            return null;
        }, successEvent);
    }

    /// <summary>Why a right one-time secret is refused (<paramref name="spent"/> or <paramref name="expired"/>), or null when it is live.</summary>
    private static Problem? Refusal(TokenStanding standing, ErrorCode spent, ErrorCode expired) => standing switch
    {
        TokenStanding.Spent => new Problem(spent),
        TokenStanding.Expired => new Problem(expired),
        _ => null,
    };

    private Challenge LinkChallenge(SecretPurpose purpose, SecretProof proof) => new(
        CredentialKind.ResetSecret,
        user => user.Secrets.GetValueOrDefault(purpose) is { TokenHash: not null } pending && pending.Selector == proof.Selector
            ? null
            : new Problem(ErrorCode.LinkUnavailable), // a link replaced by a newer request
        user => user.Secrets[purpose].TokenHash!,
        user => hasher.VerifyAsync(proof.Secret!.Value, new Sensitive(user.Secrets[purpose].TokenHash!)),
        purpose.Rules().LinkWrong);

    /// <summary>
    /// An OTP when none was sent is a wrong guess like any other: it costs a hash and counts. Hashed in the anonymous
    /// lane, as a guess for an unknown identifier is, so a full queue does not tell them apart either.
    /// </summary>
    private Challenge OtpChallenge(SecretPurpose purpose, Sensitive otp, ErrorCode wrong) => new(
        CredentialKind.ResetSecret,
        _ => null,
        user => user.Secrets.GetValueOrDefault(purpose)?.OtpHash ?? "",
        async user => user.Secrets.GetValueOrDefault(purpose)?.OtpHash is { } stored
            ? await hasher.VerifyAsync(otp, new Sensitive(stored), HashLane.Anonymous)
            : new HashCheck(await hasher.VerifyNothingAsync(otp), null),
        wrong);

    /// <summary>
    /// Security answers: at least the tenant's <c>MinimumAnswers</c> (default 2), every one right. An answer to a
    /// question the account has no answer for fails like a wrong answer and counts, after the same work. With
    /// <paramref name="uniform"/> answers (the default), an account without saved answers and unknown questions
    /// answer 1093 like a wrong answer; otherwise LoginRadius' 1092 and 1094.
    /// </summary>
    private Challenge SecurityAnswerChallenge(SecurityQuestionPolicy policy, IReadOnlyDictionary<string, Sensitive> answers, bool uniform = false) => new(
        CredentialKind.SecurityAnswer,
        user =>
        {
            if (!policy.Enabled)
            {
                return new Problem(ErrorCode.SecurityQuestionsDisabled);
            }

            if (user.SecurityAnswers.Count == 0 && !uniform)
            {
                return new Problem(ErrorCode.SecurityAnswerNotSaved);
            }

            return answers.Count < policy.RequiredAnswers ? new Problem(ErrorCode.MinimumSecurityAnswersMissing) : null;
        },
        user => string.Join('|', answers.Keys.Order(StringComparer.Ordinal).Select(id => user.SecurityAnswers.GetValueOrDefault(id, "?" + id))),
        async user =>
        {
            // One hash per answer, side by side on the hashing pool; all must be right. An unknown question costs
            // what a known one costs, so the answer does not tell which ids the account has.
            var checks = await Task.WhenAll(answers.Select(async a => user.SecurityAnswers.TryGetValue(a.Key, out var stored)
                ? (await hasher.VerifyAsync(NormalizeAnswer(a.Value), new Sensitive(stored), HashLane.Anonymous)).Valid
                : await hasher.VerifyNothingAsync(a.Value)));
            return new HashCheck(checks.All(valid => valid), null);
        },
        ErrorCode.SecurityAnswerIncorrect)
    {
        WrongFor = user => !uniform && answers.Keys.Any(id => !user.SecurityAnswers.ContainsKey(id)) ? ErrorCode.SecurityQuestionOrAnswerIncorrect : ErrorCode.SecurityAnswerIncorrect,
    };

    /// <summary>Applies <c>SecurityQuestionAnswer</c> of an account update: hashes new answers, removes empty ones.</summary>
    private async Task SetSecurityAnswersAsync(UserState user, IReadOnlyDictionary<string, Sensitive> answers)
    {
        var hashed = await Task.WhenAll(answers
            .Where(a => !string.IsNullOrWhiteSpace(a.Value.Value))
            .Select(async a => (a.Key, Hash: await hasher.HashAsync(NormalizeAnswer(a.Value)))));
        foreach (var (id, answer) in answers)
        {
            if (string.IsNullOrWhiteSpace(answer.Value))
            {
                user.SecurityAnswers.Remove(id);
            }
        }

        foreach (var (id, hash) in hashed)
        {
            user.SecurityAnswers[id] = hash.Value;
        }
    }

    /// <summary>Answers match whatever the casing, spacing or Unicode composition the holder types.</summary>
    private static Sensitive NormalizeAnswer(Sensitive answer) =>
        new(string.Join(' ', answer.Value.Normalize(NormalizationForm.FormKC).ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));

    private static string NewOtp(int length)
    {
        var digits = new char[Math.Clamp(length, 4, 12)];
        for (var i = 0; i < digits.Length; i++)
        {
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        }

        return new string(digits);
    }

    private static string DisplayName(UserState user)
    {
        if (user.ProfileFields.TryGetValue("FirstName", out var raw) && JsonSerializer.Deserialize<string>(raw) is { Length: > 0 } first)
        {
            return first;
        }

        return user.UserName ?? user.Email.FirstOrDefault()?.Value ?? "";
    }
}
