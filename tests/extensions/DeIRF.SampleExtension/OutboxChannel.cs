using System.Text;
using DeIRF.Integrations;

namespace DeIRF.SampleExtension;

/// <summary>
/// The sample chat channel, Outbox: Send-DeirfUpdate -Channel Outbox -ChannelOption @{ Folder = '/var/spool/deirf' }
/// writes each update as one file in that folder for whatever the team already watches (a mail relay, a pager
/// bridge). The file name is the update's transaction id, so posting the same update twice writes one file, as
/// Matrix's transaction ids do. The folder must exist; a file is written whole (temporary name, then moved).
/// </summary>
public sealed class OutboxChannel : IChatChannel
{
    public string Name => "Outbox";

    public string Integration => "outbox";

    public ChatPost Prepare(ChatUpdate update)
    {
        var folder = update.Option("Folder") ?? throw new DeirfException("OutboxFolderMissing", DeirfErrorKind.InvalidArgument,
            "-Channel Outbox needs -ChannelOption @{ Folder = '<an existing folder>' }.", "ChannelOption");
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            throw new DeirfException("OutboxFolderMissing", DeirfErrorKind.NotFound, $"The outbox folder '{folder}' does not exist.", folder);
        }
        var incident = update.Incident.Id;
        var txn = IntegrationResult.TransactionIdFor(incident, Integration, folder, update.Audience, update.Text);
        return new ChatPost($"outbox {folder}: {ChatChannels.Preview(update.Text)}", (_, _) =>
        {
            var path = Path.Combine(folder, txn + ".txt");
            var result = new IntegrationResult
            {
                Incident = incident, Integration = Integration, Operation = ChatUpdate.Operation, Target = folder, TransactionId = txn,
                Audience = update.Audience, MessageSha256 = IntegrationResult.Sha256Of(update.Text), Attempts = 1, Reference = Path.GetFileName(path),
            };
            try
            {
                if (!File.Exists(path))
                {
                    var temporary = path + ".tmp-" + Environment.ProcessId;
                    File.WriteAllText(temporary, $"Incident: {incident}\n" + (update.Audience is null ? string.Empty : $"Audience: {update.Audience}\n") + "\n" + update.Text + "\n",
                        new UTF8Encoding(false));
                    File.Move(temporary, path, overwrite: false);
                }
            }
            catch (IOException ex)
            {
                result.Exception = new IntegrationException("OutboxWriteFailed", DeirfErrorKind.WriteError, $"The update could not be written to {folder}: {ex.Message}",
                    folder, Integration, ChatUpdate.Operation, 1);
            }
            return result;
        });
    }
}
