using System.Net;
using System.Text;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>The administrator's settings route refuses links and numbers that cannot work, naming the setting, and changes nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantSettingsValidationTests(ClusterFixture fixture)
{
    private readonly Api _api = new(fixture.AdminGateway.CreateClient());

    private Task<HttpResponseMessage> ChangeAsync(string apiKey, string patch) =>
        _api.SendAsync(HttpMethod.Put, $"/pinorleans/v1/admin/tenants/{apiKey}/settings", patch, headers: new Dictionary<string, string>
        {
            ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AdminApiTests.AdminUser}:{AdminApiTests.AdminPassword}")),
        });

    [Theory]
    [InlineData("""{"AllowedDomains":["http://app.example.com"]}""", "AllowedDomains")]
    [InlineData("""{"AllowedDomains":["*.com"]}""", "AllowedDomains")]
    [InlineData("""{"AllowedDomains":["https://app.example.com/path"]}""", "AllowedDomains")]
    [InlineData("""{"AllowedDomains":["user@app.example.com"]}""", "AllowedDomains")]
    [InlineData("""{"Recovery":{"ResetPinUrl":"http://tenant.example.com/pin"}}""", "Recovery:ResetPinUrl")]
    [InlineData("""{"Recovery":{"ResetPinUrl":"https://user@tenant.example.com/pin"}}""", "Recovery:ResetPinUrl")]
    [InlineData("""{"Recovery":{"ResetPinUrl":"/relative"}}""", "Recovery:ResetPinUrl")]
    [InlineData("""{"Tokens":{"RefreshTokenDays":100000000}}""", "Tokens:RefreshTokenDays")]
    [InlineData("""{"Tokens":{"AccessTokenMinutes":0}}""", "Tokens:AccessTokenMinutes")]
    [InlineData("""{"Recovery":{"OtpMinutes":-5}}""", "Recovery:OtpMinutes")]
    [InlineData("""{"Lockout":{"SuspendSeconds":0}}""", "Lockout:SuspendSeconds")]
    [InlineData("""{"Pin":{"MinLength":6,"MaxLength":4}}""", "Pin:MaxLength")]
    [InlineData("""{"Password":{"History":11}}""", "Password:History")]
    [InlineData("""{"SecurityQuestions":{"Questions":{"bad id":"Your first pet?"}}}""", "SecurityQuestions:Questions")]
    public async Task Bad_links_and_ranges_are_refused_with_1134_naming_the_setting_and_change_nothing(string patch, string setting)
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { AllowedDomains = ["app.example.com"] });

        var error = await Api.ExpectErrorAsync(await ChangeAsync(tenant.ApiKey, patch), 403, 1134);

        Assert.StartsWith(setting, error.GetProperty("Errors")[0].GetProperty("ErrorMessage").GetString(), StringComparison.Ordinal);
        var kept = (await fixture.SnapshotAsync(tenant)).Settings;
        Assert.Equal(["app.example.com"], kept.AllowedDomains);
        Assert.Equal(new TenantSettings().Tokens, kept.Tokens);
    }

    [Fact]
    public async Task The_password_policy_and_security_questions_are_read_and_written_through_the_settings_route()
    {
        var tenant = await fixture.NewTenantAsync();

        var changed = await Api.ExpectAsync(await ChangeAsync(tenant.ApiKey,
            """{"Password":{"RequireUppercase":true,"RequireSpecial":true,"History":5},"SecurityQuestions":{"Questions":{"q1":"Your first pet?"}},"Tokens":{"SlidingAccessToken":true}}"""), HttpStatusCode.OK);

        Assert.Equal(5, changed.GetProperty("Password").GetProperty("History").GetInt32());
        Assert.True(changed.GetProperty("Password").GetProperty("RejectIdentifiers").GetBoolean());
        var kept = (await fixture.SnapshotAsync(tenant)).Settings;
        Assert.Equal(new PasswordPolicy { RequireUppercase = true, RequireSpecial = true, History = 5 }, kept.Password);
        Assert.Equal("Your first pet?", kept.SecurityQuestions.Questions["q1"]);
        Assert.True(kept.Tokens.SlidingAccessToken);
    }

    [Fact]
    public async Task Good_links_are_saved_as_given()
    {
        var tenant = await fixture.NewTenantAsync();

        var changed = await Api.ExpectAsync(await ChangeAsync(tenant.ApiKey,
            """{"AllowedDomains":["*.Shop.example","http://localhost:3000","bücher.example"],"Recovery":{"ResetPinUrl":"https://app.example.com/reset"}}"""), HttpStatusCode.OK);

        Assert.Equal(3, changed.GetProperty("AllowedDomains").GetArrayLength());
        Assert.Equal(["*.Shop.example", "http://localhost:3000", "bücher.example"], (await fixture.SnapshotAsync(tenant)).Settings.AllowedDomains);
    }
}
