using PinOrleans.Bench;

namespace PinOrleans.Tests.Unit;

/// <summary>The profile breakdown of ./bench.sh --profile: perf script's samples, sorted into components.</summary>
public sealed class ProfileReportTests
{
    // Four samples as perf script -F comm,pid,tid,ip,sym,dso prints them (leaf first): the hash thread in libsodium,
    // the hash thread in the kernel, a socket send made by Orleans' messaging (kernel and CoreLib frames passed over),
    // and the store's process.
    private const string Script = """
        pinorleans-hash 100/101
        	    7f0000005d866 [unknown] (/usr/lib/x86_64-linux-gnu/libsodium.so.23.3.0)
        	    7f0000001234 [unknown] (/usr/lib/x86_64-linux-gnu/libsodium.so.23.3.0)

        pinorleans-hash 100/101
        	ffffffff8a000000 clear_page_erms ([kernel.kallsyms])
        	    7f0000005d866 [unknown] (/usr/lib/x86_64-linux-gnu/libsodium.so.23.3.0)

        .NET TP Worker 100/102
        	ffffffff8b000000 tcp_sendmsg ([kernel.kallsyms])
        	    7f00000a0000 __send (/usr/lib/x86_64-linux-gnu/libc.so.6)
        	        2a05807 instance int32 [System.Private.CoreLib] System.Net.Interop::Send()[OptimizedTier1] ([JIT] tid 100)
        	        2a05900 instance void [Orleans.Core] Orleans.Runtime.Messaging.Connection::ProcessOutgoing()[OptimizedTier1] ([JIT] tid 100)

        postgres 200/200
        	    5600000000 ExecInsert (/usr/lib/postgresql/15/bin/postgres)

        other 300/300
        	    5600000000 main (/usr/bin/other)

        """;

    [Fact]
    public void Each_sample_counts_for_the_component_nearest_its_leaf_that_names_one()
    {
        var samples = ProfileReport.Samples(new StringReader(Script)).ToList();

        Assert.Equal(5, samples.Count);
        Assert.Equal(["Argon2id (libsodium)", "Argon2id memory (kernel: page faults, zeroing, unmapping)", "Orleans runtime and messaging", "PostgreSQL server"],
            new[] { ("service", samples[0]), ("service", samples[1]), ("service", samples[2]), ("postgres", samples[3]) }.Select(s => ProfileReport.ComponentOf(s.Item1, s.Item2)));
        Assert.Equal("Orleans.Core", ProfileReport.AssemblyOf("instance void [Orleans.Core] Orleans.Runtime.Messaging.Connection::ProcessOutgoing()[OptimizedTier1]"));
        Assert.Null(ProfileReport.AssemblyOf("clear_page_erms"));
    }

    [Fact]
    public void The_report_gives_each_components_share_and_its_cpu_per_login_and_leaves_out_other_processes()
    {
        // 4 samples of the two recorded processes at 100 Hz = 40 ms of CPU, over 4 logins: 10 ms per login.
        var md = ProfileReport.Render(new StringReader(Script), [("service", 100), ("postgres", 200)], frequency: 100, logins: 4, heading: "# Profile");

        Assert.Contains("4 CPU samples at 100 Hz over 4 PIN logins; 10.00 ms of CPU per login in the processes below.", md);
        Assert.Contains("| Argon2id (libsodium) | service | 25.0 % | 2.50 |", md);
        Assert.Contains("| Orleans runtime and messaging | service | 25.0 % | 2.50 |", md);
        Assert.Contains("| PostgreSQL server | postgres | 25.0 % | 2.50 |", md);
        Assert.Contains("The hash: 50.0 % (5.00 ms per login); everything else: 50.0 % (5.00 ms per login).", md);
        Assert.DoesNotContain("other", md);
    }

    [Fact]
    public void Measured_cpu_per_login_is_spread_over_a_processs_components_by_their_samples()
    {
        // The service measured 30 ms per login over its 3 samples (10 each); PostgreSQL 1 ms over its one.
        var md = ProfileReport.Render(new StringReader(Script), [("service", 100), ("postgres", 200)], frequency: 100, logins: 4, heading: "# Profile",
            measuredMsPerLogin: process => process == "service" ? 30 : 1);

        Assert.Contains("31.00 ms of CPU per login", md);
        Assert.Contains("| Argon2id (libsodium) | service | 25.0 % | 10.00 |", md);
        Assert.Contains("| PostgreSQL server | postgres | 25.0 % | 1.00 |", md);
        Assert.Contains("The hash: 50.0 % (20.00 ms per login); everything else: 50.0 % (11.00 ms per login).", md);
        Assert.Contains("- service: 75.0 % of the CPU, 10.00 ms per login besides the hash.", md);
    }

    [Fact]
    public void A_validation_profile_counts_per_validation_in_microseconds()
    {
        // 40 ms of CPU over 400 validations: 100 µs each.
        var md = ProfileReport.Render(new StringReader(Script), [("service", 100), ("postgres", 200)], frequency: 100, logins: 400, heading: "# Profile",
            operation: ProfiledOperation.Of("validation"));

        Assert.Contains("4 CPU samples at 100 Hz over 400 access-token validations; 100.00 µs of CPU per validation in the processes below.", md);
        Assert.Contains("| component | process | share of CPU | µs of CPU per access-token validation |", md);
        Assert.Contains("| Orleans runtime and messaging | service | 25.0 % | 25.00 |", md);
        Assert.Throws<BenchUsageException>(() => ProfiledOperation.Of("mix"));
    }
}
