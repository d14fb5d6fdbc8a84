using System.Text;
using PinOrleans.Accounts;
using PinOrleans.Silo;
using PinOrleans.Tenants;

namespace PinOrleans.Tests.Unit;

/// <summary>Stored state is plain JSON: no CLR type names, so renamed types and added fields still read.</summary>
public sealed class StorageSerializerTests
{
    private readonly JsonGrainStorageSerializer _serializer = new();

    [Fact]
    public void A_row_with_one_failure_count_reads_as_pin_failures()
    {
        var old = """{"Uid":"u1","FailedLoginAttempts":4,"ConsecutiveFailures":12,"LockType":null}""";
        var back = _serializer.Deserialize<UserState>(BinaryData.FromString(old));

        Assert.True(back.UpgradeLegacyCounts());
        Assert.Equal(4, back.Failures[CredentialKind.Pin].Count);
        Assert.Equal(12, back.Failures[CredentialKind.Pin].Consecutive);
        Assert.False(back.UpgradeLegacyCounts());
        var json = Encoding.UTF8.GetString(_serializer.Serialize(back).ToArray());
        Assert.Contains("\"FailedLoginAttempts\":0", json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_with_a_forgot_pin_request_reads_it_as_the_pin_reset_secret()
    {
        var old = """{"Uid":"u1","PinReset":{"Selector":"0123456789abcdef","TokenHash":"h","TokenExpiresAt":"2030-01-01T00:00:00+00:00","OtpHash":"o","OtpExpiresAt":"2030-01-01T00:00:00+00:00","UsedAt":null}}""";
        var back = _serializer.Deserialize<UserState>(BinaryData.FromString(old));

        back.UpgradeLegacySecrets();
        var reset = back.Secrets[PinOrleans.Recovery.SecretPurpose.PinReset];
        Assert.Equal(("0123456789abcdef", "h", "o"), (reset.Selector, reset.TokenHash, reset.OtpHash));
        Assert.Null(back.PinReset);
        var json = Encoding.UTF8.GetString(_serializer.Serialize(back).ToArray());
        Assert.Contains("\"Secrets\":{\"PinReset\":{\"Selector\":\"0123456789abcdef\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void State_round_trips_without_type_names()
    {
        var state = new UserState
        {
            Uid = "0123456789abcdef0123456789abcdef",
            Email = [new EmailAddress("Primary", "a@example.com")],
            Failures = { [CredentialKind.Pin] = new FailureCount { Count = 3, Consecutive = 7 } },
            LockedUntil = DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            LockType = LockoutType.Suspend,
            ProfileFields = new() { ["FirstName"] = "\"Zoë\"" },
        };

        var stored = _serializer.Serialize(state);
        var json = Encoding.UTF8.GetString(stored.ToArray());
        var back = _serializer.Deserialize<UserState>(stored);

        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.DoesNotContain("PinOrleans.", json, StringComparison.Ordinal);
        Assert.Contains("\"LockType\":\"Suspend\"", json, StringComparison.Ordinal);
        Assert.Equal(state.Uid, back.Uid);
        Assert.Equal(state.Email, back.Email);
        Assert.Contains("\"Failures\":{\"Pin\":{\"Count\":3,\"Consecutive\":7}}", json, StringComparison.Ordinal);
        Assert.Equal(3, back.FailedLoginAttempts);
        Assert.Equal(7, back.ConsecutiveFailures);
        Assert.Equal(state.LockedUntil, back.LockedUntil);
        Assert.Equal(LockoutType.Suspend, back.LockType);
        Assert.Equal("\"Zoë\"", back.ProfileFields["FirstName"]);
    }

    [Fact]
    public void A_renamed_type_reads_old_rows_and_old_rows_read_into_a_type_with_new_fields()
    {
        var stored = _serializer.Serialize(new UserState { Uid = "u1", NoOfLogins = 7 });

        var renamed = _serializer.Deserialize<AccountRecordV2>(stored);

        Assert.Equal("u1", renamed.Uid);
        Assert.Equal(7, renamed.NoOfLogins);
        Assert.Equal("default", renamed.AddedLater);
    }

    [Fact]
    public void Rows_written_by_a_newer_version_still_read()
    {
        var newer = BinaryData.FromString("""{"Uid":"u2","NoOfLogins":2,"SomethingNew":{"x":1}}""");

        var state = _serializer.Deserialize<UserState>(newer);

        Assert.Equal("u2", state.Uid);
        Assert.Equal(2, state.NoOfLogins);
        Assert.True(state.IsActive);
    }

    private sealed class AccountRecordV2
    {
        public string Uid { get; set; } = "";
        public int NoOfLogins { get; set; }
        public string AddedLater { get; set; } = "default";
    }
}
