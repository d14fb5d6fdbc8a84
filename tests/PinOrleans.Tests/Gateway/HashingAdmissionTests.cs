using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// One silo with one hashing thread, a one-place anonymous lane and a hasher that can be held shut: what a caller
/// sees through the real gateway when hashing is saturated. A full queue or a passed deadline is 503 with
/// Retry-After in LoginRadius JSON and counts nothing; PIN logins go ahead of password logins; an aborted request
/// takes its hash out of the queue.
/// </summary>
[RunsLong(8)]
public sealed class HashingAdmissionTests(HashingAdmissionTests.Silo silo) : IClassFixture<HashingAdmissionTests.Silo>
{
    private Api Api => silo.Api;

    [Fact]
    public async Task A_full_anonymous_lane_answers_503_with_retry_after_and_counts_no_failure()
    {
        // One wrong password would lock the account, if a refused one counted.
        var tenant = await silo.NewTenantAsync(new TenantSettings { Lockout = new LockoutPolicy { MaxFailedAttempts = 1 } });
        var email = $"{Guid.NewGuid():N}@example.com";
        await Api.CreateAccountAsync(tenant, email);
        var (first, second) = await silo.SaturateAsync(tenant);

        var refused = await LoginAsync(tenant, $"{Guid.NewGuid():N}@example.com", "flood-password");
        var error = await Api.ExpectErrorAsync(refused, 503, 503);
        Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
        Assert.Equal("Service temporarily unavailable", error.GetProperty("Message").GetString());
        Assert.Contains("busy", error.GetProperty("Description").GetString(), StringComparison.Ordinal);
        // A known account answers exactly the same (which accounts exist does not show under load), and its wrong password is not a failure.
        var known = await LoginAsync(tenant, email, "a-wrong-password");
        Assert.Equal(error.ToString(), (await Api.ExpectErrorAsync(known, 503, 503)).ToString());

        silo.Hasher.Open();
        await Api.ExpectErrorAsync(await first, 401, 966);
        await Api.ExpectErrorAsync(await second, 401, 966);
        await Api.LoginAsync(tenant, email);
    }

    [Fact]
    public async Task Pin_logins_are_served_ahead_of_a_full_anonymous_lane()
    {
        var tenant = await silo.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var (first, second) = await silo.SaturateAsync(tenant);

        var pinLogin = Api.PinLoginAsync(tenant, session, "7890");
        await silo.QueuedAsync(2);
        // The anonymous lane is still full: more password logins are refused at once, the PIN login waits its turn.
        await Api.ExpectErrorAsync(await LoginAsync(tenant, $"{Guid.NewGuid():N}@example.com", "flood-password"), 503, 503);
        Assert.False(pinLogin.IsCompleted);

        silo.Hasher.Open();
        var login = await Api.ExpectAsync(await pinLogin, HttpStatusCode.OK);
        Assert.False(string.IsNullOrEmpty(login.GetProperty("access_token").GetString()));
        await Api.ExpectErrorAsync(await first, 401, 966);
        await Api.ExpectErrorAsync(await second, 401, 966);
        // The hash that held the thread, then the PIN (queued after the password login), then that password login.
        Assert.Equal(["nothing", "verify", "nothing"], silo.Hasher.Calls);
    }

    [Fact]
    public async Task An_aborted_request_takes_its_hash_out_of_the_queue_unrun()
    {
        var tenant = await silo.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var first = await silo.HoldThreadAsync(tenant);

        using var caller = new CancellationTokenSource();
        var pinLogin = Api.Http.PostAsync($"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}",
            new StringContent("""{"pin":"7890"}""", Encoding.UTF8, "application/json"), caller.Token);
        await silo.QueuedAsync(1);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pinLogin);
        await silo.QueuedAsync(0);
        silo.Hasher.Open();
        await Api.ExpectErrorAsync(await first, 401, 966);
        Assert.Equal(["nothing"], silo.Hasher.Calls);
        // The session is untouched: the next PIN login is served.
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_hash_not_started_by_its_deadline_answers_503_and_never_runs()
    {
        var tenant = await silo.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var first = await silo.HoldThreadAsync(tenant);

        var pinLogin = Api.PinLoginAsync(tenant, session, "7890");
        await silo.QueuedAsync(1);
        silo.Clock.Advance(Silo.QueueTimeout);

        var late = await pinLogin;
        await Api.ExpectErrorAsync(late, 503, 503);
        Assert.Equal("1", late.Headers.RetryAfter?.ToString());
        Assert.Equal(0, silo.Pool.Queued);
        silo.Hasher.Open();
        await Api.ExpectErrorAsync(await first, 401, 966);
        Assert.Equal(["nothing"], silo.Hasher.Calls);
    }

    [Fact]
    public async Task Grains_hash_on_the_silo_pool_without_a_grain_call_per_hash()
    {
        var tenant = await silo.NewTenantAsync();
        var hashedBefore = silo.Hasher.Calls.Count;
        var callsBefore = silo.HasherGrainCalls;

        var (email, session) = await Api.AccountWithSessionAsync(tenant);
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await LoginAsync(tenant, email, "a-wrong-password"), 401, 966);
        await Api.ExpectErrorAsync(await LoginAsync(tenant, $"{Guid.NewGuid():N}@example.com", "flood-password"), 401, 966);

        // Create (password and PIN), password login, PIN login, a wrong password, an unknown identifier: all on the pool.
        Assert.Equal(6, silo.Hasher.Calls.Count - hashedBefore);
        Assert.Equal(callsBefore, silo.HasherGrainCalls);
        // The gateway, a client with no pool, still reaches it through the hasher grain.
        Assert.False(await silo.Client.GetGrain<IHasherGrain>(0).VerifyNothingAsync("uniform"));
        Assert.Equal(callsBefore + 1, silo.HasherGrainCalls);
    }

    private Task<HttpResponseMessage> LoginAsync(TestTenant tenant, string email, string password) =>
        Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email, password });

    /// <summary>A cluster of one silo whose hashing can be held: one thread, one anonymous place, a manual deadline clock.</summary>
    public sealed class Silo : IAsyncLifetime
    {
        public static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(1);

        private InProcessTestCluster _cluster = null!;
        private GatewayOver _gateway = null!;
        private int _hasherGrainCalls;

        /// <summary>Calls the silo's hasher grain has taken.</summary>
        public int HasherGrainCalls => Volatile.Read(ref _hasherGrainCalls);

        public IClusterClient Client => _cluster.Client;

        public GatedHasher Hasher { get; private set; } = null!;

        public TestClock Clock { get; } = new();

        public HashingPool Pool { get; private set; } = null!;

        public Api Api { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var builder = new InProcessTestClusterBuilder(1);
            builder.ConfigureSilo((_, silo) =>
            {
                silo.AddMemoryGrainStorage(StorageNames.Store);
                silo.AddIncomingGrainCallFilter(context =>
                {
                    if (context.Grain is HasherGrain)
                    {
                        Interlocked.Increment(ref _hasherGrainCalls);
                    }

                    return context.Invoke();
                });
                silo.Services.AddSingleton<ISecretHasher>(sp => Hasher = new GatedHasher(new Argon2idSecretHasher(sp.GetRequiredService<IOptions<HashingOptions>>())));
                // The deadline's clock only: the rest of the silo keeps real time.
                silo.Services.AddSingleton(sp => Pool = new HashingPool(
                    Options.Create(new HashingOptions { Threads = 1, Nice = 0, AnonymousQueueLimit = 1, QueueTimeoutMilliseconds = (int)QueueTimeout.TotalMilliseconds }),
                    NullLogger<HashingPool>.Instance, Clock, sp.GetRequiredService<Operations.PinOrleansMetrics>()));
                silo.Services.AddPinOrleansGrainServices(ClusterFixture.Configuration);
            });
            _cluster = builder.Build();
            await _cluster.DeployAsync();
            _gateway = new GatewayOver(_cluster);
            Api = new Api(_gateway.CreateClient());
            // Resolves the pool (and the hasher) before any test holds it.
            await _cluster.Client.GetGrain<IHasherGrain>(0).VerifyNothingAsync("warm-up");
        }

        public async Task DisposeAsync()
        {
            Hasher?.Open();
            await _gateway.DisposeAsync();
            await _cluster.DisposeAsync();
        }

        public async Task<TestTenant> NewTenantAsync(TenantSettings? settings = null)
        {
            var tenant = new TestTenant(Guid.NewGuid().ToString("D"), SecretToken.New());
            await _cluster.Client.GetGrain<ITenantGrain>(tenant.ApiKey).ConfigureAsync(new TenantDefinition { Name = "Test", ApiSecret = tenant.ApiSecret, Settings = settings ?? new() });
            return tenant;
        }

        /// <summary>Shuts the hasher and sends a password login for an unknown e-mail; returns once it holds the only thread.</summary>
        public async Task<Task<HttpResponseMessage>> HoldThreadAsync(TestTenant tenant)
        {
            Hasher.Close();
            var first = Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = $"{Guid.NewGuid():N}@example.com", password = "flood-password" });
            await Hasher.EnteredAsync();
            return first;
        }

        /// <summary><see cref="HoldThreadAsync"/>, then a second unknown e-mail that fills the anonymous lane.</summary>
        public async Task<(Task<HttpResponseMessage> First, Task<HttpResponseMessage> Second)> SaturateAsync(TestTenant tenant)
        {
            var first = await HoldThreadAsync(tenant);
            var second = Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = $"{Guid.NewGuid():N}@example.com", password = "flood-password" });
            await QueuedAsync(1);
            return (first, second);
        }

        /// <summary>Waits until exactly <paramref name="count"/> hashes wait in the pool (the requests travel through the gateway and the grains first).</summary>
        public Task QueuedAsync(int count) =>
            Eventually.UntilAsync(() => Pool.Queued == count, seen: () => $"{Pool.Queued} hashes queued, not {count}");
    }

    /// <summary>The real hasher behind a door: while it is shut, a hash waits at it (holding its thread). Records what ran since it was last shut.</summary>
    public sealed class GatedHasher(ISecretHasher inner) : ISecretHasher
    {
        private readonly ManualResetEventSlim _open = new(true);
        private readonly SemaphoreSlim _entered = new(0);

        public ConcurrentQueue<string> Calls { get; private set; } = new();

        public void Close()
        {
            Calls = new ConcurrentQueue<string>();
            _open.Reset();
        }

        public void Open() => _open.Set();

        /// <summary>Until a hash is waiting at the shut door.</summary>
        public async Task EnteredAsync() => Assert.True(await _entered.WaitAsync(TimeSpan.FromSeconds(30)), "No hash reached the hasher.");

        public string Hash(string secret) => Pass("hash", () => inner.Hash(secret));

        public HashCheck Verify(string secret, string storedHash) => Pass("verify", () => inner.Verify(secret, storedHash));

        public void VerifyNothing(string secret) => Pass("nothing", () =>
        {
            inner.VerifyNothing(secret);
            return 0;
        });

        private T Pass<T>(string kind, Func<T> run)
        {
            Calls.Enqueue(kind);
            if (!_open.IsSet)
            {
                _entered.Release();
                _open.Wait();
            }

            return run();
        }
    }
}
