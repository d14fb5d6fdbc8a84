using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>The brute-force rules alone (no grain, no storage): every count, lock and lift, decided in memory.</summary>
public sealed class LockoutRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LockoutPolicy Suspend = new() { Type = LockoutType.Suspend, MaxFailedAttempts = 5, SuspendSeconds = 60, MaxSuspendSeconds = 3600 };
    private static readonly LockProof Captcha = new() { CaptchaSolved = true };
    private static readonly LockProof Answers = new() { SecurityAnswers = new Dictionary<string, Sensitive> { ["q1"] = new("a") } };

    /// <summary>One attempt as the user grain makes it: the gate, then the verdict of the secret.</summary>
    private static ErrorCode? Attempt(
        UserState user, CredentialKind? kind, bool right, DateTimeOffset now, LockoutPolicy? policy = null,
        LockProof? proof = null, AttemptStrength strength = AttemptStrength.Knowledge, List<AuditEntry>? audit = null)
    {
        var admission = LockoutRules.Admit(user, kind, strength, proof ?? LockProof.None, now);
        if (admission.Refusal is { } refusal)
        {
            return refusal.Code;
        }

        var entry = right
            ? LockoutRules.Succeed(user, kind, strength, admission.LockedAs, kind is null ? UnlockedBy.SelfService : UnlockedBy.Login)
            : LockoutRules.Fail(user, kind!.Value, policy ?? Suspend, admission.LockedAs, now);
        if (entry is not null)
        {
            audit?.Add(entry);
        }

        return right ? null : ErrorCode.InvalidPin;
    }

    private static void Fail(UserState user, CredentialKind kind, int times, DateTimeOffset now, LockoutPolicy? policy = null, LockProof? proof = null)
    {
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, Attempt(user, kind, right: false, now, policy, proof));
        }
    }

    [Theory]
    [InlineData(CredentialKind.Pin, CredentialKind.Password)]
    [InlineData(CredentialKind.Password, CredentialKind.Pin)]
    [InlineData(CredentialKind.Pin, CredentialKind.StepUp)]
    [InlineData(CredentialKind.ResetSecret, CredentialKind.Pin)]
    [InlineData(CredentialKind.SecurityAnswer, CredentialKind.Password)]
    [InlineData(CredentialKind.Pin, CredentialKind.SecurityAnswer)]
    public void A_success_of_one_kind_never_resets_the_count_of_another(CredentialKind guessed, CredentialKind known)
    {
        var user = new UserState();
        Fail(user, guessed, 4, Start);

        Assert.Null(Attempt(user, known, right: true, Start));

        Assert.Equal(4, user.Failures[guessed].Count);
        Assert.Equal(ErrorCode.InvalidPin, Attempt(user, guessed, right: false, Start));
        Assert.Equal(LockoutType.Suspend, user.LockType);
        Assert.Equal(guessed, user.LockedBy);
        Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, known, right: true, Start));
    }

    [Fact]
    public void Four_wrong_pins_and_a_right_password_cannot_be_repeated_forever()
    {
        var user = new UserState();
        for (var round = 0; round < 3; round++)
        {
            Fail(user, CredentialKind.Pin, round == 0 ? 4 : 1, Start);
            if (user.IsLocked(Start))
            {
                break;
            }

            Assert.Null(Attempt(user, CredentialKind.Password, right: true, Start));
        }

        Assert.True(user.IsLocked(Start));
        Assert.Equal(5, user.Failures[CredentialKind.Pin].Count);
    }

    [Fact]
    public void A_success_of_the_same_kind_starts_its_count_over()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 4, Start);
        Fail(user, CredentialKind.Password, 2, Start);

        Assert.Null(Attempt(user, CredentialKind.Pin, right: true, Start));

        Assert.False(user.Failures.ContainsKey(CredentialKind.Pin));
        Assert.Equal(2, user.Failures[CredentialKind.Password].Count);
        Fail(user, CredentialKind.Pin, 4, Start);
        Assert.False(user.IsLocked(Start));
    }

    [Theory]
    [InlineData(LockoutType.Suspend, ErrorCode.AccountSuspended)]
    [InlineData(LockoutType.Block, ErrorCode.AccountBlocked)]
    [InlineData(LockoutType.Captcha, ErrorCode.CaptchaRequired)]
    [InlineData(LockoutType.SecurityQuestion, ErrorCode.SecurityAnswerRequired)]
    public void The_threshold_locks_with_the_tenants_lock_type_and_refuses_before_any_check(LockoutType type, ErrorCode refusal)
    {
        var policy = Suspend with { Type = type, MaxFailedAttempts = 3 };
        var user = new UserState();
        var audit = new List<AuditEntry>();
        for (var i = 0; i < 3; i++)
        {
            Attempt(user, CredentialKind.Pin, right: false, Start, policy, audit: audit);
        }

        var locked = Assert.Single(audit);
        Assert.Equal(("AccountLocked", type, LockReason.Threshold, 3, 3), (locked.Event, locked.LockType, locked.Reason, locked.Failures, locked.ConsecutiveFailures));
        Assert.Equal(refusal, Attempt(user, CredentialKind.Pin, right: true, Start, policy));
        Assert.Equal(refusal, Attempt(user, CredentialKind.Password, right: true, Start, policy));
        Assert.Equal(type == LockoutType.Suspend ? Start.AddSeconds(60) : DateTimeOffset.MaxValue, user.LockedUntil);
    }

    [Fact]
    public void A_blocked_account_is_refused_whatever_it_brings()
    {
        var user = new UserState { IsActive = false };

        Assert.Equal(ErrorCode.AccountBlocked, Attempt(user, CredentialKind.Pin, right: true, Start, proof: Captcha));
        Assert.Equal(ErrorCode.AccountBlocked, Attempt(user, CredentialKind.ResetSecret, right: true, Start, strength: AttemptStrength.ProofOfControl));
    }

    [Fact]
    public void A_suspension_that_ran_out_restarts_the_threshold_count_but_not_the_consecutive_one()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 5, Start);
        var end = user.LockedUntil!.Value;

        Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, CredentialKind.Pin, right: false, end.AddTicks(-1)));
        Fail(user, CredentialKind.Pin, 1, end);

        Assert.Null(user.LockType);
        Assert.Equal(1, user.Failures[CredentialKind.Pin].Count);
        Assert.Equal(6, user.Failures[CredentialKind.Pin].Consecutive);
    }

    [Fact]
    public void A_suspension_soon_after_the_last_doubles_up_to_the_maximum()
    {
        var user = new UserState();
        var now = Start;
        var periods = new List<TimeSpan>();
        for (var i = 0; i < 8; i++)
        {
            Fail(user, CredentialKind.Pin, 5, now);
            periods.Add(user.LockedUntil!.Value - now);
            now = user.LockedUntil!.Value;
        }

        Assert.Equal([60, 120, 240, 480, 960, 1920, 3600, 3600], periods.Select(p => (int)p.TotalSeconds));
    }

    [Fact]
    public void A_capped_suspension_that_runs_out_does_not_drop_the_next_back_to_the_base_period()
    {
        var policy = Suspend with { EscalationWindow = TimeSpan.FromMinutes(10), MaxSuspendSeconds = 3600 };
        var user = new UserState();
        var now = Start;
        var periods = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            Fail(user, CredentialKind.Pin, 5, now, policy);
            periods.Add((int)(user.LockedUntil!.Value - now).TotalSeconds);
            now = user.LockedUntil!.Value.AddMinutes(1);
        }

        // Each lock comes a minute after the previous one ended (long after it began): it keeps doubling, capped.
        Assert.Equal([60, 120, 240, 480, 960, 1920, 3600, 3600], periods);
    }

    [Fact]
    public void Step_up_and_pin_guesses_share_nists_ceiling_because_they_guess_the_same_pin()
    {
        var policy = Suspend with { Type = LockoutType.Captcha };
        var user = new UserState();
        for (var i = 0; i < 50; i++)
        {
            Attempt(user, CredentialKind.Pin, right: false, Start, policy, Captcha);
            Attempt(user, CredentialKind.StepUp, right: false, Start, policy, Captcha);
        }

        Assert.Equal(LockoutType.Block, user.LockType);
        Assert.Equal((50, 50), (user.Failures[CredentialKind.Pin].Consecutive, user.Failures[CredentialKind.StepUp].Consecutive));
    }

    [Fact]
    public void A_lock_from_before_locks_had_a_cause_lets_no_proof_of_control_through()
    {
        var user = new UserState { LockType = LockoutType.Suspend, LockedUntil = Start.AddMinutes(5) };

        Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, CredentialKind.ResetSecret, right: true, Start, strength: AttemptStrength.ProofOfControl));
    }

    [Fact]
    public void A_suspension_outside_the_escalation_window_starts_from_the_base_period()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 5, Start);
        var later = user.LockedUntil!.Value + Suspend.EscalationWindow + TimeSpan.FromSeconds(1);

        Fail(user, CredentialKind.Pin, 5, later);

        Assert.Equal(later.AddSeconds(60), user.LockedUntil);
        Assert.Equal(0, user.LockEscalations);
    }

    [Fact]
    public void Under_a_captcha_lock_each_attempt_needs_a_captcha_counts_and_a_success_lifts_it()
    {
        var policy = Suspend with { Type = LockoutType.Captcha };
        var user = new UserState();
        var audit = new List<AuditEntry>();
        Fail(user, CredentialKind.Pin, 5, Start, policy);

        Assert.Equal(ErrorCode.CaptchaRequired, Attempt(user, CredentialKind.Pin, right: true, Start, policy));
        Fail(user, CredentialKind.Pin, 3, Start, policy, Captcha);
        Assert.Equal(LockoutType.Captcha, user.LockType);
        Assert.Equal(8, user.Failures[CredentialKind.Pin].Count);

        Assert.Null(Attempt(user, CredentialKind.Password, right: true, Start, policy, Captcha, audit: audit));

        Assert.Equal(("AccountUnlocked", LockoutType.Captcha, UnlockedBy.Login), (audit[0].Event, audit[0].LockType, audit[0].By));
        Assert.Null(user.LockType);
        Assert.Equal(0, user.Failures[CredentialKind.Pin].Count);
        Assert.Equal(8, user.Failures[CredentialKind.Pin].Consecutive);
    }

    [Theory]
    [InlineData(LockoutType.Captcha)]
    [InlineData(LockoutType.SecurityQuestion)]
    public void Self_service_unlocks_never_buy_more_than_nists_hundred_guesses(LockoutType type)
    {
        var policy = Suspend with { Type = type };
        var proof = type == LockoutType.Captcha ? Captcha : Answers;
        var user = new UserState();
        var guesses = 0;
        var audit = new List<AuditEntry>();
        while (guesses < 1000 && Attempt(user, CredentialKind.Pin, right: false, Start, policy, audit: audit) == ErrorCode.InvalidPin)
        {
            guesses++;
            if (user.IsLocked(Start) && user.LockType == type)
            {
                // The attacker solves the lock's challenge (one captcha, or the answers) and unlocks by self-service.
                Assert.Null(Attempt(user, null, right: true, Start, policy, proof));
                Assert.False(user.IsLocked(Start));
            }
        }

        Assert.Equal(LockoutPolicy.NistCeiling, guesses);
        Assert.Equal(LockoutType.Block, user.LockType);
        Assert.Equal(LockReason.NistCeiling, audit.Last().Reason);
        Assert.Equal(ErrorCode.AccountBlocked, Attempt(user, null, right: true, Start, policy, proof));
    }

    [Fact]
    public void Nists_ceiling_holds_through_suspensions_that_run_out()
    {
        var user = new UserState();
        var now = Start;
        var guesses = 0;
        while (guesses < 1000)
        {
            var answer = Attempt(user, CredentialKind.Pin, right: false, now);
            if (answer == ErrorCode.AccountSuspended)
            {
                now = user.LockedUntil!.Value;
                continue;
            }

            if (answer != ErrorCode.InvalidPin)
            {
                break;
            }

            guesses++;
        }

        Assert.Equal(LockoutPolicy.NistCeiling, guesses);
        Assert.Equal(LockoutType.Block, user.LockType);
        Assert.Equal(DateTimeOffset.MaxValue, user.LockedUntil);
    }

    [Fact]
    public void Each_kind_has_its_own_hundred()
    {
        var policy = Suspend with { Type = LockoutType.Captcha };
        var user = new UserState();
        for (var i = 0; i < 99; i++)
        {
            Attempt(user, CredentialKind.Pin, right: false, Start, policy, Captcha);
            Attempt(user, CredentialKind.Password, right: false, Start, policy, Captcha);
        }

        Assert.NotEqual(LockoutType.Block, user.LockType);
        Attempt(user, CredentialKind.Password, right: false, Start, policy, Captcha);
        Assert.Equal(LockoutType.Block, user.LockType);
        Assert.Equal(CredentialKind.Password, user.LockedBy);
    }

    [Fact]
    public void A_proof_of_control_gets_past_a_suspension_others_caused_and_starts_every_count_over()
    {
        var user = new UserState();
        var audit = new List<AuditEntry>();
        Fail(user, CredentialKind.Password, 3, Start);
        Fail(user, CredentialKind.Pin, 5, Start);
        Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, CredentialKind.SecurityAnswer, right: true, Start));

        Assert.Null(Attempt(user, CredentialKind.ResetSecret, right: true, Start, strength: AttemptStrength.ProofOfControl, audit: audit));

        Assert.False(user.IsLocked(Start));
        Assert.Empty(user.Failures);
        Assert.Equal(("AccountUnlocked", LockoutType.Suspend), (audit.Single().Event, audit.Single().LockType));
        Assert.Null(Attempt(user, CredentialKind.Pin, right: true, Start));
    }

    [Fact]
    public void Guessing_reset_secrets_through_a_suspension_locks_them_out_too()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 5, Start);
        var pinLockEnds = user.LockedUntil;

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ErrorCode.InvalidPin, Attempt(user, CredentialKind.ResetSecret, right: false, Start, strength: AttemptStrength.ProofOfControl));
        }

        Assert.Equal(CredentialKind.ResetSecret, user.LockedBy);
        Assert.True(user.LockedUntil > pinLockEnds);
        Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, CredentialKind.ResetSecret, right: true, Start, strength: AttemptStrength.ProofOfControl));
    }

    [Theory]
    [InlineData(LockoutType.Block, null)]
    [InlineData(LockoutType.Captcha, false)]
    [InlineData(LockoutType.Captcha, true)]
    public void A_proof_of_control_does_not_lift_a_block_and_brings_what_a_captcha_lock_asks_for(LockoutType type, bool? withCaptcha)
    {
        var policy = Suspend with { Type = type };
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 5, Start, policy);

        var answer = Attempt(user, CredentialKind.ResetSecret, right: true, Start, policy, withCaptcha == true ? Captcha : null, AttemptStrength.ProofOfControl);

        Assert.Equal(type == LockoutType.Block ? ErrorCode.AccountBlocked : withCaptcha == true ? null : ErrorCode.CaptchaRequired, answer);
        Assert.Equal(withCaptcha == true, !user.IsLocked(Start));
    }

    [Fact]
    public void A_knowledge_secret_never_gets_past_a_suspension()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 5, Start);

        foreach (var kind in Enum.GetValues<CredentialKind>())
        {
            Assert.Equal(ErrorCode.AccountSuspended, Attempt(user, kind, right: true, Start));
        }
    }

    [Fact]
    public void An_administrators_unlock_forgives_everything()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Password, 2, Start);
        Fail(user, CredentialKind.Pin, 5, Start);

        var audit = LockoutRules.AdministratorUnlock(user, Start);

        Assert.Equal(UnlockedBy.Administrator, audit!.By);
        Assert.Empty(user.Failures);
        Assert.Null(user.LockedUntil);
        Assert.Null(user.LastLockedAt);
        Assert.Equal(0, user.LockEscalations);
        Assert.Null(LockoutRules.AdministratorUnlock(user, Start));
    }

    [Fact]
    public void A_threshold_above_nists_ceiling_is_kept_at_it()
    {
        var user = new UserState();
        Fail(user, CredentialKind.Pin, 99, Start, Suspend with { MaxFailedAttempts = 1000 });
        Assert.False(user.IsLocked(Start));

        Fail(user, CredentialKind.Pin, 1, Start, Suspend with { MaxFailedAttempts = 1000 });

        Assert.Equal(LockoutType.Block, user.LockType);
    }
}
