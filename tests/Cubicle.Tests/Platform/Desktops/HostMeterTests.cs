using Cubicle.Desktops;

namespace Cubicle.Tests;

/// <summary>What a host measures: the disk of DATA/desktops as what the desktops' files hold plus what is free,
/// and its memory, with the oversubscription its options state.</summary>
public sealed class HostMeterTests
{
    [SkippableFact]
    public async Task The_disk_is_what_the_desktops_files_hold_plus_what_is_free()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "df, du and /proc/meminfo are Linux's");
        var data = Directory.CreateTempSubdirectory("cubicle-meter-").FullName;
        try
        {
            var paths = new DesktopPaths(data);
            paths.EnsureTree();
            var options = new LocalDesktopOptions
            {
                DataPath = data,
                MaxDesktops = 5,
                DiskOversubscription = 3,
                DiskReservePercent = 7,
                MemoryOversubscription = 1.25,
            };
            var meter = new HostMeter(paths, options);
            var before = await meter.MeasureAsync("h1");
            // 8 MiB really written, and a sparse 1 GiB file that holds nothing.
            await File.WriteAllBytesAsync(Path.Combine(paths.Root, "volumes", "a.img"), new byte[8 << 20]);
            await using (var sparse = File.Create(Path.Combine(paths.Root, "volumes", "b.img")))
                sparse.SetLength(1L << 30);
            var after = await meter.MeasureAsync("h1");

            Assert.Equal(
                ("h1", 5, 3.0, 7.0, 1.25),
                (after.Host, after.MaxDesktops, after.DiskRatio, after.DiskReservePercent, after.MemoryRatio)
            );
            Assert.Equal(after.DiskUsedBytes + after.DiskFreeBytes, after.DiskBytes);
            Assert.InRange(after.DiskUsedBytes - before.DiskUsedBytes, 8 << 20, 9 << 20);
            var total = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:"));
            var memTotal = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            Assert.InRange(after.MemoryBytes, 1, memTotal);
            Assert.InRange(after.MemoryUsedBytes, 1, after.MemoryBytes);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
