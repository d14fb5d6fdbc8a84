using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>The tenant's password policy as <see cref="AccountRules.PasswordProblem(PasswordPolicy, Sensitive?, IEnumerable{string?}, string)"/> applies it (history aside).</summary>
public sealed class PasswordPolicyTests
{
    private static readonly string?[] Identifiers = ["jane@example.com", "jane_doe", "+14155550100"];

    private static string? Error(PasswordPolicy policy, string? password) =>
        AccountRules.PasswordProblem(policy, password is null ? (Sensitive?)null : new Sensitive(password), Identifiers, "newpassword")?.Errors?.Single() is { } error
            ? $"{error.FieldName}: {error.ErrorMessage}"
            : null;

    [Theory]
    [InlineData(null, "newpassword: The Password field is required.")]
    [InlineData("", "newpassword: The Password field is required.")]
    [InlineData("short", "newpassword: The Password field must be 6 to 32 characters long.")]
    [InlineData("much-too-long-for-the-default-policy", "newpassword: The Password field must be 6 to 32 characters long.")]
    [InlineData("tab\there", "newpassword: The Password field may not contain control characters.")]
    [InlineData("JANE@example.COM", "newpassword: The Password field may not be the account's e-mail address, user name or phone number.")]
    [InlineData(" jane_doe ", "newpassword: The Password field may not be the account's e-mail address, user name or phone number.")]
    [InlineData("+14155550100", "newpassword: The Password field may not be the account's e-mail address, user name or phone number.")]
    [InlineData("jane_doe_1", null)]
    [InlineData("correct-horse-42", null)]
    public void Default_policy_checks_length_control_characters_and_identifiers(string? password, string? expected) =>
        Assert.Equal(expected, Error(new PasswordPolicy(), password));

    [Theory]
    [InlineData("alllowercase1!", "an uppercase letter")]
    [InlineData("ALLUPPERCASE1!", "a lowercase letter")]
    [InlineData("NoDigitsHere!", "a digit")]
    [InlineData("NoSpecial123", "a special character")]
    [InlineData("nothing", "an uppercase letter, a digit, a special character")]
    public void Complexity_names_every_missing_kind(string password, string missing) =>
        Assert.Equal($"newpassword: The Password field must contain {missing}.", Error(
            new PasswordPolicy { RequireUppercase = true, RequireLowercase = true, RequireDigit = true, RequireSpecial = true }, password));

    [Fact]
    public void A_complex_password_passes_and_identifiers_may_be_allowed()
    {
        var strict = new PasswordPolicy { RequireUppercase = true, RequireLowercase = true, RequireDigit = true, RequireSpecial = true };
        Assert.Null(Error(strict, "Correct-Horse-42"));
        Assert.Null(Error(new PasswordPolicy { RejectIdentifiers = false }, "jane_doe"));
    }

    [Fact]
    public void Length_counts_what_a_person_sees()
    {
        // Six user-perceived characters, twelve UTF-16 units: within 6 to 6.
        Assert.Null(Error(new PasswordPolicy { MinLength = 6, MaxLength = 6 }, "👍👍👍👍👍👍"));
    }

    [Fact]
    public void Account_creation_checks_the_password_against_the_accounts_own_identifiers()
    {
        var problem = AccountRules.Validate(new NewAccount { Email = [new EmailAddress("Primary", "jane@example.com")], Password = "jane@example.com" }, new TenantSettings());
        Assert.Equal(ErrorCode.ValidationFailed, problem?.Code);
        Assert.Contains(problem!.Errors!, e => e.FieldName == "Password" && e.ErrorMessage.Contains("e-mail address", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1, "Password:History")]
    [InlineData(PasswordPolicy.MaxHistory + 1, "Password:History")]
    public void History_is_bounded(int history, string setting) =>
        Assert.StartsWith(setting, new TenantSettings { Password = new PasswordPolicy { History = history } }.Problem(), StringComparison.Ordinal);

    [Fact]
    public void Security_question_texts_are_checked()
    {
        Assert.Null(new TenantSettings { SecurityQuestions = new SecurityQuestionPolicy { Questions = new() { ["q1"] = "Your first pet?" } } }.Problem());
        Assert.StartsWith("SecurityQuestions:Questions", new TenantSettings { SecurityQuestions = new SecurityQuestionPolicy { Questions = new() { ["bad id"] = "Text" } } }.Problem(), StringComparison.Ordinal);
        Assert.StartsWith("SecurityQuestions:Questions", new TenantSettings { SecurityQuestions = new SecurityQuestionPolicy { Questions = new() { ["q1"] = " " } } }.Problem(), StringComparison.Ordinal);
    }
}
