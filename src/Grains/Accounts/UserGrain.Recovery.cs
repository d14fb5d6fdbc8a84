using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PinOrleans.Recovery;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Accounts;

/// <summary>Forgot PIN and reset PIN: the account issues and checks its own reset secrets (hashes only in storage).</summary>
public sealed partial class UserGrain
{
    public async Task<PinResetTicket> BeginPinResetAsync(TenantSnapshot tenant, RecoveryChannel channel)
    {
        if (!Exists)
        {
            return PinResetTicket.Fail(ErrorCode.UserDoesNotExist);
        }

        var now = time.GetUtcNow();
        var user = state.State;
        if (!user.IsActive)
        {
            return PinResetTicket.Fail(ErrorCode.AccountBlocked);
        }

        if (user.IsLocked(now) && (user.LockType == LockoutType.Block || (user.LockType == LockoutType.Suspend && user.LockedBy == CredentialKind.ResetSecret)))
        {
            // The reset itself would be refused until the lock ends: no message the holder cannot use. (A suspension
            // that guessing other secrets caused is lifted by the reset; under a Captcha or SecurityQuestion lock the
            // reset goes through with what the lock asks for.)
            return new PinResetTicket { Problem = LockoutRules.Refusal(user) };
        }

        var byEmail = channel == RecoveryChannel.Email;
        if (byEmail ? user.Email.Count == 0 : user.PhoneId is null)
        {
            return PinResetTicket.Fail(byEmail ? ErrorCode.EmailDoesNotExist : ErrorCode.PhoneDoesNotExist);
        }

        var sent = byEmail ? user.RecentEmails : user.RecentSms;
        sent.RemoveAll(at => at <= now.AddHours(-1));
        var policy = tenant.Settings.Recovery;
        if (sent.Count >= policy.MaxMessagesPerHour)
        {
            return PinResetTicket.Fail(byEmail ? ErrorCode.EmailLimitReached : ErrorCode.SmsLimitReached);
        }

        var otp = new Sensitive(NewOtp(policy.OtpLength));
        // The anonymous lane, like the hashing an unknown identifier's request is given: under load they fare alike.
        var otpHash = hasher.HashAsync(otp, HashLane.Anonymous);
        var reset = new PendingPinReset { OtpExpiresAt = now.AddMinutes(policy.OtpMinutes) };
        Sensitive? resetToken = null;
        if (byEmail)
        {
            var (selector, secret) = ResetTokens.New();
            reset.Selector = selector;
            reset.TokenExpiresAt = now.AddMinutes(policy.ResetTokenMinutes);
            reset.TokenHash = (await hasher.HashAsync(secret, HashLane.Anonymous)).Value;
            // The link is findable before the account points at it; a link whose account moved on is simply stale.
            await GrainFactory.GetGrain<IPinResetLinkGrain>(ResetTokens.Key(ApiKey, selector))
                .StartAsync(new TokenGrant(ApiKey, Uid, now, reset.TokenExpiresAt));
            resetToken = new Sensitive(selector + secret.Value);
        }

        reset.OtpHash = (await otpHash).Value;
        user.PinReset = reset;
        sent.Add(now);
        await WriteOrDeactivateAsync();
        return new PinResetTicket
        {
            ResetToken = resetToken,
            Otp = otp,
            Emails = user.Email.OrderByDescending(e => e.Type.Equals("Primary", StringComparison.OrdinalIgnoreCase)).Select(e => e.Value).ToList(),
            Phone = user.PhoneId,
            Name = DisplayName(user),
        };
    }

    public async Task<Problem?> ResetPinAsync(TenantSnapshot tenant, PinResetProof proof, Sensitive newPin, LockProof? lockProof = null)
    {
        if (!Exists)
        {
            return new Problem(proof.Kind == PinResetProofKind.ResetToken ? ErrorCode.VerificationTokenInvalid : ErrorCode.UserDoesNotExist);
        }

        if (AccountRules.PinError(newPin.Value, tenant.Settings.Pin) is { } error)
        {
            return Problem.Validation("PIN", error);
        }

        // Reset token and OTP: a right secret may still be spent or expired, which refuses without counting.
        Challenge challenge;
        Func<PendingPinReset, DateTimeOffset, Problem?>? usable = null;
        switch (proof.Kind)
        {
            case PinResetProofKind.ResetToken:
                challenge = ResetTokenChallenge(proof);
                usable = (reset, now) => Refusal(TokenGuard.StandingOf(now, reset.TokenExpiresAt, spent: reset.UsedAt is not null), ErrorCode.PinResetLinkUsed, ErrorCode.LinkExpired);
                break;
            case PinResetProofKind.Otp:
                challenge = OtpChallenge(proof.Secret!.Value);
                usable = (reset, now) => Refusal(TokenGuard.StandingOf(now, reset.OtpExpiresAt, spent: reset.UsedAt is not null), ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired);
                break;
            default:
                challenge = SecurityAnswerChallenge(tenant.Settings.SecurityQuestions, proof.Answers, tenant.Settings.UniformAnswers);
                break;
        }

        var verdict = await AttemptAsync(tenant, lockProof, challenge, async (user, now) =>
        {
            if (usable is not null)
            {
                if (usable(user.PinReset!, now) is { } refused)
                {
                    return refused;
                }

                // Used once: the whole request (link and OTP) is spent.
                user.PinReset!.UsedAt = now;
            }

            EndOtherSessions(tenant, user, now);

            return await ReplacePinAsync(user, newPin, now);
        }, WebhookEvents.ResetPIN);
        return verdict.Problem;
    }

    /// <summary>Why a right reset secret is refused (<paramref name="spent"/> or <paramref name="expired"/>), or null when it is live.</summary>
    private static Problem? Refusal(TokenStanding standing, ErrorCode spent, ErrorCode expired) => standing switch
    {
        TokenStanding.Spent => new Problem(spent),
        TokenStanding.Expired => new Problem(expired),
        _ => null,
    };

    private Challenge ResetTokenChallenge(PinResetProof proof) => new(
        CredentialKind.ResetSecret,
        user => user.PinReset is { TokenHash: not null } reset && reset.Selector == proof.Selector
            ? null
            : new Problem(ErrorCode.LinkUnavailable), // a link replaced by a newer request
        user => user.PinReset!.TokenHash!,
        user => hasher.VerifyAsync(proof.Secret!.Value, new Sensitive(user.PinReset!.TokenHash!)),
        ErrorCode.VerificationTokenInvalid) { Strength = AttemptStrength.ProofOfControl };

    /// <summary>
    /// An OTP when none was sent is a wrong guess like any other: it costs a hash and counts. Hashed in the anonymous
    /// lane, as a guess for an unknown identifier is, so a full queue does not tell them apart either.
    /// </summary>
    private Challenge OtpChallenge(Sensitive otp) => new(
        CredentialKind.ResetSecret,
        _ => null,
        user => user.PinReset?.OtpHash ?? "",
        async user => user.PinReset?.OtpHash is { } stored
            ? await hasher.VerifyAsync(otp, new Sensitive(stored), HashLane.Anonymous)
            : new HashCheck(await hasher.VerifyNothingAsync(otp), null),
        ErrorCode.OtpInvalid) { Strength = AttemptStrength.ProofOfControl };

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
