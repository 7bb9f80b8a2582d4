/**
 * Misbehaviour on demand, set from environment variables at start and replaced at run time through
 * POST /control/faults. Faults apply to requests whose path starts with one of `paths` (default: every path
 * except /control/*). Failing "a fraction" is deterministic: every Nth matching request (`failEvery`) or a
 * seeded pseudo-random draw per matching request (`failRatio` + `seed`), so a test run is reproducible.
 */
import { z } from 'zod';
import { seededRandom } from '../../src/random/seeded-random.js';

export const MALFORMED_MODES = ['truncated_json', 'nan', 'out_of_range', 'missing_field'] as const;
export type MalformedMode = (typeof MALFORMED_MODES)[number];

export const FaultSpecSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    failEvery: z.number().int().min(1).optional(),
    failRatio: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    failStatus: z.number().int().min(400).max(599).optional(),
    /** Error text for injected failures, e.g. an sklearn width message. */
    failMessage: z.string().optional(),
    malformed: z.enum(MALFORMED_MODES).optional(),
    hang: z.boolean().optional(),
    reset: z.boolean().optional(),
    paths: z.array(z.string().startsWith('/')).optional(),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export type FaultAction =
  | { type: 'none' }
  | { type: 'hang' }
  | { type: 'reset' }
  | { type: 'fail'; status: number; message: string }
  | { type: 'malformed'; mode: MalformedMode };

export class FaultInjector {
  private spec: FaultSpec = {};
  private matched = 0;
  private random: () => number = seededRandom(1);

  constructor(initial: FaultSpec = {}) {
    this.set(initial);
  }

  get current(): FaultSpec {
    return { ...this.spec };
  }

  set(spec: FaultSpec): void {
    this.spec = { ...spec };
    this.matched = 0;
    this.random = seededRandom(spec.seed ?? 1);
  }

  applies(path: string): boolean {
    if (path.startsWith('/control/')) return false;
    const paths = this.spec.paths;
    return paths === undefined || paths.some((p) => path.startsWith(p));
  }

  latencyMs(path: string): number {
    return this.applies(path) ? (this.spec.latencyMs ?? 0) : 0;
  }

  /** Decides what to do with one request; advances the deterministic counters. */
  decide(path: string): FaultAction {
    if (!this.applies(path)) return { type: 'none' };
    const s = this.spec;
    this.matched++;
    if (s.hang) return { type: 'hang' };
    if (s.reset) return { type: 'reset' };
    const byEvery = s.failEvery !== undefined && this.matched % s.failEvery === 0;
    const byRatio = s.failRatio !== undefined && this.random() < s.failRatio;
    if (byEvery || byRatio) {
      return { type: 'fail', status: s.failStatus ?? 503, message: s.failMessage ?? 'injected failure' };
    }
    if (s.malformed) return { type: 'malformed', mode: s.malformed };
    return { type: 'none' };
  }
}

/** Reads MOCK_ML_* fault variables; throws naming the variable on a bad value. */
export function faultsFromEnv(env: Readonly<Record<string, string | undefined>>): FaultSpec {
  const spec: Record<string, unknown> = {};
  const num = (name: string, key: string) => {
    const text = env[name];
    if (text === undefined || text === '') return;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error(`${name}: expected a number, got "${text}"`);
    spec[key] = n;
  };
  const bool = (name: string, key: string) => {
    const text = env[name];
    if (text === undefined || text === '') return;
    if (text !== 'true' && text !== 'false' && text !== '1' && text !== '0') {
      throw new Error(`${name}: expected true or false, got "${text}"`);
    }
    spec[key] = text === 'true' || text === '1';
  };
  num('MOCK_ML_LATENCY_MS', 'latencyMs');
  num('MOCK_ML_FAIL_EVERY', 'failEvery');
  num('MOCK_ML_FAIL_RATIO', 'failRatio');
  num('MOCK_ML_FAIL_SEED', 'seed');
  num('MOCK_ML_FAIL_STATUS', 'failStatus');
  bool('MOCK_ML_HANG', 'hang');
  bool('MOCK_ML_RESET', 'reset');
  if (env.MOCK_ML_FAIL_MESSAGE) spec.failMessage = env.MOCK_ML_FAIL_MESSAGE;
  if (env.MOCK_ML_MALFORMED) spec.malformed = env.MOCK_ML_MALFORMED;
  if (env.MOCK_ML_FAULT_PATHS) spec.paths = env.MOCK_ML_FAULT_PATHS.split(',').map((p) => p.trim());
  const parsed = FaultSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`MOCK_ML fault settings: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

const PLACEHOLDER = '__MOCK_ML_NAN__';

/** Spoils a good response body the way broken servers do. Returns the body text to send. */
export function spoil(body: unknown, mode: MalformedMode): string {
  const text = JSON.stringify(body);
  if (mode === 'truncated_json') return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const copy: unknown = JSON.parse(text);
  if (!copy || typeof copy !== 'object') return text;
  const record = copy as Record<string, unknown>;
  if (mode === 'missing_field') {
    // The first key of every response of both contracts is required.
    const first = Object.keys(record)[0];
    if (first !== undefined) delete record[first];
    return JSON.stringify(record);
  }
  const replacement = mode === 'nan' ? PLACEHOLDER : 7;
  if (!replaceFirstScore(record, replacement)) return text;
  const out = JSON.stringify(record);
  // Python's json module writes NaN bare; so do we, which makes the body invalid JSON for strict parsers.
  return mode === 'nan' ? out.replace(`"${PLACEHOLDER}"`, 'NaN') : out;
}

const SCORE_KEYS = ['confidence', 'probability'];

/** Replaces the first confidence/probability (depth-first) or the first prediction. */
function replaceFirstScore(node: unknown, replacement: number | string): boolean {
  if (Array.isArray(node)) return node.some((item) => replaceFirstScore(item, replacement));
  if (!node || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  for (const key of SCORE_KEYS) {
    if (typeof record[key] === 'number') {
      record[key] = replacement === 7 ? 1.7 : replacement;
      return true;
    }
  }
  const predictions = record.predictions;
  if (Array.isArray(predictions) && predictions.length > 0) {
    predictions[0] = replacement;
    return true;
  }
  return Object.values(record).some((v) => replaceFirstScore(v, replacement));
}
