namespace ClusterLB.Cluster.Persistence;

/// <summary>
/// Files and directories of the node that hold configuration or secrets (the routing table, the
/// generated admin token, the embedded journal): readable and writable by the node's user only.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerOnlyFile | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (mode 700 on Unix) if it does not exist; an existing directory keeps its mode.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, OwnerOnlyDirectory);
        }
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/>, which is created or truncated with mode 600.</summary>
    public static void WriteAllText(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using (var writer = new StreamWriter(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options))
        {
            writer.Write(contents);
        }

        RestrictToOwner(path); // an existing file keeps its mode on open: narrow it
    }

    /// <summary>Sets <paramref name="path"/> to mode 600 on Unix, if it exists.</summary>
    public static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, OwnerOnlyFile);
        }
    }
}
