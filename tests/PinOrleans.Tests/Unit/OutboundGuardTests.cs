using System.Net;
using PinOrleans.Outbound;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// The one guard of every outbound call: which addresses are public, which URLs a tenant may name, and, over real
/// loopback sockets, that a name resolving to loopback is refused at connect time and no redirect is followed.
/// </summary>
public sealed class OutboundGuardTests
{
    [Theory]
    // IPv4 special ranges: this network, private, CGNAT, loopback, link-local, IETF, documentation, 6to4 relay, benchmarking, multicast, reserved, broadcast.
    [InlineData("0.0.0.0")] [InlineData("0.255.255.255")] [InlineData("10.0.0.1")] [InlineData("10.255.255.255")]
    [InlineData("100.64.0.0")] [InlineData("100.127.255.255")] [InlineData("127.0.0.1")] [InlineData("127.255.255.254")]
    [InlineData("169.254.169.254")] [InlineData("172.16.0.1")] [InlineData("172.31.255.255")] [InlineData("192.0.0.8")]
    [InlineData("192.0.2.1")] [InlineData("192.88.99.1")] [InlineData("192.168.1.1")] [InlineData("198.18.0.1")] [InlineData("198.19.255.255")]
    [InlineData("198.51.100.7")] [InlineData("203.0.113.9")] [InlineData("224.0.0.1")] [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")] [InlineData("255.255.255.255")]
    // IPv6: unspecified, loopback, IPv4-mapped and -compatible forms of private addresses, NAT64 (both prefixes), discard,
    // ULA, link-local, site-local, multicast, Teredo, benchmarking, ORCHID, documentation (both), 6to4 around private v4.
    [InlineData("::")] [InlineData("::1")] [InlineData("::ffff:127.0.0.1")] [InlineData("::ffff:10.1.2.3")] [InlineData("::ffff:169.254.169.254")]
    [InlineData("::127.0.0.1")] [InlineData("::8.8.8.8")] [InlineData("64:ff9b::7f00:1")] [InlineData("64:ff9b::808:808")] [InlineData("64:ff9b:1::a00:1")]
    [InlineData("100::1")] [InlineData("fc00::1")] [InlineData("fd12:3456::1")] [InlineData("fe80::1")] [InlineData("febf::1")] [InlineData("fec0::1")]
    [InlineData("ff02::1")] [InlineData("2001::1")] [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")] [InlineData("2001:2::1")] [InlineData("2001:10::1")]
    [InlineData("2001:1ff::1")] [InlineData("2001:db8::1")] [InlineData("3fff::1")] [InlineData("3fff:fff::1")]
    [InlineData("2002:7f00:1::1")] [InlineData("2002:a00:1::1")] [InlineData("2002:c0a8:101::1")] [InlineData("2002:a9fe:a9fe::1")]
    [InlineData("5f00::1")] [InlineData("4000::1")] [InlineData("1fff::1")]
    public void Special_addresses_are_not_public(string address) =>
        Assert.False(OutboundGuard.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")] [InlineData("1.1.1.1")] [InlineData("9.255.255.255")] [InlineData("11.0.0.1")] [InlineData("100.63.255.255")] [InlineData("100.128.0.0")]
    [InlineData("126.255.255.255")] [InlineData("128.0.0.1")] [InlineData("169.253.255.255")] [InlineData("169.255.0.1")] [InlineData("172.15.255.255")] [InlineData("172.32.0.0")]
    [InlineData("192.0.1.1")] [InlineData("192.0.3.1")] [InlineData("192.88.98.1")] [InlineData("192.167.255.255")] [InlineData("192.169.0.1")]
    [InlineData("198.17.255.255")] [InlineData("198.20.0.0")] [InlineData("198.51.101.1")] [InlineData("203.0.114.1")] [InlineData("223.255.255.255")]
    [InlineData("::ffff:8.8.8.8")] [InlineData("2606:4700:4700::1111")] [InlineData("2a00:1450:4001:82a::200e")] [InlineData("2001:200::1")]
    [InlineData("2001:4860:4860::8888")] [InlineData("2002:808:808::1")] [InlineData("3ffe::1")] [InlineData("3fff:1000::1")]
    public void Public_addresses_are_public(string address) =>
        Assert.True(OutboundGuard.IsPublic(IPAddress.Parse(address)), address);

    [Fact]
    public void Trusted_networks_and_allowing_private_networks_widen_what_may_be_reached()
    {
        var strict = new OutboundGuard(new OutboundOptions());
        var trusted = new OutboundGuard(new OutboundOptions { TrustedNetworks = ["10.20.0.0/16", "fd00:1::/32"] });
        var open = new OutboundGuard(new OutboundOptions { AllowPrivateNetworks = true });
        foreach (var address in new[] { "10.20.3.4", "::ffff:10.20.3.4", "fd00:1::5" })
        {
            Assert.False(strict.MayReach(IPAddress.Parse(address)));
            Assert.True(trusted.MayReach(IPAddress.Parse(address)));
        }

        Assert.False(trusted.MayReach(IPAddress.Parse("10.21.0.1")));
        Assert.True(open.MayReach(IPAddress.Loopback));
        Assert.True(strict.MayReach(IPAddress.Parse("8.8.8.8")));
        Assert.Throws<ArgumentException>(() => new OutboundGuard(new OutboundOptions { TrustedNetworks = ["not a range"] }));
    }

    [Theory]
    [InlineData("https://hooks.example.com/in", null)]
    [InlineData("https://8.8.8.8/in", null)]
    [InlineData("http://hooks.example.com/in", "https")]
    [InlineData("http://8.8.8.8/in", "https")]
    [InlineData("https://10.0.0.1/in", "internal")]
    [InlineData("https://[::ffff:192.168.0.1]/in", "internal")]
    [InlineData("https://[64:ff9b::a00:1]/in", "internal")]
    [InlineData("https://localhost/in", "internal")]
    [InlineData("https://metadata.google.internal/in", "internal")]
    [InlineData("https://printer.local/in", "internal")]
    [InlineData("https://intranet/in", "internal")]
    [InlineData("https://2130706433/in", "internal")]
    [InlineData("https://user:pw@hooks.example.com/in", "credentials")]
    [InlineData("https://hooks.example.com/in#x", "credentials")]
    [InlineData("ftp://hooks.example.com/in", "absolute")]
    [InlineData("/relative", "absolute")]
    public void A_tenant_may_name_only_public_https_targets(string url, string? refusal)
    {
        var reason = new OutboundGuard(new OutboundOptions()).Refusal(url);
        if (refusal is null)
        {
            Assert.Null(reason);
        }
        else
        {
            Assert.Contains(refusal, reason ?? "(accepted)", StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_operator_decides_about_http_and_internal_targets()
    {
        var trusted = new OutboundGuard(new OutboundOptions { TrustedNetworks = ["127.0.0.1/32"] });
        Assert.Null(trusted.Refusal("http://127.0.0.1:8080/in"));
        Assert.NotNull(trusted.Refusal("http://127.0.0.2:8080/in"));
        Assert.NotNull(trusted.Refusal("http://hooks.example.com/in"));
        Assert.NotNull(trusted.Refusal("https://localhost/in"));
        var development = new OutboundGuard(new OutboundOptions { AllowPrivateNetworks = true, AllowHttp = true });
        Assert.Null(development.Refusal("http://localhost:5000/in"));
        Assert.Null(development.Refusal("http://10.0.0.1/in"));
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_at_connect_time_and_nothing_is_sent()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = new Uri(receiver.BaseUrl).Port;
        var asked = new List<string>();
        var rebinding = new OutboundGuard(new OutboundOptions { AllowHttp = true }, (host, _) =>
        {
            asked.Add(host);
            return Task.FromResult(new[] { IPAddress.Parse("127.0.0.1") });
        });
        using var viaResolver = new HttpClient(rebinding.CreateHandler());
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => viaResolver.PostAsync($"http://hooks.example.com:{port}/in", new StringContent("{}")));
        Assert.Contains("no public address", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["hooks.example.com"], asked);

        // The system resolver: "localhost" is loopback too.
        using var viaDns = new HttpClient(new OutboundGuard(new OutboundOptions { AllowHttp = true }).CreateHandler());
        await Assert.ThrowsAsync<HttpRequestException>(() => viaDns.PostAsync($"http://localhost:{port}/in", new StringContent("{}")));

        // Plain http needs the operator's trust even where the address itself may be reached.
        using var httpRefused = new HttpClient(new OutboundGuard(new OutboundOptions { AllowPrivateNetworks = true }).CreateHandler());
        Assert.Contains("plain http", (await Assert.ThrowsAsync<HttpRequestException>(() => httpRefused.PostAsync(receiver.Url("/in"), new StringContent("{}")))).Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Attempts);

        // Trusted: the name's checked address is the one connected to.
        using var trusted = new HttpClient(new OutboundGuard(new OutboundOptions { TrustedNetworks = ["127.0.0.1/32"] }, (_, _) => Task.FromResult(new[] { IPAddress.Loopback })).CreateHandler());
        Assert.Equal(HttpStatusCode.OK, (await trusted.PostAsync($"http://hooks.example.com:{port}/in", new StringContent("{}"))).StatusCode);
        Assert.Single(receiver.Deliveries);
    }

    [Fact]
    public async Task No_redirect_is_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.RedirectTo = "http://169.254.169.254/latest/meta-data";
        using var client = new HttpClient(new OutboundGuard(new OutboundOptions { TrustedNetworks = ["127.0.0.1/32"] }).CreateHandler());
        var response = await client.PostAsync(receiver.Url("/in"), new StringContent("{}"));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Single(receiver.Attempts);
    }
}
