using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Server.Features.Records;

public static class RecordSetup
{
    /// <summary>
    /// The organizations' logs: the sequencer and checkpoint signer (a background service), the witnesses, the keys, and
    /// the log's part of <c>/readyz</c>. Checkpoint keys are encrypted with ASP.NET Core Data Protection, whose key ring
    /// lives in the data directory's <c>keys</c> folder (protect it further with a certificate in production).
    /// </summary>
    public static IServiceCollection AddParleyRecord(this IServiceCollection services)
    {
        services.AddOptions<RecordOptions>().BindConfiguration(RecordOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDataProtection().SetApplicationName("Parley");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((o, storage, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(
                Directory.CreateDirectory(Path.Combine(storage.Value.FullDataDirectory, "keys")), logs));
        services.AddCheckpointWitnesses();
        services.AddSingleton<RecordKeys>();
        services.AddSingleton<RecordHealth>();
        services.AddSingleton<RecordSequencer>();
        services.AddHostedService(sp => sp.GetRequiredService<RecordSequencer>());
        services.AddHealthChecks().AddCheck<RecordHealthCheck>("record", tags: ["ready"]);
        return services;
    }
}
