using System.Security.Cryptography;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Notifications;

/// <summary>
/// The deployment's VAPID key pair: read once, made on first use by whichever node gets there first (the others read
/// that one), kept with its private half encrypted by Data Protection as the other secrets are.
/// </summary>
public sealed class PushKeys(IServiceScopeFactory scopes, IDataProtectionProvider protection, IOptions<NotificationOptions> options,
    TimeProvider clock)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Parley.Notifications.VapidKey.v1");
    private readonly SemaphoreSlim _loading = new(1, 1);
    private (string Public, VapidAuthentication Authentication)? _keys;

    public async Task<string> PublicKeyAsync(CancellationToken ct) => (await KeysAsync(ct)).Public;

    /// <summary>Signs the VAPID JWT for each push service's origin.</summary>
    public async Task<VapidAuthentication> AuthenticationAsync(CancellationToken ct) => (await KeysAsync(ct)).Authentication;

    private async Task<(string Public, VapidAuthentication Authentication)> KeysAsync(CancellationToken ct)
    {
        if (_keys is { } known)
            return known;
        await _loading.WaitAsync(ct);
        try
        {
            if (_keys is { } loaded)
                return loaded;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var stored = await db.VapidKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == VapidKey.TheOne, ct)
                ?? await CreateAsync(db, ct);
            var authentication = new VapidAuthentication(stored.PublicKey, _protector.Unprotect(stored.ProtectedPrivateKey))
            {
                Subject = options.Value.Subject,
            };
            _keys = (stored.PublicKey, authentication);
            return _keys.Value;
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<VapidKey> CreateAsync(ParleyDb db, CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        var publicKey = Secrets.Base64Url([0x04, .. parameters.Q.X!, .. parameters.Q.Y!]);
        db.VapidKeys.Add(new VapidKey(publicKey, _protector.Protect(Secrets.Base64Url(parameters.D!)), clock.GetUtcNow()));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();      // another node made it first: everyone uses that one
        }
        return await db.VapidKeys.AsNoTracking().SingleAsync(k => k.Id == VapidKey.TheOne, ct);
    }
}
