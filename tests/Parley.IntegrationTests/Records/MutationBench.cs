using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;

namespace Parley.IntegrationTests.Records;

/// <summary>
/// The organization's rows as they were before any tampering (every tampering is undone, so they stay so), and the
/// tamperings made from them. Rows are changed through EF's own mapping, so values are stored as the server stores them.
/// </summary>
internal sealed class Bench(ParleyApp app, Guid organizationId, Random random)
{
    private static readonly Type[] Tables =
        [typeof(RecordEntry), typeof(AuditEvent), typeof(Message), typeof(Reaction), typeof(ConversationMember), typeof(StoredFile),
         typeof(Conversation), typeof(RecordLog), typeof(LogTile), typeof(SignedCheckpoint)];

    private readonly Dictionary<Type, List<object>> _rows = [];
    private List<Mention> _mentions = [];
    private List<Guid> _users = [];
    private Guid _otherOrganization;
    private IModel _model = null!;

    private List<RecordEntry> Entries => [.. _rows[typeof(RecordEntry)].Cast<RecordEntry>()];
    private List<Message> Messages => [.. _rows[typeof(Message)].Cast<Message>()];
    private List<Conversation> Conversations => [.. _rows[typeof(Conversation)].Cast<Conversation>()];

    /// <summary>Every column the tamperings may change: all of the tables', less those outside the record.</summary>
    public IReadOnlyCollection<string> Columns => [.. Tables.SelectMany(t => TypeOf(t).GetProperties().Select(p => $"{t.Name}.{p.Name}"))
        .Where(c => !MutationTests.OutsideTheRecord.ContainsKey(c))];

    public async Task LoadAsync()
    {
        await app.WithDbAsync(async db =>
        {
            _model = db.Model;
            var o = organizationId;
            var messageIds = await db.Messages.Where(m => m.OrganizationId == o).Select(m => m.Id).ToListAsync();
            _rows[typeof(RecordEntry)] = [.. await db.RecordEntries.AsNoTracking().Where(r => r.OrganizationId == o).OrderBy(r => r.Id).ToListAsync()];
            _rows[typeof(AuditEvent)] = [.. await db.AuditEvents.AsNoTracking().Where(r => r.OrganizationId == o).OrderBy(r => r.Id).ToListAsync()];
            _rows[typeof(Message)] = [.. await db.Messages.AsNoTracking().Where(r => r.OrganizationId == o).OrderBy(r => r.Id).ToListAsync()];
            _rows[typeof(Reaction)] = [.. await db.Reactions.AsNoTracking().Where(r => messageIds.Contains(r.MessageId)).ToListAsync()];
            _rows[typeof(ConversationMember)] = [.. await db.ConversationMembers.AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _rows[typeof(StoredFile)] = [.. await db.Files.AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _rows[typeof(Conversation)] = [.. await db.Conversations.AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _rows[typeof(RecordLog)] = [.. await db.RecordLogs.AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _rows[typeof(LogTile)] = [.. await db.Set<LogTile>().AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _rows[typeof(SignedCheckpoint)] = [.. await db.Checkpoints.AsNoTracking().Where(r => r.OrganizationId == o).ToListAsync()];
            _mentions = await db.Set<Mention>().AsNoTracking().Where(m => messageIds.Contains(m.MessageId)).ToListAsync();
            _users = await db.Users.Where(u => u.OrganizationId == o).Select(u => u.Id).ToListAsync();
            // An organization whose log was never started: a row moved there (even the log's own row, or a tile) fits the schema.
            _otherOrganization = await db.Organizations.Where(x => x.Id != o && !db.RecordLogs.Any(l => l.OrganizationId == x.Id)).Select(x => x.Id).FirstAsync();
            return 0;
        });
        foreach (var t in Tables)
            Assert.NotEmpty(_rows[t]);
    }

    /// <summary>The server's own check, as <c>GET /api/v1/admin/integrity</c> runs it, without taking anything into the log first.</summary>
    public async Task<IntegrityReportDto> CheckAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        return await new IntegrityCheck(db, organizationId, scope.ServiceProvider.GetRequiredService<MarkdownRenderer>(),
            scope.ServiceProvider.GetRequiredService<FileStore>()).RunAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A random tampering, or null when the one drawn would change nothing.</summary>
    public Tampering? Next() => random.Next(100) switch
    {
        < 55 => ColumnChange(),
        < 63 => Deletion(),
        < 70 => Insertion(),
        < 73 => SwapIndexes(),
        < 76 => SwapLeaves(),
        < 84 => SwapContents(),
        < 88 => Rehash(),
        < 93 => ForgedErasure(),
        _ => FileBytes(),
    };

    private T Pick<T>(IReadOnlyList<T> list) => list[random.Next(list.Count)];

    // ---- Where the check may point for a row -------------------------------------------------------------------

    private long LastIndex(long conversation) => Conversations.FirstOrDefault(c => c.Id == conversation)?.LastEntryIndex ?? 0;

    /// <summary>The entries about messages <paramref name="seqs"/> of a conversation (their own, and the replies to them), and its last entry.</summary>
    private HashSet<long> AboutMessages(long conversation, params long[] seqs)
    {
        var set = new HashSet<long> { LastIndex(conversation) };
        foreach (var e in Entries.Where(e => e.ConversationId == conversation))
        {
            if (seqs.Contains(e.MessageSeq))
                set.Add(e.Index);
            if (e.Kind == RecordKind.MessagePosted && e.Data is { } data &&
                JsonDocument.Parse(data).RootElement.GetProperty("thread") is { ValueKind: JsonValueKind.Number } t && seqs.Contains(t.GetInt64()))
                set.Add(e.Index);
        }
        return set;
    }

    private HashSet<long> AboutMember(long conversation, Guid user)
    {
        var set = new HashSet<long> { LastIndex(conversation) };
        foreach (var e in Entries.Where(e => e.ConversationId == conversation && e.Data is not null && e.Data.Contains(user.ToString())))
            set.Add(e.Index);
        return set;
    }

    private long UploadIndex(Guid file) =>
        Entries.FirstOrDefault(e => e.Kind == RecordKind.FileUploaded && e.Data!.Contains(file.ToString()))?.Index ?? -1;

    private sealed record Place(string Chain, long? Conversation, IReadOnlySet<long>? Indexes)
    {
        public bool Matches(BrokenLinkDto b) => b.Chain == Chain && (Chain is "log" || (b.ConversationId == Conversation && Indexes!.Contains(b.Index)));
        public override string ToString() => Chain == "log" ? "log" : $"{Chain} {Conversation} @{{{string.Join(",", Indexes!.Order())}}}";
    }

    private static readonly Place Log = new("log", null, null);

    private static IEnumerable<long> ErasedBy(RecordEntry e)
    {
        try
        {
            using var data = JsonDocument.Parse(e.Data ?? "null");
            return data.RootElement is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("entries", out var entries) &&
                   entries.ValueKind == JsonValueKind.Array && entries.EnumerateArray().All(x => x.ValueKind == JsonValueKind.Number)
                ? [.. entries.EnumerateArray().Select(x => x.GetInt64())]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Where the check may name a row's tampering, for the row as it was and as it is after.</summary>
    private List<Place> PlacesOf(object row)
    {
        switch (row)
        {
            case RecordEntry e when e.Kind == RecordKind.ContentErased:
                // Without its erasure entry, the entries it erased are content missing without one. Its data may be the
                // tampered part: then only the entry itself.
                return [new("conversation", e.ConversationId, ErasedBy(e).Append(e.Index).ToHashSet())];
            case RecordEntry e:
                return [new("conversation", e.ConversationId, new HashSet<long> { e.Index })];
            case AuditEvent a:
                return [new("audit", null, new HashSet<long> { a.Index })];
            case Message m:
                return [new("conversation", m.ConversationId, AboutMessages(m.ConversationId, m.Seq))];
            case Reaction r:
            {
                var m = Messages.FirstOrDefault(x => x.Id == r.MessageId);
                return m is null ? [] : [new("conversation", m.ConversationId, AboutMessages(m.ConversationId, m.Seq))];
            }
            case ConversationMember cm:
                return [new("conversation", cm.ConversationId, AboutMember(cm.ConversationId, cm.UserId))];
            case StoredFile f:
            {
                var carriedBy = Messages.FirstOrDefault(m => m.Id == f.MessageId);
                return
                [
                    new("file", f.ConversationId, new HashSet<long> { UploadIndex(f.Id), LastIndex(f.ConversationId) }),
                    .. carriedBy is null ? Array.Empty<Place>() : [new Place("conversation", carriedBy.ConversationId, AboutMessages(carriedBy.ConversationId, carriedBy.Seq))],
                ];
            }
            case Conversation c:
                return [new("conversation", c.Id, new HashSet<long> { 1, c.LastEntryIndex, c.LastEntryIndex + 1 })];
            default:
                return [Log];
        }
    }

    private static Func<BrokenLinkDto, bool> AnyOf(List<Place> places) => b => places.Any(p => p.Matches(b));

    // ---- Tamperings ----------------------------------------------------------------------------------------------

    private IEntityType TypeOf(Type t) => _model.FindEntityType(t)!;
    private static object?[] KeyOf(IEntityType type, object row) => [.. type.FindPrimaryKey()!.Properties.Select(p => p.PropertyInfo!.GetValue(row))];
    private static string Name(IEntityType type) => type.ClrType.Name;

    /// <summary>A detached copy of a row, every mapped column copied, one of them changed.</summary>
    private static object Clone(ParleyDb? db, IEntityType type, object row, string? property = null, object? value = null)
    {
        _ = db;
        var copy = Activator.CreateInstance(type.ClrType, nonPublic: true)!;
        foreach (var p in type.GetProperties())
            p.PropertyInfo!.SetValue(copy, p.Name == property ? value : p.PropertyInfo!.GetValue(row));
        return copy;
    }

    private static void Set(object row, string property, object? value) => row.GetType().GetProperty(property)!.SetValue(row, value);

    private static async Task SetAsync(ParleyDb db, IEntityType type, object row, string property, object? value)
    {
        var tracked = await db.FindAsync(type.ClrType, KeyOf(type, row));
        db.Entry(tracked!).Property(property).CurrentValue = value;
        await db.SaveChangesAsync();
    }

    private static async Task ReplaceAsync(ParleyDb db, IEntityType type, object?[] key, object replacement)
    {
        db.Remove((await db.FindAsync(type.ClrType, key))!);
        db.Add(replacement);
        await db.SaveChangesAsync();
    }

    private List<(IEntityType Type, IProperty Property)>? _columns;
    private int _nextColumn, _refusedInARow;

    /// <summary>The schema refused the last tampering: a column change tries that column again, with another value or row.</summary>
    public void Refused(Tampering t)
    {
        if (t.Column is not null && ++_refusedInARow < 20)      // a column the schema never lets change shows as never tampered with
            _nextColumn--;
        else
            _refusedInARow = 0;
    }

    private Tampering? ColumnChange()
    {
        // Every column in turn, shuffled once, so each is tampered with about as often as the others.
        _columns ??= [.. Tables.Select(TypeOf).SelectMany(t => t.GetProperties().Select(p => (t, p)))
            .Where(c => !MutationTests.OutsideTheRecord.ContainsKey($"{Name(c.t)}.{c.p.Name}")).OrderBy(_ => random.Next())];
        var (type, p) = _columns[_nextColumn++ % _columns.Count];
        var row = Pick(_rows[type.ClrType]);
        var before = p.PropertyInfo!.GetValue(row);
        var after = Perturb(type, p, before);
        if (Same(before, after))
            return null;
        var changed = Clone(null, type, row, p.Name, after);
        var places = PlacesOf(row).Concat(PlacesOf(changed)).ToList();
        if (p.Name == "LeafIndex")
            places.AddRange([Log, UpTo(row)]);     // the leaf out of order in the log, or its chain missing what it now meets too early
        var what = $"{Name(type)} {Describe(type, row)}: {p.Name} {Show(before)} → {Show(after)}";
        var kind = $"change {Name(type)} column";
        if (p.IsKey())
        {
            var newKey = KeyOf(type, changed);
            return new(kind, what,
                db => ReplaceAsync(db, type, KeyOf(type, row), Clone(db, type, row, p.Name, after)),
                db => ReplaceAsync(db, type, newKey, Clone(db, type, row)),
                AnyOf(places), string.Join(" or ", places)) { Column = $"{Name(type)}.{p.Name}" };
        }
        return new(kind, what, db => SetAsync(db, type, row, p.Name, after), db => SetAsync(db, type, row, p.Name, before),
            AnyOf(places), string.Join(" or ", places)) { Column = $"{Name(type)}.{p.Name}" };
    }

    private Tampering? Deletion()
    {
        var type = TypeOf(Pick(Tables));
        if (MutationTests.OutsideTheCheck.ContainsKey($"delete {Name(type)}"))
            return null;
        var row = Pick(_rows[type.ClrType]);
        var places = PlacesOf(row);
        // A message's reactions and mentions go with it (cascade); the undo brings them back.
        var reactions = row is Message m ? _rows[typeof(Reaction)].Cast<Reaction>().Where(r => r.MessageId == m.Id).ToList() : [];
        var mentions = row is Message m2 ? _mentions.Where(x => x.MessageId == m2.Id).ToList() : [];
        return new($"delete {Name(type)} row", $"{Name(type)} {Describe(type, row)}",
            async db =>
            {
                db.Remove((await db.FindAsync(type.ClrType, KeyOf(type, row)))!);
                await db.SaveChangesAsync();
            },
            async db =>
            {
                db.Add(Clone(db, type, row));
                foreach (var r in reactions)
                    db.Add(Clone(db, TypeOf(typeof(Reaction)), r));
                foreach (var x in mentions)
                    db.Add(Clone(db, TypeOf(typeof(Mention)), x));
                await db.SaveChangesAsync();
            },
            AnyOf(places), string.Join(" or ", places));
    }

    private Tampering? Insertion()
    {
        var conversation = Pick(Conversations);
        var last = LastIndex(conversation.Id);
        switch (random.Next(5))
        {
            case 0:
            {
                var template = Pick(Entries.Where(e => e.ConversationId == conversation.Id).ToList());
                var type = TypeOf(typeof(RecordEntry));
                var id = Entries.Max(e => e.Id) + 1000;
                var leaf = random.Next(2) == 0 ? null : (long?)(Entries.Max(e => e.LeafIndex) + 1000);
                return Insert(type, $"entry {last + 1} of conversation {conversation.Id} (copy of {template.Index}, leaf {leaf?.ToString() ?? "none"})",
                    db =>
                    {
                        var copy = (RecordEntry)Clone(db, type, template, nameof(RecordEntry.Id), id);
                        Set(copy, nameof(RecordEntry.Index), last + 1);
                        Set(copy, nameof(RecordEntry.LeafIndex), leaf);
                        return copy;
                    },
                    [new("conversation", conversation.Id, new HashSet<long> { last, last + 1 }), Log]);
            }
            case 1:
            {
                var template = Pick(Messages);
                var type = TypeOf(typeof(Message));
                var id = Messages.Max(m => m.Id) + 1000;
                return Insert(type, $"message {conversation.LastMessageSeq + 1} in conversation {conversation.Id}",
                    db =>
                    {
                        var copy = Clone(db, type, template, nameof(Message.Id), id);
                        Set(copy, nameof(Message.ConversationId), conversation.Id);
                        Set(copy, nameof(Message.Seq), conversation.LastMessageSeq + 1);
                        Set(copy, nameof(Message.ClientMessageId), (Guid?)Guid.NewGuid());
                        Set(copy, nameof(Message.ThreadRootId), null);
                        return copy;
                    },
                    [new("conversation", conversation.Id, new HashSet<long> { last })]);
            }
            case 2:
            {
                var message = Pick(Messages);
                var type = TypeOf(typeof(Reaction));
                var template = _rows[typeof(Reaction)][0];
                var user = Pick(_users);
                return Insert(type, $"reaction 🦆 by {user} on message {message.Seq} of conversation {message.ConversationId}",
                    db =>
                    {
                        var copy = Clone(db, type, template, nameof(Reaction.MessageId), message.Id);
                        Set(copy, nameof(Reaction.UserId), user);
                        Set(copy, nameof(Reaction.Emoji), "🦆");
                        return copy;
                    },
                    [new("conversation", message.ConversationId, AboutMessages(message.ConversationId, message.Seq))]);
            }
            case 3:
            {
                var members = _rows[typeof(ConversationMember)].Cast<ConversationMember>().Where(m => m.ConversationId == conversation.Id).Select(m => m.UserId).ToHashSet();
                var outsiders = _users.Where(u => !members.Contains(u)).ToList();
                if (outsiders.Count == 0)
                    return null;
                var user = Pick(outsiders);
                var type = TypeOf(typeof(ConversationMember));
                var template = _rows[typeof(ConversationMember)][0];
                return Insert(type, $"member {user} of conversation {conversation.Id}",
                    db =>
                    {
                        var copy = Clone(db, type, template, nameof(ConversationMember.ConversationId), conversation.Id);
                        Set(copy, nameof(ConversationMember.UserId), user);
                        return copy;
                    },
                    [new("conversation", conversation.Id, AboutMember(conversation.Id, user))]);
            }
            default:
            {
                var template = (StoredFile)Pick(_rows[typeof(StoredFile)]);
                var type = TypeOf(typeof(StoredFile));
                var id = Guid.NewGuid();
                return Insert(type, $"file {id} in conversation {conversation.Id} (copy of {template.Id})",
                    db =>
                    {
                        var copy = Clone(db, type, template, nameof(StoredFile.Id), id);
                        Set(copy, nameof(StoredFile.ConversationId), conversation.Id);
                        Set(copy, nameof(StoredFile.MessageId), null);
                        return copy;
                    },
                    [new("file", conversation.Id, new HashSet<long> { last })]);
            }
        }
    }

    private Tampering Insert(IEntityType type, string what, Func<ParleyDb, object> make, List<Place> places)
    {
        object?[]? key = null;
        return new($"insert a forged {Name(type)}", what,
            async db =>
            {
                var row = make(db);
                key = KeyOf(type, row);
                db.Add(row);
                await db.SaveChangesAsync();
            },
            async db =>
            {
                db.Remove((await db.FindAsync(type.ClrType, key!))!);
                await db.SaveChangesAsync();
            },
            AnyOf(places), string.Join(" or ", places));
    }

    private Tampering? SwapIndexes()
    {
        var conversation = Pick(Conversations.Where(c => c.LastEntryIndex >= 2).ToList());
        var a = random.NextInt64(1, conversation.LastEntryIndex + 1);
        var b = random.NextInt64(1, conversation.LastEntryIndex + 1);
        if (a == b)
            return null;
        async Task SwapAsync(ParleyDb db)
        {
            var rows = db.RecordEntries.Where(r => r.ConversationId == conversation.Id);
            await rows.Where(r => r.Index == a).ExecuteUpdateAsync(s => s.SetProperty(r => r.Index, -1));
            await rows.Where(r => r.Index == b).ExecuteUpdateAsync(s => s.SetProperty(r => r.Index, a));
            await rows.Where(r => r.Index == -1).ExecuteUpdateAsync(s => s.SetProperty(r => r.Index, b));
        }
        var place = new Place("conversation", conversation.Id, new HashSet<long> { a, b, Math.Min(a, b) });
        return new("swap two entries' indexes", $"conversation {conversation.Id}: entries {a} and {b}", SwapAsync, SwapAsync, place.Matches, place.ToString());
    }

    private Tampering? SwapLeaves()
    {
        var leaves = Entries.Cast<object>().Concat(_rows[typeof(AuditEvent)]).ToList();
        var (x, y) = (Pick(leaves), Pick(leaves));
        if (ReferenceEquals(x, y))
            return null;
        var (tx, ty) = (TypeOf(x.GetType()), TypeOf(y.GetType()));
        var (lx, ly) = (LeafOf(x), LeafOf(y));
        // Out of order, a chain misses the entries it now meets too early: the check may name any of them up to the row.
        var places = new[] { x, y }.Select(UpTo).Append(Log).ToList();
        return new("swap two leaves' LeafIndex", $"{Name(tx)} {Describe(tx, x)} (leaf {lx}) and {Name(ty)} {Describe(ty, y)} (leaf {ly})",
            async db => { await SetAsync(db, tx, x, "LeafIndex", ly); await SetAsync(db, ty, y, "LeafIndex", lx); },
            async db => { await SetAsync(db, tx, x, "LeafIndex", lx); await SetAsync(db, ty, y, "LeafIndex", ly); },
            AnyOf(places), string.Join(" or ", places));
    }

    /// <summary>Any entry of the row's chain up to the row itself.</summary>
    private static Place UpTo(object row) => row is RecordEntry e
        ? new Place("conversation", e.ConversationId, Enumerable.Range(1, (int)e.Index).Select(i => (long)i).ToHashSet())
        : new Place("audit", null, Enumerable.Range(1, (int)((AuditEvent)row).Index).Select(i => (long)i).ToHashSet());

    private static long? LeafOf(object row) => row is RecordEntry e ? e.LeafIndex : ((AuditEvent)row).LeafIndex;

    private Tampering? SwapContents()
    {
        Type[] swappable = [typeof(RecordEntry), typeof(AuditEvent), typeof(Message), typeof(Reaction), typeof(ConversationMember), typeof(StoredFile), typeof(Conversation)];
        var type = TypeOf(Pick(swappable));
        // LeafIndex swaps are their own kind (SwapLeaves), named as a reordering.
        var p = Pick(type.GetProperties().Where(p => !p.IsKey() && p.Name != "LeafIndex" && !MutationTests.OutsideTheRecord.ContainsKey($"{Name(type)}.{p.Name}")).ToList());
        var (x, y) = (Pick(_rows[type.ClrType]), Pick(_rows[type.ClrType]));
        var (vx, vy) = (p.PropertyInfo!.GetValue(x), p.PropertyInfo!.GetValue(y));
        if (Same(vx, vy))
            return null;
        var places = PlacesOf(x).Concat(PlacesOf(y)).ToList();
        return new($"swap two {Name(type)} rows' values", $"{p.Name} of {Describe(type, x)} and {Describe(type, y)}",
            async db => { await SetAsync(db, type, x, p.Name, vy); await SetAsync(db, type, y, p.Name, vx); },
            async db => { await SetAsync(db, type, x, p.Name, vx); await SetAsync(db, type, y, p.Name, vy); },
            AnyOf(places), string.Join(" or ", places));
    }

    /// <summary>Changes one entry, then recomputes its hash and every later one, and the head: only the log can tell.</summary>
    private Tampering? Rehash()
    {
        var conversation = Pick(Conversations);
        var entries = Entries.Where(e => e.ConversationId == conversation.Id).OrderBy(e => e.Index).ToList();
        var from = Pick(entries);
        var later = entries.Where(e => e.Index >= from.Index).ToList();
        // A time a second earlier: a change the history allows, so only the log can tell.
        var newAt = from.At.AddSeconds(-1);
        return new("rehash a chain after changing an entry", $"conversation {conversation.Id}: entry {from.Index} ({from.Kind})'s time → {newAt:O}, {later.Count} entries rehashed",
            async db =>
            {
                var tracked = await db.RecordEntries.Where(e => e.ConversationId == conversation.Id && e.Index >= from.Index).OrderBy(e => e.Index).ToListAsync();
                db.Entry(tracked[0]).Property(nameof(RecordEntry.At)).CurrentValue = newAt;
                var previous = tracked[0].PreviousHash;
                foreach (var e in tracked)
                {
                    db.Entry(e).Property(nameof(RecordEntry.PreviousHash)).CurrentValue = previous;
                    db.Entry(e).Property(nameof(RecordEntry.Hash)).CurrentValue = previous = e.ComputeHash();
                }
                var c = await db.Conversations.SingleAsync(x => x.Id == conversation.Id);
                db.Entry(c).Property(nameof(Conversation.HeadHash)).CurrentValue = previous;
                await db.SaveChangesAsync();
            },
            async db =>
            {
                foreach (var e in later)
                    await SetAllAsync(db, e, nameof(RecordEntry.At), nameof(RecordEntry.PreviousHash), nameof(RecordEntry.Hash));
                await SetAllAsync(db, conversation, nameof(Conversation.HeadHash));
            },
            Log.Matches, "log");
    }

    private async Task SetAllAsync(ParleyDb db, object original, params string[] properties)
    {
        var type = TypeOf(original.GetType());
        var tracked = await db.FindAsync(type.ClrType, KeyOf(type, original));
        foreach (var p in properties)
            db.Entry(tracked!).Property(p).CurrentValue = type.FindProperty(p)!.PropertyInfo!.GetValue(original);
        await db.SaveChangesAsync();
    }

    private Tampering? ForgedErasure()
    {
        var entry = Pick(Entries.Where(e => e.Content is not null).ToList());
        var place = new Place("conversation", entry.ConversationId, new HashSet<long> { entry.Index });
        return new("forged erasure (content and salt removed)", $"entry {entry.Index} of conversation {entry.ConversationId} ({entry.Kind})",
            async db =>
            {
                var e = await db.RecordEntries.SingleAsync(x => x.Id == entry.Id);
                db.Entry(e).Property(nameof(RecordEntry.Content)).CurrentValue = null;
                db.Entry(e).Property(nameof(RecordEntry.Salt)).CurrentValue = null;
                await db.SaveChangesAsync();
            },
            db => SetAllAsync(db, entry, nameof(RecordEntry.Content), nameof(RecordEntry.Salt)),
            place.Matches, place.ToString());
    }

    private Tampering? FileBytes()
    {
        var file = (StoredFile)Pick(_rows[typeof(StoredFile)]);
        var path = app.Services.GetRequiredService<FileStore>().PathOf(organizationId, file.Sha256);
        var original = File.ReadAllBytes(path);
        var how = random.Next(3);
        var place = new Place("file", file.ConversationId, new HashSet<long> { UploadIndex(file.Id) });
        return new("change a file's bytes on disk", $"file {file.Id} ({file.FileName}): {(how == 0 ? "a byte flipped" : how == 1 ? "a byte appended" : "deleted")}",
            _ =>
            {
                if (how == 2)
                    File.Delete(path);
                else
                {
                    var changed = how == 1 ? [.. original, 0x20] : original.ToArray();
                    if (how == 0)
                        changed[random.Next(changed.Length)] ^= 0x01;
                    File.WriteAllBytes(path, changed);
                }
                return Task.CompletedTask;
            },
            _ => File.WriteAllBytesAsync(path, original),
            place.Matches, place.ToString());
    }

    // ---- Values ----------------------------------------------------------------------------------------------------

    private object? Perturb(IEntityType type, IProperty p, object? value)
    {
        var clr = Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType;
        if (p.IsNullable && value is not null && random.Next(6) == 0)
            return null;
        if (p.Name == "OrganizationId")
            return _otherOrganization;
        if (clr == typeof(Guid))
            return random.Next(3) == 0 ? Guid.NewGuid() : Pick(_users);
        if (p.Name is "ConversationId")
            return Pick(Conversations).Id;
        if (p.Name is "MessageId" or "ThreadRootId")
            return Pick(Messages).Id;
        if (clr.IsEnum)
        {
            var values = Enum.GetValues(clr);
            return values.GetValue(random.Next(values.Length));
        }
        if (clr == typeof(bool))
            return value is not true;
        if (clr == typeof(long))       // a neighbour, or (where unique indexes refuse neighbours) a free value
            return (long)(value ?? 0L) + (random.Next(2) == 0 ? 1 : -1) * (random.Next(3) == 0 ? 1000 : random.Next(1, 3));
        if (clr == typeof(int))
            return (int)(value ?? 0) + (random.Next(2) == 0 ? 1 : -1);
        if (clr == typeof(DateTimeOffset))
            return ((DateTimeOffset?)value ?? DateTimeOffset.UtcNow).AddMilliseconds((random.Next(2) == 0 ? 1 : -1) * random.Next(1, 100_000));
        if (clr == typeof(byte[]))
        {
            var bytes = ((byte[]?)value ?? [0]).ToArray();
            if (bytes.Length == 0)
                return new byte[] { 1 };
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            return bytes;
        }
        if (clr == typeof(string))
            return PerturbText((string?)value, p.GetMaxLength());
        throw new InvalidOperationException($"No tampering for {Name(type)}.{p.Name} of type {clr}.");
    }

    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>Another character, in JSON inside a string literal so the text stays JSON; or one more; or empty.</summary>
    private string PerturbText(string? text, int? maxLength)
    {
        if (string.IsNullOrEmpty(text))
            return "forged";
        var how = random.Next(6);
        if (how == 0)
            return "";
        if (how == 1 && (maxLength is null || text.Length < maxLength))
            return text + (text.All(char.IsAsciiHexDigitLower) ? "0" : "x");
        var positions = new List<int>();
        var inString = text[0] is not ('{' or '[');
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
                inString = !inString;
            else if (inString && char.IsAsciiLetterOrDigit(text[i]))
                positions.Add(i);
        }
        if (positions.Count == 0)
            return text.Length < (maxLength ?? int.MaxValue) ? text + "x" : "";
        var at = Pick(positions);
        var hex = text.All(char.IsAsciiHexDigitLower);
        var alphabet = hex ? "0123456789abcdef" : Alphanumerics;
        char c;
        do c = alphabet[random.Next(alphabet.Length)]; while (c == text[at]);
        return string.Concat(text.AsSpan(0, at), c.ToString(), text.AsSpan(at + 1));
    }

    private static bool Same(object? a, object? b) => a is byte[] x && b is byte[] y ? x.AsSpan().SequenceEqual(y) : Equals(a, b);

    private static string Show(object? v) => v switch
    {
        null => "null",
        byte[] b => $"{b.Length} bytes",
        string s when s.Length > 60 => $"\"{s[..60]}…\"",
        string s => $"\"{s}\"",
        _ => v.ToString() ?? "",
    };

    private static string Describe(IEntityType type, object row) =>
        row switch
        {
            RecordEntry e => $"conversation {e.ConversationId} entry {e.Index} ({e.Kind})",
            AuditEvent a => $"audit {a.Index} ({a.Action})",
            Message m => $"conversation {m.ConversationId} message {m.Seq}",
            _ => string.Join("/", KeyOf(type, row)),
        };

    // ---- Rollback and rewrite ---------------------------------------------------------------------------------------

    public sealed record Heads(long Size, string Root, long EntryIndex, string HeadHash, long LastSeq, long AuditCount, string AuditHead, List<LogTile> Tiles);

    public static Task<Heads> HeadsAsync(ParleyApp app, Guid organizationId, long conversationId) => app.WithDbAsync(async db =>
    {
        var log = await db.RecordLogs.AsNoTracking().SingleAsync(l => l.OrganizationId == organizationId);
        var c = await db.Conversations.AsNoTracking().SingleAsync(x => x.Id == conversationId);
        var o = await db.Organizations.AsNoTracking().SingleAsync(x => x.Id == organizationId);
        var tiles = await db.Set<LogTile>().AsNoTracking().Where(t => t.OrganizationId == organizationId).ToListAsync();
        return new Heads(log.Size, log.Root, c.LastEntryIndex, c.HeadHash, c.LastMessageSeq, o.AuditCount, o.AuditHead, tiles);
    });

    /// <summary>What a restored backup looks like: everything written after <paramref name="backup"/> gone, every head back.</summary>
    public static Task RewindAsync(ParleyApp app, Guid organizationId, long conversationId, Heads backup) => app.WithDbAsync(async db =>
    {
        await db.RecordEntries.Where(r => r.OrganizationId == organizationId && (r.LeafIndex >= backup.Size || r.LeafIndex == null)).ExecuteDeleteAsync();
        await db.AuditEvents.Where(a => a.OrganizationId == organizationId && (a.LeafIndex >= backup.Size || a.LeafIndex == null)).ExecuteDeleteAsync();
        await db.Messages.Where(m => m.ConversationId == conversationId && m.Seq > backup.LastSeq).ExecuteDeleteAsync();
        await db.Conversations.Where(c => c.Id == conversationId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.LastEntryIndex, backup.EntryIndex).SetProperty(c => c.HeadHash, backup.HeadHash).SetProperty(c => c.LastMessageSeq, backup.LastSeq));
        await db.Organizations.Where(o => o.Id == organizationId).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.AuditCount, backup.AuditCount).SetProperty(o => o.AuditHead, backup.AuditHead));
        await db.RecordLogs.Where(l => l.OrganizationId == organizationId).ExecuteUpdateAsync(s => s.SetProperty(l => l.Size, backup.Size).SetProperty(l => l.Root, backup.Root));
        await db.Set<LogTile>().Where(t => t.OrganizationId == organizationId).ExecuteDeleteAsync();
        db.AddRange(backup.Tiles);
        await db.Checkpoints.Where(c => c.OrganizationId == organizationId && c.Size > backup.Size).ExecuteDeleteAsync();
        await db.SaveChangesAsync();
        return 0;
    });

    /// <summary>
    /// Changes message 1 of the conversation and its entry, then recomputes everything after it as the server would have:
    /// the chain, the head, the log's leaves, tiles and root. Checkpoints signed before are dropped: a forger has no key.
    /// </summary>
    public static Task RewriteAsync(ParleyApp app, Guid organizationId, long conversationId, string text) => app.WithDbAsync(async db =>
    {
        var markdown = app.Services.GetRequiredService<MarkdownRenderer>();
        var html = markdown.Render(text).Html;
        var entries = await db.RecordEntries.Where(r => r.ConversationId == conversationId).OrderBy(r => r.Index).ToListAsync();
        var posted = entries.First(e => e.Kind == RecordKind.MessagePosted && e.MessageSeq == 1);
        var content = Parley.Server.Features.Records.Log.CanonicalJson.Serialize(new System.Text.Json.Nodes.JsonObject { ["html"] = html, ["text"] = text });
        var salt = new byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(salt);
        db.Entry(posted).Property(nameof(RecordEntry.Content)).CurrentValue = content;
        db.Entry(posted).Property(nameof(RecordEntry.Salt)).CurrentValue = Convert.ToHexStringLower(salt);
        db.Entry(posted).Property(nameof(RecordEntry.Commitment)).CurrentValue = ChainHash.Commit(salt, content);
        var previous = posted.PreviousHash;
        foreach (var e in entries.Where(e => e.Index >= posted.Index))
        {
            db.Entry(e).Property(nameof(RecordEntry.PreviousHash)).CurrentValue = previous;
            db.Entry(e).Property(nameof(RecordEntry.Hash)).CurrentValue = previous = e.ComputeHash();
        }
        var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
        db.Entry(conversation).Property(nameof(Conversation.HeadHash)).CurrentValue = previous;
        await db.Messages.Where(m => m.ConversationId == conversationId && m.Seq == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Content, text).SetProperty(m => m.Html, html));
        await db.SaveChangesAsync();

        // The whole log again, from its leaves, as the sequencer builds it.
        var leaves = (await db.RecordEntries.AsNoTracking().Where(r => r.OrganizationId == organizationId && r.LeafIndex != null).ToListAsync()).Select(r => (r.LeafIndex!.Value, Hash: r.LeafHash()))
            .Concat((await db.AuditEvents.AsNoTracking().Where(a => a.OrganizationId == organizationId && a.LeafIndex != null).ToListAsync()).Select(a => (a.LeafIndex!.Value, Hash: a.LeafHash())))
            .OrderBy(l => l.Value).Select(l => l.Hash).ToList();
        await db.Set<LogTile>().Where(t => t.OrganizationId == organizationId).ExecuteDeleteAsync();
        await db.Checkpoints.Where(c => c.OrganizationId == organizationId).ExecuteDeleteAsync();
        var root = await new Parley.Server.Features.Records.Log.TiledTree(new DatabaseTileStore(db, organizationId)).AppendAsync(0, leaves, default);
        await db.SaveChangesAsync();
        await db.RecordLogs.Where(l => l.OrganizationId == organizationId).ExecuteUpdateAsync(s => s.SetProperty(l => l.Size, leaves.Count).SetProperty(l => l.Root, Convert.ToHexStringLower(root)));
        return 0;
    });
}

