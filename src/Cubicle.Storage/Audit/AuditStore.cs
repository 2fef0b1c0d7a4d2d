namespace Cubicle.Storage;

/// <summary>The audit statements run on a session; the same code for every engine.</summary>
public sealed class AuditStore(DbSession db, AuditSql sql) : IAuditStore
{
    public Task InsertAsync(AuditEventRecord e) => InsertOneAsync(e, sql.Insert);

    public async Task InsertBatchAsync(IReadOnlyList<AuditEventRecord> events)
    {
        if (events.Count == 0)
            return;
        if (sql.InsertBatch is null)
        {
            foreach (var e in events)
                await InsertOneAsync(e, sql.InsertIfAbsent).ConfigureAwait(false);
            return;
        }
        // One statement for the whole batch: over a network, one round trip instead of one per event.
        var cmd = db.Command(sql.InsertBatch, "@id", "@a", "@r", "@t", "@n", "@s", "@ro", "@u", "@k", "@b", "@res");
        var p = cmd.Parameters;
        p["@id"].Value = Column(events, e => e.EventId);
        p["@a"].Value = Column(events, e => e.AccountId);
        p["@r"].Value = Column(events, e => e.Region);
        p["@t"].Value = Column(events, e => e.EventTime);
        p["@n"].Value = Column(events, e => e.EventName);
        p["@s"].Value = Column(events, e => e.EventSource);
        p["@ro"].Value = Column(events, e => e.ReadOnly);
        p["@u"].Value = Column(events, e => e.Username);
        p["@k"].Value = Column(events, e => e.AccessKeyId);
        p["@b"].Value = Column(events, e => e.Body);
        p["@res"].Value = Column(events, e => e.Resources);
        await cmd.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static T[] Column<T>(IReadOnlyList<AuditEventRecord> events, Func<AuditEventRecord, T> value)
    {
        var column = new T[events.Count];
        for (var i = 0; i < column.Length; i++)
            column[i] = value(events[i]);
        return column;
    }

    /// <summary>
    /// One event and its resources; nothing when the statement skips it (an event id already stored).
    /// </summary>
    private async Task InsertOneAsync(AuditEventRecord e, string statement)
    {
        var cmd = db.Command(statement, "@id", "@a", "@r", "@t", "@n", "@s", "@ro", "@u", "@k", "@b", "@res");
        var p = cmd.Parameters;
        p["@id"].Value = e.EventId;
        p["@a"].Value = e.AccountId;
        p["@r"].Value = e.Region;
        p["@t"].Value = e.EventTime;
        p["@n"].Value = e.EventName;
        p["@s"].Value = e.EventSource;
        p["@ro"].Value = e.ReadOnly;
        p["@u"].Value = (object?)e.Username ?? DBNull.Value;
        p["@k"].Value = (object?)e.AccessKeyId ?? DBNull.Value;
        p["@b"].Value = e.Body;
        p["@res"].Value = (object?)e.Resources ?? DBNull.Value;
        var seq = await cmd.ExecuteScalarAsync().ConfigureAwait(false);
        if (seq is null or DBNull)
            return;
        e.Seq = Convert.ToInt64(seq);
        if (e.Resources is null)
            return;
        var res = db.Command(sql.InsertResource, "@e", "@a", "@r", "@t", "@n");
        foreach (var line in e.Resources.Split('\n'))
        {
            var tab = line.IndexOf('\t');
            res.Parameters["@e"].Value = e.Seq;
            res.Parameters["@a"].Value = e.AccountId;
            res.Parameters["@r"].Value = e.Region;
            res.Parameters["@t"].Value = line[..tab];
            res.Parameters["@n"].Value = line[(tab + 1)..];
            await res.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    public Task<List<AuditEventRecord>> LookupAsync(AuditQuery q)
    {
        var statement = sql.Lookup[q.AttributeKey ?? ""];
        if (q.StartMs is not null)
            statement += sql.LookupStart;
        if (q.EndMs is not null)
            statement += sql.LookupEnd;
        return db.QueryAsync<AuditEventRecord>(statement + sql.LookupOrder, q);
    }

    public async Task<long> AssignPositionsAsync(int max)
    {
        var last = await db.ScalarAsync<long>(sql.PositionCounter);
        var given = await db.ExecuteAsync(sql.Position, new { @base = last, max });
        if (given == 0)
            return last;
        if (sql.AfterPosition is { } after)
            await db.ExecuteAsync(after, new { pos = last + given });
        await db.ExecuteAsync(sql.SetPositionCounter, new { pos = (last + given).ToString() });
        return last + given;
    }

    public Task<List<AuditEventRecord>> PositionedAsync(long afterPos, long throughPos, int limit) =>
        db.QueryAsync<AuditEventRecord>(
            sql.Positioned,
            new
            {
                afterPos,
                throughPos,
                limit,
            }
        );

    public Task<long> PositionedThroughAsync() => db.ScalarAsync<long>(sql.PositionedThrough);

    public Task<long> DeliveredThroughAsync() => db.ScalarAsync<long>(sql.DeliveredThrough);

    public Task SetDeliveredThroughAsync(long pos) =>
        db.ExecuteAsync(sql.SetDeliveredThrough, new { pos = pos.ToString() });

    public Task<long> CountUndeliveredAsync() => db.ScalarAsync<long>(sql.CountUndelivered);

    public Task<long?> OldestUndeliveredTimeAsync() => db.ScalarAsync<long?>(sql.OldestUndeliveredTime);

    public async Task RecordLogFileAsync(AuditFileRecord file) =>
        file.Seq = await db.ScalarAsync<long>(sql.InsertFile, file);

    public async Task RecordDigestAsync(AuditFileRecord digest, IReadOnlyList<long> logFileSeqs)
    {
        digest.Seq = await db.ScalarAsync<long>(sql.InsertFile, digest);
        if (logFileSeqs.Count > 0)
            await db.ExecuteAsync(
                sql.MarkDigested,
                new { digestSeq = digest.Seq, logFileSeqs = logFileSeqs.ToArray() }
            );
    }

    public Task<List<AuditFileRecord>> UndigestedLogFilesAsync(string accountId, string region) =>
        db.QueryAsync<AuditFileRecord>(sql.UndigestedLogFiles, new { accountId, region });

    public Task<AuditFileRecord?> LastDigestAsync(string accountId, string region) =>
        db.FirstAsync<AuditFileRecord>(sql.LastDigest, new { accountId, region });

    public async Task<List<(string AccountId, string Region)>> ScopesAsync() =>
        await db.QueryAsync<(string, string)>(sql.Scopes);

    public async Task<int> DeleteDeliveredBeforeAsync(long eventTimeMs)
    {
        await db.ExecuteAsync(sql.DeletePositionsBefore, new { eventTimeMs });
        return await db.ExecuteAsync(sql.DeleteDeliveredBefore, new { eventTimeMs });
    }
}
