using System.Net;
using System.Net.Sockets;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>Where the repository is, and free loopback ports.</summary>
public static class TestEnvironment
{
    /// <summary>The checkout the tests run from (the folder holding azurite.json).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "azurite.json")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("azurite.json not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Removes a fixture's data folder; one that is still in use is left to the temp folder's cleaning.</summary>
    public static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
