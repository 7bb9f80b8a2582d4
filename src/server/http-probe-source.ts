import { readFile } from 'node:fs/promises';
import type { HealthReport, HealthSource } from './health.js';

export interface HttpProbeOptions {
  name: string;
  url: string;
  /** Path probed on the base URL, e.g. /-/ready for Prometheus, /health for the ML service. */
  path: string;
  timeoutMs?: number;
  /** Probe results are cached this long so a scraped health endpoint does not hammer the dependency. */
  cacheMs?: number;
  /**
   * Sent as `Authorization: Bearer` when set, read on every probe (probes are cached, and a rotated token must be
   * picked up): a Prometheus behind an authenticating proxy would otherwise look unhealthy on a 401.
   */
  bearerTokenFile?: string | undefined;
}

/**
 * A non-critical dependency checked by an HTTP GET. It is a stand-in until the real clients (with their own
 * circuit-breaker state) provide richer sources under the same name.
 */
export class HttpProbeSource implements HealthSource {
  readonly critical = false;
  private cached: { at: number; report: HealthReport } | undefined;

  constructor(private readonly o: HttpProbeOptions) {}

  get name(): string {
    return this.o.name;
  }

  async check(): Promise<HealthReport> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < (this.o.cacheMs ?? 5_000)) return this.cached.report;
    const report = await this.probe();
    this.cached = { at: now, report };
    return report;
  }

  private async probe(): Promise<HealthReport> {
    const target = `${this.o.url}${this.o.path}`;
    const headers: Record<string, string> = {};
    if (this.o.bearerTokenFile) {
      try {
        headers.Authorization = `Bearer ${(await readFile(this.o.bearerTokenFile, 'utf8')).trim()}`;
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return { status: 'down', message: `cannot read the bearer token file: ${why}` };
      }
    }
    try {
      const res = await fetch(target, { headers, signal: AbortSignal.timeout(this.o.timeoutMs ?? 2_000) });
      await res.body?.cancel();
      return res.ok
        ? { status: 'ok', message: `${target} answered ${res.status}` }
        : { status: 'degraded', message: `${target} answered ${res.status}` };
    } catch (error) {
      return {
        status: 'down',
        message: `${target} unreachable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }
}
