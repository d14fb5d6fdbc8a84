using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Compatibility;

/// <summary>
/// The official LoginRadius Node SDK (npm <c>loginradius-sdk</c>, the version test.sh pins), unchanged, walks the
/// whole PIN journey against the real gateway served by Kestrel over HTTPS: the SDK only speaks HTTPS on the
/// default port of its <c>apiDomain</c>, so the script sets the agent's default port and trusts the test's
/// certificate, as DNS and a real certificate would in production.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed partial class NodeSdkTests(ClusterFixture fixture)
{
    public const string SdkVersion = "11.7.0";

    [Fact]
    public async Task The_unchanged_node_sdk_walks_the_whole_pin_journey()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Pin = new PinPolicy { IsRequired = true }, AllowedDomains = ["app.example.com"] });
        var output = await RunAsync("pin-journey.js", tenant);
        Assert.Equal(2, output.Count(l => l.StartsWith("NEED ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_unchanged_node_sdk_forgets_and_resets_the_password_every_way()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { AllowedDomains = ["app.example.com"] });
        var output = await RunAsync("password-journey.js", tenant);
        Assert.Equal(4, output.Count(l => l.StartsWith("NEED ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_unchanged_node_sdk_changes_the_password_and_the_profile_by_access_token()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            Tokens = new TokenLifetimes { SlidingAccessToken = true },
            SecurityQuestions = new SecurityQuestionPolicy { Questions = new() { ["q1"] = "Your first pet?", ["q2"] = "Your first school?", ["q3"] = "Your favourite colour?" } },
        });
        var output = await RunAsync("profile-journey.js", tenant);
        Assert.DoesNotContain(output, l => l.StartsWith("NEED ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_unchanged_node_sdk_walks_an_account_from_registration_to_its_deletion()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            AllowedDomains = ["app.example.com"],
            Registration = new RegistrationPolicy { EmailVerification = VerificationFlow.Mandatory },
            Pin = new PinPolicy { AskOnRegistration = true },
            Tokens = new TokenLifetimes { SlidingAccessToken = true },
        });
        var output = await RunAsync("account-journey.js", tenant);
        Assert.Equal(["NEED verification-token", "NEED reset-token", "NEED delete-token"], output.Where(l => l.StartsWith("NEED ", StringComparison.Ordinal)).Select(l => string.Join(' ', l.Split(' ')[..2])));
    }

    /// <summary>
    /// Runs one of the scripts beside this file with the SDK against the gateway (over HTTPS, as the SDK speaks it),
    /// answering its <c>NEED</c> lines from the mail catcher and the SMS fake; asserts it ends with <c>DONE</c>.
    /// </summary>
    private async Task<List<string>> RunAsync(string script, TestTenant tenant)
    {
        var sdk = Path.Combine(TestEnvironment.RepositoryRoot(), ".tools", "loginradius-sdk", "node_modules");
        Assert.True(Directory.Exists(Path.Combine(sdk, "loginradius-sdk")), $"loginradius-sdk {SdkVersion} is not installed in {sdk}: run ./test.sh, which installs it.");
        using var certificate = SelfSignedLoopbackCertificate();
        var ca = Path.Combine(Path.GetTempPath(), $"pinorleans-sdk-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(ca, certificate.ExportCertificatePem());
        await using var gateway = new GatewayFactory(fixture);
        gateway.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            listen.UseHttps(certificate);
        }));
        gateway.StartServer();
        var address = new Uri(gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        var start = new ProcessStartInfo("node", Path.Combine(AppContext.BaseDirectory, "Compatibility", script))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NODE_PATH"] = sdk;
        start.Environment["NODE_EXTRA_CA_CERTS"] = ca;
        start.Environment["LR_DOMAIN"] = "127.0.0.1";
        start.Environment["LR_PORT"] = address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["LR_API_KEY"] = tenant.ApiKey;
        start.Environment["LR_API_SECRET"] = tenant.ApiSecret;
        // The SDK signs requests in the process's local time; the gateway reads the expiry as UTC.
        start.Environment["TZ"] = "UTC";
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        var output = new List<string>();
        // E-mails each address has had, so a NEED waits for the next one rather than reading an earlier one.
        var mails = new Dictionary<string, int>();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            while (await node.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.Add(line);
                var need = Need().Match(line);
                if (!need.Success)
                {
                    continue;
                }

                var where = need.Groups[2].Value;
                async Task<MimeKit.MimeMessage> NextMailAsync()
                {
                    var seen = mails.GetValueOrDefault(where);
                    mails[where] = seen + 1;
                    return await fixture.Mail.LatestToAsync(where, seen);
                }

                var answer = need.Groups[1].Value switch
                {
                    // The token of a link (reset, verification, deletion): the vtoken of the next e-mail.
                    "reset-token" or "verification-token" or "delete-token" => MailCatcher.ResetTokenOf(await NextMailAsync()),
                    "email-otp" => MailCatcher.OtpOf(await NextMailAsync()),
                    _ => Regex.Match((await fixture.Sms.LatestToAsync(where)).Body!, @"\d{6}").Value,
                };
                await node.StandardInput.WriteLineAsync(answer);
                await node.StandardInput.FlushAsync();
            }

            await node.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }

            File.Delete(ca);
        }

        var transcript = string.Join('\n', output) + "\n" + await stderr;
        Assert.True(node.ExitCode == 0, transcript);
        Assert.Equal("DONE", output[^1]);
        return output;
    }

    /// <summary>A throwaway certificate for 127.0.0.1, valid for an hour.</summary>
    private static X509Certificate2 SelfSignedLoopbackCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Kestrel needs the key in a form the platform can use: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    [GeneratedRegex(@"^NEED (reset-token|verification-token|delete-token|email-otp|sms-otp) (\S+)$")]
    private static partial Regex Need();
}
