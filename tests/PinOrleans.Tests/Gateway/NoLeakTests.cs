using System.Net;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>No PIN, password, token or secret in a log line, nor in any response but the one that issues it.</summary>
[Collection(EdgeCollection.Name)]
public sealed class NoLeakTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_whole_journey_with_failures_leaves_no_secret_in_logs_or_other_responses()
    {
        var api = fixture.Api;
        var tenant = await fixture.NewTenantAsync();
        const string pin = "86420";
        const string wrongPin = "97531";
        const string password = "Tr0ub4dor&3-unique";
        var email = $"{Guid.NewGuid():N}@example.com";

        var created = await Api.ExpectAsync(await api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = email } }, Password = password, PINInfo = new { PIN = pin } },
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        var login = await api.LoginAsync(tenant, email, password);
        var session = login.GetProperty("session_token").GetString()!;
        var bodies = new List<string> { created.ToString() };
        for (var i = 0; i < 6; i++)
        {
            bodies.Add(await (await api.PinLoginAsync(tenant, session, wrongPin)).Content.ReadAsStringAsync());
        }

        bodies.Add(await (await api.PinLoginAsync(tenant, session, pin)).Content.ReadAsStringAsync());
        bodies.Add(await (await api.PinLoginAsync(tenant, Guid.NewGuid().ToString(), pin)).Content.ReadAsStringAsync());
        bodies.Add(await (await api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password = "wrong-" + password })).Content.ReadAsStringAsync());

        string[] secrets = [pin, wrongPin, password, tenant.ApiSecret, session, login.GetProperty("access_token").GetString()!, login.GetProperty("refresh_token").GetString()!, "argon2id"];
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(secret, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(bodies, body => body.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }

        // The issuing response is the only one that shows the tokens, and no response shows a hash.
        Assert.DoesNotContain("argon2id", login.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The gateway's request traces (what OTLP exports) keep the route but never the query string, which carries
    /// session and access tokens.
    /// </summary>
    [Fact]
    public async Task Request_traces_carry_no_query_string()
    {
        var stopped = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        // Tracing is on only with an OTLP endpoint; this one has no collector behind it (exports fail quietly).
        await using var gateway = new GatewayFactory(fixture, web => web.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{TestEnvironment.FreePort()}"));
        var tenant = await fixture.NewTenantAsync();
        var token = Guid.NewGuid().ToString();
        // A path of its own, so that requests of tests running beside this one are told apart.
        var path = $"/identity/v2/auth/unknown-{Guid.NewGuid():N}";
        await Api.ExpectErrorAsync(await gateway.CreateClient().GetAsync($"{path}?apikey={tenant.ApiKey}&access_token={token}"), 404, 404);

        // The request's activity stops just after the answer is sent: wait for it.
        await Eventually.UntilAsync(() => stopped.Any(a => a.GetTagItem("url.path") as string == path), TimeSpan.FromSeconds(10));

        var request = Assert.Single(stopped, a => a.GetTagItem("url.path") as string == path);
        Assert.Null(request.GetTagItem("url.query"));
        Assert.DoesNotContain(request.TagObjects, tag => tag.Value?.ToString()?.Contains(token, StringComparison.Ordinal) == true);
    }
}
