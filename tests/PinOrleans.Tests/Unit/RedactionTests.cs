using PinOrleans.Accounts;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>Orleans writes grain-call arguments into its warnings (timeouts, dead silos): secrets must print as ***.</summary>
public sealed class RedactionTests
{
    [Fact]
    public void Secrets_and_the_records_that_carry_them_never_print_their_values()
    {
        const string pin = "7890";
        const string password = "hunter2-password";
        const string token = "0f8fad5b-d9cb-469f-a165-70867728950e";
        object[] carriers =
        [
            new Sensitive(pin),
            new NewAccount { Email = [new EmailAddress("Primary", "a@example.com")], Password = password, Pin = pin },
            new TenantDefinition { Name = "t", ApiSecret = token },
            new GeneratedTenant("key", token),
            new HashCheck(true, "argon2id-hmacsha256$p1$m=1,t=1,p=1$c2FsdA==$aGFzaA=="),
            new IssuedTokens(token, token, DateTimeOffset.UtcNow) { SessionToken = token },
            new LoginOutcome(null, new IssuedTokens(token, token, DateTimeOffset.UtcNow), null),
        ];

        foreach (var carrier in carriers)
        {
            var text = carrier.ToString()!;
            Assert.DoesNotContain(pin, text, StringComparison.Ordinal);
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("argon2id", text, StringComparison.Ordinal);
        }
    }
}
