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
    private bool _closed,
        _committed;

    public TrailFile(string root)
    {
        _root = root;
        _temp = Path.Combine(root, $".writing-{Guid.NewGuid():N}.tmp");
        _file = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None);
        _gzip = new GZipStream(_file, CompressionLevel.Fastest, leaveOpen: true);
    }

    /// <summary>The uncompressed content goes here.</summary>
    public Stream Stream => _gzip;

    /// <summary>Flushes the file to disk and moves it to its path in the trail. If that path cannot be written, the
    /// complete file stays in its temp file, and may be committed to another path.</summary>
    public void Commit(string relative)
    {
        if (!_closed)
        {
            _gzip.Dispose();
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            _closed = true;
        }
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(_temp, path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed)
            return;
        if (!_closed)
        {
            _gzip.Dispose();
            _file.Dispose();
        }
        File.Delete(_temp);
    }
}
