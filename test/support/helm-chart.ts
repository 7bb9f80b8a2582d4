/**
 * The chart, rendered as `helm template` would: values are coalesced by tools/helm-render (Go, text/template and
 * Sprig, the engine Helm uses), validated here against values.schema.json with ajv (Go's standard library has no
 * JSON Schema validator, and no Go modules can be fetched), then rendered. Tests get parsed documents.
 *
 * Needs `go` and Debian's golang-github-masterminds-sprig-dev and golang-gopkg-yaml.v2-dev (.ci/run installs them).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv, type ErrorObject } from 'ajv';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(ROOT, 'charts', 'coordination-engine');
const RENDERER_DIR = join(ROOT, 'tools', 'helm-render');
const BUILD_DIR = join(ROOT, '.tmp', 'helm-render-build');

/** A rendered Kubernetes object, as parsed from the renderer's output. */
export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** .Release.Name (default "coordination-engine"). */
  releaseName?: string;
  /** .Release.Namespace (default "coordination-engine"). */
  namespace?: string;
  /** Print crds/ first, as `helm template --include-crds`. */
  includeCrds?: boolean;
  /** Extra .Capabilities.APIVersions entries, as `helm template --api-versions`. */
  apiVersions?: string[];
}

export interface RenderedChart {
  documents: KubeManifest[];
  /** The renderer's output, a multi-document YAML stream with `# Source:` comments. */
  yaml: string;
  /** The coalesced values the templates saw. */
  values: Record<string, unknown>;
}

export class ValuesSchemaError extends Error {
  constructor(readonly errors: string[]) {
    super(`values don't meet the specifications of the schema:\n${errors.join('\n')}`);
  }
}

/** Go in GOPATH mode against Debian's /usr/share/gocode: no network, no module proxy. */
function goEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: '/usr/share/gocode',
    GOFLAGS: '',
    GOCACHE: join(ROOT, '.tmp', 'go-build-cache'),
  };
}

let binary: Promise<string> | undefined;

/**
 * Builds tools/helm-render once per source version (the binary's name carries a hash of the Go files), so test
 * files running in parallel share it; a build goes to a private name and is renamed into place atomically.
 */
export function helmRenderBinary(): Promise<string> {
  binary ??= (async () => {
    const hash = createHash('sha256');
    for (const file of (await readdir(RENDERER_DIR)).filter((f) => f.endsWith('.go')).sort()) {
      hash.update(file).update(await readFile(join(RENDERER_DIR, file)));
    }
    const target = join(BUILD_DIR, `helm-render-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(target)) return target;
    await mkdir(BUILD_DIR, { recursive: true });
    const scratch = `${target}.${process.pid}.tmp`;
    try {
      await run('go', ['build', '-o', scratch, '.'], { cwd: RENDERER_DIR, env: goEnv(), timeout: 180_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(
        `building tools/helm-render failed (needs golang-go, golang-github-masterminds-sprig-dev and ` +
          `golang-gopkg-yaml.v2-dev; .ci/run installs them): ${e.stderr || e.message}`,
      );
    }
    await rename(scratch, target);
    return target;
  })();
  return binary;
}

/** Runs the renderer on the chart; a failure is returned (code, stderr), not thrown, for tests that expect one. */
export async function runHelmRender(
  args: string[],
  overrides: Record<string, unknown> = {},
  chartDir = CHART_DIR,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = await helmRenderBinary();
  const dir = await mkdtemp(join(tmpdir(), 'helm-render-'));
  try {
    const file = join(dir, 'overrides.json');
    await writeFile(file, JSON.stringify(overrides));
    const { stdout, stderr } = await run(bin, ['-f', file, ...args, chartDir], {
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr || e.message,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let validator: ((values: unknown) => string[]) | undefined;

/** Validates values against values.schema.json as helm would; each error names the field (its JSON pointer). */
export async function schemaErrors(values: unknown): Promise<string[]> {
  if (!validator) {
    const schema = JSON.parse(await readFile(join(CHART_DIR, 'values.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    validator = (v) => (validate(v) ? [] : (validate.errors ?? []).map(describeError));
  }
  return validator(values);
}

function describeError(e: ErrorObject): string {
  const field = e.instancePath === '' ? '(root)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? `: ${String((e.params as { additionalProperty?: unknown }).additionalProperty)}`
      : '';
  return `${field}: ${e.message ?? e.keyword}${extra}`;
}

/** The chart's values.yaml coalesced with the overrides, as the templates (and the schema) see them. */
export async function chartValues(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const result = await runHelmRender(['--show-values'], overrides);
  if (result.code !== 0) throw new Error(`helm-render --show-values failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

function renderArgs(options: RenderOptions): string[] {
  return [
    '--name',
    options.releaseName ?? 'coordination-engine',
    '--namespace',
    options.namespace ?? 'coordination-engine',
    ...(options.includeCrds ? ['--include-crds'] : []),
    ...(options.apiVersions ?? []).flatMap((v) => ['--api-versions', v]),
  ];
}

/**
 * Renders the chart with values overrides (merged over values.yaml as `helm template -f` merges them). Throws
 * ValuesSchemaError when the coalesced values break the schema, and an Error with the renderer's message when a
 * template fails (`required`, `fail`, a YAML error).
 */
export async function renderChart(
  overrides: Record<string, unknown> = {},
  options: RenderOptions = {},
): Promise<RenderedChart> {
  const values = await chartValues(overrides);
  const errors = await schemaErrors(values);
  if (errors.length > 0) throw new ValuesSchemaError(errors);
  const result = await runHelmRender(renderArgs(options), overrides);
  if (result.code !== 0) throw new Error(`helm-render failed: ${result.stderr.trim()}`);
  // YAML 1.1, as kubectl and the API server (sigs.k8s.io/yaml) read manifests.
  const documents = parseAllDocuments(result.stdout, { version: '1.1' }).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`rendered document ${i}: ${doc.errors[0]?.message}`);
    return doc.toJS() as KubeManifest;
  });
  return { documents: documents.filter((d) => d !== null), yaml: result.stdout, values };
}

/** The rendered NOTES.txt. */
export async function renderNotes(
  overrides: Record<string, unknown> = {},
  options: RenderOptions = {},
): Promise<string> {
  const result = await runHelmRender([...renderArgs(options), '--notes'], overrides);
  if (result.code !== 0) throw new Error(`helm-render --notes failed: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The one document of a kind and name; throws naming what was there instead. */
export function findManifest(documents: readonly KubeManifest[], kind: string, name?: string): KubeManifest {
  const found = documents.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (found.length !== 1) {
    const all = documents.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`).join(', ');
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length} among: ${all}`);
  }
  return found[0] as KubeManifest;
}
