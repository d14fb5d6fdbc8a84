using System.Text.Json;
using PinOrleans.Gateway.Endpoints;
using PinOrleans.Gateway.Wire;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// How typed bodies read what LoginRadius clients send (<see cref="RequestJson"/>): keys in any casing, PINs as JSON
/// numbers, flags as strings, and a field of the wrong kind refused as 1134 naming that field.
/// </summary>
public sealed class RequestBindingTests
{
    [Theory]
    [InlineData("$.pin", "pin")]
    [InlineData("$.Email[0].Value", "Email.Value")]
    [InlineData("$['g-recaptcha-response']", "g-recaptcha-response")]
    [InlineData("$.PINInfo.PIN", "PINInfo.PIN")]
    [InlineData("$", "body")]
    [InlineData(null, "body")]
    public void A_json_path_names_the_field(string? path, string field) => Assert.Equal(field, RequestJson.FieldOf(path));

    [Theory]
    [InlineData("""{"pin":"7890"}""", "7890")]
    [InlineData("""{"PIN":"7890"}""", "7890")]
    [InlineData("""{"Pin":7890}""", "7890")]
    [InlineData("""{"pin":null}""", null)]
    [InlineData("""{}""", null)]
    public void Keys_match_in_any_casing_and_whole_numbers_read_as_digits(string json, string? pin) =>
        Assert.Equal(pin, Bind<AuthLoginApi.PinLogin>(json).Pin);

    [Fact]
    public void Flags_read_from_json_booleans_and_their_strings()
    {
        Assert.True(Bind<ManageAccountApi.AccountChange>("""{"isactive":"true"}""").IsActive);
        Assert.False(Bind<ManageAccountApi.AccountChange>("""{"IsLoginLocked":false}""").IsLoginLocked);
        Assert.Null(Bind<ManageAccountApi.AccountChange>("{}").IsActive);
    }

    [Theory]
    [InlineData("""{"pin":true}""", "pin", "The pin field must be a string.")]
    [InlineData("""{"pin":78.9}""", "pin", "The pin field must be a string.")]
    [InlineData("""{"pin":"\ud800"}""", "pin", "The pin field is not valid text.")]
    [InlineData("""{"pin":{"value":"7890"}}""", "pin", "The pin field must be a string.")]
    public void A_field_of_the_wrong_kind_is_1134_naming_it(string json, string field, string message)
    {
        var refusal = Assert.Throws<LoginRadiusException>(() => Bind<AuthLoginApi.PinLogin>(json));

        Assert.Equal((int)ErrorCode.ValidationFailed, refusal.Error.Code);
        var error = Assert.Single(refusal.Problem!.Errors!);
        Assert.Equal(field, error.FieldName, ignoreCase: true);
        Assert.Equal(message, error.ErrorMessage);
    }

    [Fact]
    public void A_nested_field_of_the_wrong_kind_names_its_path()
    {
        var refusal = Assert.Throws<LoginRadiusException>(() => Bind<ManageAccountApi.NewAccountBody>("""{"Email":[{"Value":{"a":1}}],"Password":"x1234567"}"""));

        Assert.Equal("Email.Value", Assert.Single(refusal.Problem!.Errors!).FieldName);
    }

    /// <summary>What <see cref="RequestBody{TSelf}.BindAsync"/> does once the body is read as a JSON object.</summary>
    private static T Bind<T>(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RequestJson.Read<T>(document.RootElement);
    }
}
