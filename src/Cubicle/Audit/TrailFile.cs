using System.IO.Compression;

namespace Cubicle.Audit;

/// <summary>One gzip file of the trail written atomically: a temp file in the trail's folder, renamed into its place
/// once complete (its name may depend on what was written).</summary>
public sealed class TrailFile : IDisposable
{
    private readonly string _root;
    private readonly string _temp;
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private bool _committed;

    public TrailFile(string root)
    {
        _root = root;
        _temp = Path.Combine(root, $".writing-{Guid.NewGuid():N}.tmp");
        _file = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None);
        _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
    }

    /// <summary>The uncompressed content goes here.</summary>
    public Stream Stream => _gzip;

    /// <summary>Flushes the file to disk and moves it to its path in the trail.</summary>
    public void Commit(string relative)
    {
        _gzip.Dispose();
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(_temp, path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
            return;
        _gzip.Dispose();
        _file.Dispose();
        File.Delete(_temp);
    }
}
