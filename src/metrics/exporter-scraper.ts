import type { HealthReport } from '../server/health.js';
import { type Clock, systemClock } from '../time/clock.js';
import { parseExposition } from './exposition-parser.js';
import type { SampleStore } from './sample-store.js';

/**
 * Scrapes one exporter's /metrics into a SampleStore every interval, as a Prometheus scrape job with
 * `honor_labels: true` would (the samples keep the exporter's labels; the scrape's start time is their time).
 * It feeds the built-in feature source (FEATURE_SOURCE=builtin), which is for the demo and tests only.
 */
export interface ScraperOptions {
  readonly url: string;
  readonly intervalMs: number;
  readonly timeoutMs?: number;
  readonly store: SampleStore;
  readonly clock?: Clock;
}

/** Scrapes missed in a row before the samples count as unavailable (Prometheus marks a target down after one). */
const MISSED_SCRAPES_TOLERATED = 3;

export class ExporterScraper {
  private readonly clock: Clock;
  private lastSuccessMs: number | undefined;
  private lastError: string | undefined;
  private scrapes = 0;
  private cancel: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ScraperOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Scrapes now, then every interval until stop(); resolves once the first scrape is done (or failed). */
  start(): Promise<void> {
    const loop = () => {
      if (this.stopped) return Promise.resolve();
      const scrape = this.scrapeOnce().finally(() => {
        this.inFlight = undefined;
        if (!this.stopped) this.cancel = this.clock.schedule(loop, this.options.intervalMs);
      });
      this.inFlight = scrape;
      return scrape;
    };
    return loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.inFlight;
  }

  /** One scrape; a failure is remembered (health, problem()), never thrown. */
  async scrapeOnce(): Promise<void> {
    const atMs = this.clock.now();
    try {
      const res = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        headers: { accept: 'text/plain;version=0.0.4' },
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      this.options.store.appendScrape(parseExposition(await res.text()), atMs);
      this.lastSuccessMs = atMs;
      this.lastError = undefined;
      this.scrapes++;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
    }
  }

  /** Why the stored samples cannot be trusted now, or undefined. */
  problem(): string | undefined {
    const now = this.clock.now();
    const tolerated = this.options.intervalMs * MISSED_SCRAPES_TOLERATED;
    if (this.lastSuccessMs !== undefined && now - this.lastSuccessMs <= tolerated) return undefined;
    const since =
      this.lastSuccessMs === undefined
        ? 'no successful scrape yet'
        : `no successful scrape for ${Math.round((now - this.lastSuccessMs) / 1000)} s`;
    return `${since} of ${this.options.url}${this.lastError ? ` (last error: ${this.lastError})` : ''}`;
  }

  health(): HealthReport {
    const problem = this.problem();
    const label = 'built-in feature source (FEATURE_SOURCE=builtin, demo and tests only)';
    if (problem !== undefined) return { status: 'down', message: `${label}: ${problem}` };
    return {
      status: 'ok',
      message: `${label}: scraping ${this.options.url} every ${this.options.intervalMs / 1000} s`,
      details: { scrapes: this.scrapes, series: this.options.store.seriesCount },
    };
  }
}
