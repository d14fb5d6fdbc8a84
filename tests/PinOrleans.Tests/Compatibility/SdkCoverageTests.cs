using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Compatibility;

/// <summary>
/// <c>docs/sdk-coverage.md</c> says which methods of the Node SDK PinOrleans serves. It stays true: it lists every
/// method the installed SDK defines, once; every method it calls working has its route in the gateway's OpenAPI
/// document; no route it calls missing is served; its count is the table's.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed partial class SdkCoverageTests(ClusterFixture fixture)
{
    private sealed record Row(string Group, string Method, string Path, string Name, string Status)
    {
        public bool Works => Status == "yes" || Status.StartsWith("partly", StringComparison.Ordinal);

        public string Route => $"{Method} {Normalize(Path)}";
    }

    [Fact]
    public void The_table_lists_every_method_of_the_installed_sdk_once()
    {
        var sdk = System.IO.Path.Combine(TestEnvironment.RepositoryRoot(), ".tools", "loginradius-sdk", "node_modules", "loginradius-sdk", "sdk", "api");
        Assert.True(Directory.Exists(sdk), $"loginradius-sdk is not installed in {sdk}: run ./test.sh, which installs it.");
        var defined = Directory.EnumerateFiles(sdk, "*.js", SearchOption.AllDirectories)
            .SelectMany(file => SdkMethod().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
            .Order(StringComparer.Ordinal).ToList();

        var listed = Rows().Select(r => r.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(210, defined.Count);
        Assert.Equal(defined, listed);
    }

    [Fact]
    public void The_count_in_the_text_is_the_tables()
    {
        var rows = Rows();
        var text = File.ReadAllText(DocPath());
        var full = rows.Count(r => r.Status == "yes");
        var partly = rows.Count(r => r.Works) - full;

        Assert.Contains($"**{full + partly} of {rows.Count} methods work** ({full} fully, {partly} partly)", text, StringComparison.Ordinal);
        foreach (var group in rows.GroupBy(r => r.Group))
        {
            Assert.Contains($"| {group.Key} | {group.Count()} | {group.Count(r => r.Works)} |", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_method_called_working_is_served_and_none_called_missing_is()
    {
        await using var gateway = new GatewayFactory(fixture);
        var response = await gateway.CreateClient().GetAsync(OpenApiDocs.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var served = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => $"{op.Name.ToUpperInvariant()} {Normalize(path.Name)}"))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var rows = Rows();

        Assert.Empty(rows.Where(r => r.Works && !served.Contains(r.Route)).Select(r => $"{r.Name}: {r.Route} is not served"));
        // A method may be "no" on a served route only with a reason in brackets (another method of the route works).
        Assert.Empty(rows.Where(r => r.Status == "no" && served.Contains(r.Route)).Select(r => $"{r.Name}: {r.Route} is served"));
        Assert.True(rows.Count(r => r.Works) >= 94, $"only {rows.Count(r => r.Works)} methods work");
    }

    private static string DocPath() => System.IO.Path.Combine(TestEnvironment.RepositoryRoot(), "docs", "sdk-coverage.md");

    private static List<Row> Rows()
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(DocPath()))
        {
            var cells = line.Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length >= 8 && cells[3].StartsWith('`'))
            {
                rows.Add(new Row(cells[1], cells[2], cells[3].Trim('`'), cells[4], cells[5]));
            }
        }

        return rows;
    }

    /// <summary><c>/a/{uid}/b/</c> and <c>/a/{id:int}/b</c> alike: lower case, no trailing slash, parameters unnamed.</summary>
    private static string Normalize(string route) => "/" + RouteParameter().Replace(route.ToLowerInvariant(), "{}").Trim('/');

    [GeneratedRegex(@"^  module\.(\w+) = function", RegexOptions.Multiline)]
    private static partial Regex SdkMethod();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex RouteParameter();
}
