using System.Text;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Parley.Server.Features.Compliance.Discovery;

namespace Parley.Tests;

/// <summary>
/// What the API refuses can still reach an export (text recorded before the text policy, a directory synced from
/// elsewhere): the Actiance document stays well-formed and valid whatever the text holds.
/// </summary>
public class ActianceWriterTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-01-05T09:00:00.123Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("a\u0001b", "a\uFFFDb")]
    [InlineData("a\u0000\u001Fb", "a\uFFFD\uFFFDb")]
    [InlineData("a\uFFFEb\uFFFF", "a\uFFFDb\uFFFD")]
    [InlineData("tab\t, lines\r\n", "tab\t, lines\r\n")]
    [InlineData("Noël < & ]]>", "Noël < & ]]>")]
    public void Characters_XML_forbids_become_the_replacement_character_and_the_rest_stays(string text, string written) =>
        Assert.Equal(written, ActianceWriter.Clean(text));

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character() =>
        Assert.Equal("lone \uFFFD and \uFFFD, pair \uD83D\uDE00", ActianceWriter.Clean("lone \uD800 and \uDC00, pair \uD83D\uDE00"));

    [Fact]
    public async Task A_document_with_forbidden_characters_everywhere_is_well_formed_and_valid()
    {
        var ghost = new DiscoveryPerson(Guid.NewGuid(), "", "");
        var odd = new DiscoveryPerson(Guid.NewGuid(), "Zoé\u0002", "zoe\u0003@example.com");
        var message = new DiscoveredMessage(7, 3, "salle\u0001 <équipe>", "public-channel", 1, odd, At, null,
            [new DiscoveryVersion(1, "posted", At, "début\u0001 ]]> \uD800fin", false), new DiscoveryVersion(2, "edited", At.AddMinutes(1), null, true)],
            At.AddMinutes(2), odd.Id, [new DiscoveryFile(Guid.NewGuid(), "", new string('a', 64), 3, "text/plain")], [odd, ghost]);

        var document = await WriteAsync(message);

        Assert.Equal([], Validate(document));
        var conversation = XDocument.Parse(Encoding.UTF8.GetString(document)).Root!.Element("Conversation")!;
        Assert.Equal("salle\uFFFD <équipe>", conversation.Attribute("Perspective")!.Value);
        Assert.Equal(["début\uFFFD ]]> \uFFFDfin", "[erased]", "[erased]"], conversation.Elements("Message").Select(m => m.Element("Content")!.Value));
        Assert.Equal(["EditedOriginalMsg", "EditedNewMsg", "Deleted"], conversation.Elements("Message").Select(m => m.Element("UpdatedType")!.Value));
        Assert.Equal(["zoe\uFFFD@example.com", ghost.Id.ToString()],
            conversation.Elements("ParticipantEntered").Select(p => p.Element("LoginName")!.Value));
        var ended = conversation.Element("FileTransferEnded")!;
        Assert.Equal(("[erased]", "Failed"), (ended.Element("UserFileName")!.Value, ended.Element("Status")!.Value));
        Assert.Equal(At.AddMinutes(2).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            conversation.Element("EndTimeUTC")!.Value);
    }

    [Fact]
    public async Task An_export_with_no_message_is_an_empty_valid_FileDump()
    {
        var document = await WriteAsync();

        Assert.Equal([], Validate(document));
        Assert.Empty(XDocument.Parse(Encoding.UTF8.GetString(document)).Root!.Elements());
    }

    private static async Task<byte[]> WriteAsync(params DiscoveredMessage[] messages)
    {
        using var output = new MemoryStream();
        await using (var writer = new ActianceWriter(output, new HashSet<string>()))
        {
            foreach (var message in messages)
                await writer.WriteAsync(message);
            await writer.FinishAsync();
        }
        return output.ToArray();
    }

    private static List<string> Validate(byte[] document)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(null, Path.Combine(WebClientBuildTests.RepositoryRoot(), "docs", "schemas", "actiance.xsd"));
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity}: {e.Message}");
        using var reader = XmlReader.Create(new MemoryStream(document), settings);
        while (reader.Read())
        {
        }
        return problems;
    }
}
