using System.Buffers;
using System.Data.Common;
using System.Runtime.InteropServices;

namespace Cubicle.Storage;

/// <summary>The workspace statements run on a session; the same code for every engine.</summary>
public sealed class WorkspaceStore(DbSession db, WorkspaceSql sql) : IWorkspaceStore
{
    public Task<WorkspaceRecord?> GetAsync(string accountId, string region, string workspaceId) =>
        db.FirstAsync<WorkspaceRecord>(
            sql.Get,
            new
            {
                accountId,
                region,
                workspaceId,
            }
        );

    public Task<WorkspaceRecord?> GetByIdAsync(string workspaceId) =>
        db.FirstAsync<WorkspaceRecord>(sql.GetById, new { workspaceId });

    public Task<WorkspaceRecord?> GetBySeqAsync(long seq) => db.FirstAsync<WorkspaceRecord>(sql.GetBySeq, new { seq });

    public Task<List<WorkspaceRecord>> GetBySeqsAsync(IReadOnlyList<long> seqs) =>
        db.QueryAsync<WorkspaceRecord>(sql.GetBySeqs, new { seqs = seqs.ToArray() });

    public async Task<List<WorkspaceRecord>> ListAsync(WorkspaceQuery q)
    {
        if (q.WorkspaceIds is not null)
            return await db.QueryAsync<WorkspaceRecord>(sql.ListByIds, Ids(q));
        var list = new List<WorkspaceRecord>(Math.Min(q.Limit, 64));
        await using var r = await PageCommand(q, sql.Pages).ExecuteReaderAsync().ConfigureAwait(false);
        while (list.Count < q.Limit && await r.ReadAsync().ConfigureAwait(false))
            list.Add(Read(r));
        return list;
    }

    public async Task<List<RenderedRow>> ListRenderedAsync(WorkspaceQuery q, IBufferWriter<byte> json)
    {
        var list = new List<RenderedRow>(Math.Min(q.Limit, 64));
        await using var r = q.WorkspaceIds is not null
            ? await db.ReaderAsync(sql.RenderedByIds, Ids(q)).ConfigureAwait(false)
            : await PageCommand(q, sql.RenderedPages).ExecuteReaderAsync().ConfigureAwait(false);
        while (list.Count < q.Limit && await r.ReadAsync().ConfigureAwait(false))
        {
            var length = -1;
            if (!r.IsDBNull(1))
            {
                // Straight from the row into the page's buffer.
                length = (int)r.GetBytes(1, 0, null, 0, 0);
                if (!MemoryMarshal.TryGetArray<byte>(json.GetMemory(length), out var target))
                    throw new InvalidOperationException("The page buffer is not an array.");
                r.GetBytes(1, 0, target.Array, target.Offset, length);
                json.Advance(length);
            }
            list.Add(
                new RenderedRow
                {
                    Seq = r.GetInt64(0),
                    Version = r.GetInt32(2),
                    JsonLength = length,
                }
            );
        }
        return list;
    }

    // Array parameters: Dapper expands them for SQLite (IN @ids) and passes them whole to PostgreSQL (= ANY(@ids)).
    private static object Ids(WorkspaceQuery q) =>
        new
        {
            q.AccountId,
            q.Region,
            q.AfterSeq,
            WorkspaceIds = q.WorkspaceIds!.ToArray(),
            q.Limit,
        };

    /// <summary>The keyset-page command of the query's filter, prepared once per connection.</summary>
    private DbCommand PageCommand(WorkspaceQuery q, IReadOnlyDictionary<WorkspaceFilter, string> pages)
    {
        var (filter, value) = q switch
        {
            { UserName: not null } => (WorkspaceFilter.User, q.DirectoryId),
            { DirectoryId: not null } => (WorkspaceFilter.Directory, q.DirectoryId),
            { BundleId: not null } => (WorkspaceFilter.Bundle, q.BundleId),
            { WorkspaceName: not null } => (WorkspaceFilter.Name, q.WorkspaceName),
            _ => (WorkspaceFilter.Scope, null),
        };
        var cmd = filter switch
        {
            WorkspaceFilter.Scope => db.Command(pages[filter], "@a", "@r", "@s", "@l"),
            WorkspaceFilter.User => db.Command(pages[filter], "@a", "@r", "@s", "@l", "@f", "@g"),
            _ => db.Command(pages[filter], "@a", "@r", "@s", "@l", "@f"),
        };
        var p = cmd.Parameters;
        p["@a"].Value = q.AccountId;
        p["@r"].Value = q.Region;
        p["@s"].Value = q.AfterSeq;
        p["@l"].Value = q.Limit;
        if (filter != WorkspaceFilter.Scope)
            p["@f"].Value = value!;
        if (filter == WorkspaceFilter.User)
            p["@g"].Value = q.UserName!;
        return cmd;
    }

    /// <summary>The columns of a page, in the order every engine's page statement selects them.</summary>
    private static WorkspaceRecord Read(DbDataReader r) =>
        new()
        {
            Seq = r.GetInt64(0),
            WorkspaceId = r.GetString(1),
            AccountId = r.GetString(2),
            Region = r.GetString(3),
            DirectoryId = r.GetString(4),
            UserName = r.GetString(5),
            BundleId = r.GetString(6),
            State = r.GetString(7),
            IpAddress = Str(r, 8),
            SubnetId = Str(r, 9),
            ComputerName = Str(r, 10),
            RunningMode = r.GetString(11),
            AutoStopTimeout = Int(r, 12),
            RootVolumeSizeGib = Int(r, 13),
            UserVolumeSizeGib = Int(r, 14),
            ComputeTypeName = Str(r, 15),
            Protocols = Str(r, 16),
            OperatingSystemName = Str(r, 17),
            RootVolumeEncryptionEnabled = Bool(r, 18),
            UserVolumeEncryptionEnabled = Bool(r, 19),
            VolumeEncryptionKey = Str(r, 20),
            WorkspaceName = Str(r, 21),
            ErrorCode = Str(r, 22),
            ErrorMessage = Str(r, 23),
            CreatedAt = r.GetInt64(24),
            StateChangedAt = r.GetInt64(25),
            ConnectionState = r.GetString(26),
            ConnectionCheckedAt = Long(r, 27),
            LastConnectedAt = Long(r, 28),
            DisconnectedAt = Long(r, 29),
            TerminatedAt = Long(r, 30),
            HostId = Str(r, 31),
            Version = r.GetInt32(32),
        };

    private static string? Str(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static int? Int(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static bool? Bool(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetBoolean(i);

    public Task<List<WorkspaceRecord>> StaleRenderedAsync(int version, long afterSeq, int limit) =>
        db.QueryAsync<WorkspaceRecord>(
            sql.StaleRendered,
            new
            {
                version,
                afterSeq,
                limit,
            }
        );

    public Task<List<WorkspaceRecord>> InStateAsync(string state, long afterSeq, int limit) =>
        db.QueryAsync<WorkspaceRecord>(
            sql.InState,
            new
            {
                state,
                afterSeq,
                limit,
            }
        );

    public async Task<bool> HasActiveAsync(string accountId, string region, string directoryId, string userName)
    {
        var cmd = db.Command(sql.HasActive, "@a", "@r", "@d", "@u");
        cmd.Parameters["@a"].Value = accountId;
        cmd.Parameters["@r"].Value = region;
        cmd.Parameters["@d"].Value = directoryId;
        cmd.Parameters["@u"].Value = userName;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync().ConfigureAwait(false)) != 0;
    }

    public async Task<int> CountActiveInDirectoryAsync(string accountId, string region, string directoryId) =>
        (int)
            await db.ScalarAsync<long>(
                sql.CountActiveInDirectory,
                new
                {
                    accountId,
                    region,
                    directoryId,
                }
            );

    public async Task<int> LockAccountAsync(string accountId) =>
        (int)await db.ScalarAsync<long>(sql.LockAccount, new { accountId });

    public Task ChangeActiveCountAsync(string accountId, int delta) =>
        db.ExecuteAsync(sql.ChangeActiveCount, new { accountId, delta });

    public Task<long> CountInStatesAsync(string[] states) => db.ScalarAsync<long>(sql.CountInStates, new { states });

    public async Task<bool> IpInUseAsync(string accountId, string subnetId, string ip)
    {
        var cmd = db.Command(sql.IpInUse, "@a", "@s", "@i");
        cmd.Parameters["@a"].Value = accountId;
        cmd.Parameters["@s"].Value = subnetId;
        cmd.Parameters["@i"].Value = ip;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync().ConfigureAwait(false)) != 0;
    }

    public async Task<long> InsertAsync(WorkspaceRecord ws, RenderedJson json) =>
        ws.Seq = await db.ScalarAsync<long>(sql.Insert, Row(ws, json));

    public async Task UpdateAsync(WorkspaceRecord ws, RenderedJson json)
    {
        StaleRowException.ThrowIfNone(await db.ExecuteAsync(sql.Update, Row(ws, json)), "workspaces", ws.Seq);
        ws.Version++;
    }

    public Task DeleteAsync(long seq) => db.ExecuteAsync(sql.Delete, new { seq });

    public async Task AddSnapshotAsync(long seq, long takenAt)
    {
        await db.ExecuteAsync(sql.AddSnapshot, new { seq, takenAt });
        await db.ExecuteAsync(sql.PruneSnapshots, new { seq });
    }

    public Task<List<long>> SnapshotsAsync(long seq) => db.QueryAsync<long>(sql.Snapshots, new { seq });

    private static object Row(WorkspaceRecord ws, RenderedJson json) =>
        new
        {
            ws.Seq,
            ws.WorkspaceId,
            ws.AccountId,
            ws.Region,
            ws.DirectoryId,
            ws.UserName,
            ws.BundleId,
            ws.State,
            ws.IpAddress,
            ws.SubnetId,
            ws.ComputerName,
            ws.RunningMode,
            ws.AutoStopTimeout,
            ws.RootVolumeSizeGib,
            ws.UserVolumeSizeGib,
            ws.ComputeTypeName,
            ws.Protocols,
            ws.OperatingSystemName,
            ws.RootVolumeEncryptionEnabled,
            ws.UserVolumeEncryptionEnabled,
            ws.VolumeEncryptionKey,
            ws.WorkspaceName,
            ws.ErrorCode,
            ws.ErrorMessage,
            ws.CreatedAt,
            ws.StateChangedAt,
            ws.ConnectionState,
            ws.ConnectionCheckedAt,
            ws.LastConnectedAt,
            ws.DisconnectedAt,
            ws.TerminatedAt,
            ws.HostId,
            ws.Version,
            ApiJson = json.Utf8,
            ApiJsonVersion = json.Version,
        };
}
