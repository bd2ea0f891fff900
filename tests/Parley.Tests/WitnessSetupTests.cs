using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parley.Server.Data;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Tests;

public class WitnessSetupTests
{
    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddOptions<StorageOptions>().Configure(o => o.DataDirectory = "/srv/parley-data");
        services.AddCheckpointWitnesses();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Each_configured_witness_is_registered_and_a_relative_folder_is_under_the_data_directory()
    {
        using var services = Services(
            ("Parley:Record:Witnesses:Folder", "witness"),
            ("Parley:Record:Witnesses:HttpUrl", "https://witness.example/checkpoints"),
            ("Parley:Record:Witnesses:TimestampUrl", "http://tsa.example/"),
            ("Parley:Record:Witnesses:Timeout", "00:00:05"));

        var witnesses = services.GetRequiredService<CheckpointWitnesses>();

        Assert.Equal(["folder /srv/parley-data/witness", "http https://witness.example/checkpoints", "rfc3161 http://tsa.example/"],
            witnesses.All.Select(w => w.Name));
        Assert.Same(witnesses.Folder, witnesses.All[0]);
    }

    [Fact]
    public void An_absolute_folder_stays_where_it_is()
    {
        using var services = Services(("Parley:Record:Witnesses:Folder", "/mnt/worm/parley"));

        Assert.Equal("/mnt/worm/parley", services.GetRequiredService<CheckpointWitnesses>().Folder!.Folder);
    }

    [Fact]
    public void Without_settings_the_folder_witness_is_in_the_data_directory_and_an_empty_folder_turns_it_off()
    {
        using var defaults = Services();
        using var off = Services(("Parley:Record:Witnesses:Folder", ""));

        Assert.Equal(["folder /srv/parley-data/checkpoints"], defaults.GetRequiredService<CheckpointWitnesses>().All.Select(w => w.Name));
        Assert.Empty(off.GetRequiredService<CheckpointWitnesses>().All);
        Assert.Null(off.GetRequiredService<CheckpointWitnesses>().Folder);
    }

    [Theory]
    [InlineData("HttpUrl", "witness.example/checkpoints")]
    [InlineData("TimestampUrl", "ftp://tsa.example/")]
    [InlineData("Timeout", "00:00:00")]
    public void A_bad_setting_fails_at_start_up_naming_the_key(string key, string value)
    {
        using var services = Services(($"Parley:Record:Witnesses:{key}", value));
        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<CheckpointWitnesses>());

        Assert.Contains($"Parley:Record:Witnesses:{key}", error.Message);
    }
}
