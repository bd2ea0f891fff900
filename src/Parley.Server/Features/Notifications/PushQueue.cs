using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Parley.Server.Features.Messages;

namespace Parley.Server.Features.Notifications;

/// <summary>
/// New messages waiting for their pushes. The send path only writes here, after commit, and never waits: a full queue
/// drops the push (logged), not the message (TryWrite on a full bounded channel answers false at once). One reader, in order: the pushes of one message go out before the next's.
/// </summary>
public sealed partial class PushQueue(IOptions<NotificationOptions> options, ILogger<PushQueue> logger)
{
    private readonly Channel<MessageDto> _messages = Channel.CreateBounded<MessageDto>(
        new BoundedChannelOptions(options.Value.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<MessageDto> Reader => _messages.Reader;

    public void Enqueue(MessageDto message)
    {
        if (!_messages.Writer.TryWrite(message))
            LogQueueFull(logger, message.ConversationId, message.Seq);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The push queue is full: no push for message {Seq} of conversation {ConversationId}")]
    private static partial void LogQueueFull(ILogger logger, long conversationId, long seq);
}
