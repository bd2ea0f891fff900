using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Parley.Server.Data;

internal sealed class DatabaseHealthCheck(ParleyDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        await db.Database.CanConnectAsync(ct)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database is not reachable.");
}
