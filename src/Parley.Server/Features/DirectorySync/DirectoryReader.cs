using System.DirectoryServices.Protocols;
using System.Net;

namespace Parley.Server.Features.DirectorySync;

/// <summary>A person's entry as read from the directory: the attributes the settings name, as text.</summary>
public sealed record PersonEntry(string Dn, string? Id, string? Email, string? Name, string? Title);

/// <summary>A group's entry: its name and the distinguished names of its members.</summary>
public sealed record GroupEntry(string Dn, string? Name, IReadOnlyList<string> MemberDns);

/// <summary>Why the directory could not be read: a message an admin can act on, never the password.</summary>
public sealed class DirectoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an LDAP directory or Active Directory with System.DirectoryServices.Protocols (the system's libldap on Linux):
/// a simple bind, then subtree searches paged with the Simple Paged Results control (RFC 2696), so that a directory's
/// size limit (OpenLDAP's <c>sizelimit</c>, Active Directory's MaxPageSize) never cuts a listing short. Everything is
/// read before anything is written: a listing cut short fails the whole read.
/// </summary>
public sealed class DirectoryReader(DirectorySettings settings, string bindPassword, TimeSpan timeout, int pageSize)
{
    public static bool IsObjectGuid(string attribute) => attribute.Equals("objectGUID", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads every person and every group; <paramref name="progress"/> hears the count of entries read so far.</summary>
    public (List<PersonEntry> People, List<GroupEntry> Groups) ReadAll(Action<int> progress, CancellationToken ct)
    {
        using var connection = Connect();
        var read = 0;
        var people = new List<PersonEntry>();
        string[] personAttributes = [.. new[] { settings.IdAttribute, settings.EmailAttribute, settings.NameAttribute, settings.TitleAttribute }
            .OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase)];
        foreach (var entry in Search(connection, settings.BaseDn, settings.UserFilter, personAttributes, ct))
        {
            people.Add(new PersonEntry(entry.DistinguishedName, IdOf(entry), Text(entry, settings.EmailAttribute),
                Text(entry, settings.NameAttribute), settings.TitleAttribute is { } t ? Text(entry, t) : null));
            if (++read % 500 == 0)
                progress(read);
        }
        var groups = new List<GroupEntry>();
        if (settings.GroupBaseDn is { } groupBase && settings.GroupFilter is { } groupFilter)
            foreach (var entry in Search(connection, groupBase, groupFilter, [settings.GroupNameAttribute, settings.GroupMemberAttribute], ct))
            {
                groups.Add(new GroupEntry(entry.DistinguishedName, Text(entry, settings.GroupNameAttribute), Texts(entry, settings.GroupMemberAttribute)));
                read++;
            }
        progress(read);
        return (people, groups);
    }

    private LdapConnection Connect()
    {
        if (!Uri.TryCreate(settings.ServerUrl, UriKind.Absolute, out var url))
            throw new DirectoryUnavailableException("The server URL is not valid.");
        var secure = url.Scheme == "ldaps";
        var port = url.IsDefaultPort || url.Port <= 0 ? (secure ? 636 : 389) : url.Port;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, port, fullyQualifiedDnsHostName: false, connectionless: false),
            new NetworkCredential(settings.BindDn, bindPassword), AuthType.Basic) { Timeout = timeout };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (secure)
                connection.SessionOptions.SecureSocketLayer = true;
            connection.Bind();
            return connection;
        }
        catch (LdapException e)
        {
            connection.Dispose();
            throw new DirectoryUnavailableException(e.ErrorCode == 49
                ? "The directory refused the bind DN and password (invalid credentials)."
                : $"The directory at {url.Host}:{port} could not be reached or refused the connection ({e.Message.Trim()}).", e);
        }
    }

    private IEnumerable<SearchResultEntry> Search(LdapConnection connection, string baseDn, string filter, string[] attributes, CancellationToken ct)
    {
        var request = new SearchRequest(baseDn, filter, SearchScope.Subtree, attributes);
        var paging = new PageResultRequestControl(pageSize) { IsCritical = true };
        request.Controls.Add(paging);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            SearchResponse response;
            try
            {
                response = (SearchResponse)connection.SendRequest(request, timeout);
            }
            catch (DirectoryOperationException e)
            {
                throw new DirectoryUnavailableException($"The directory refused the search under \"{baseDn}\" ({e.Message.Trim()}).", e);
            }
            catch (LdapException e)
            {
                throw new DirectoryUnavailableException($"The directory stopped answering the search under \"{baseDn}\" ({e.Message.Trim()}).", e);
            }
            if (response.ResultCode != ResultCode.Success)
                throw new DirectoryUnavailableException($"The search under \"{baseDn}\" ended with {response.ResultCode}: the listing is incomplete.");
            foreach (SearchResultEntry entry in response.Entries)
                yield return entry;
            var page = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
            if (page is null || page.Cookie is not { Length: > 0 })
                yield break;
            paging.Cookie = page.Cookie;
        }
    }

    /// <summary>The stable id as text: objectGUID (binary) as a GUID, anything else (entryUUID, …) as it is.</summary>
    private string? IdOf(SearchResultEntry entry)
    {
        if (!IsObjectGuid(settings.IdAttribute))
            return Text(entry, settings.IdAttribute)?.ToLowerInvariant();
        var attribute = entry.Attributes[settings.IdAttribute];
        return attribute is { Count: > 0 } && attribute.GetValues(typeof(byte[])) is [byte[] { Length: 16 } bytes, ..] ? new Guid(bytes).ToString() : null;
    }

    private static string? Text(SearchResultEntry entry, string attribute) =>
        entry.Attributes[attribute] is { Count: > 0 } a && a.GetValues(typeof(string)) is [string first, ..] && first.Trim() is { Length: > 0 } t ? t : null;

    private static List<string> Texts(SearchResultEntry entry, string attribute) =>
        entry.Attributes[attribute] is { Count: > 0 } a ? [.. a.GetValues(typeof(string)).Cast<string>()] : [];
}
