import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// There is no container engine on our machines, so the Dockerfile cannot be built here. What can be checked is that
// it agrees with the repository and the chart: the files it copies exist and are not ignored, it builds what
// tsconfig.build.json compiles, it runs the package's bin as the chart's numeric user, with the chart's arguments.
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const text = (path: string) => readFile(root(path), 'utf8');

async function dockerfile() {
  const lines = (await text('Dockerfile'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages = lines.join('\n').split(/^(?=FROM )/m);
  return { lines, stages };
}

describe('the Dockerfile', () => {
  it('is a two-stage build: compile with dev dependencies, run with production dependencies only', async () => {
    const { stages } = await dockerfile();
    expect(stages).toHaveLength(2);
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/^FROM node:20-\S+ AS build$/m);
    expect(build).toMatch(/^RUN npm ci .*--ignore-scripts/m);
    expect(build).toMatch(/^RUN npx tsc -p tsconfig\.build\.json$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev /m);
    expect(runtime).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/^COPY (src|test|node_modules)/m);
    const engines = JSON.parse(await text('package.json')).engines.node as string;
    expect(engines).toMatch(/^>=20\./);
  });

  it('copies every source directory tsconfig.build.json compiles, and nothing .dockerignore drops', async () => {
    const { lines } = await dockerfile();
    const copied = lines
      .filter((l) => l.startsWith('COPY ') && !l.startsWith('COPY --from'))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    const include = (JSON.parse(await text('tsconfig.build.json')) as { include: string[] }).include;
    for (const dir of include) expect(copied, dir).toContain(dir);
    const ignored = (await text('.dockerignore')).split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    for (const path of copied) {
      for (const pattern of ignored)
        expect(path === pattern || path.startsWith(`${pattern}/`), path).toBe(false);
    }
    for (const path of copied)
      await expect(readFile(root(path)).catch((e) => e.code)).resolves.not.toBe('ENOENT');
  });

  it("runs the package's CLI as the chart's non-root numeric user, with the chart's arguments and ports", async () => {
    const { lines } = await dockerfile();
    const values = parse(await text('charts/coordination-engine/values.yaml'));
    expect(lines).toContain(`USER ${values.runAsUser}:${values.runAsGroup}`);
    const bin = JSON.parse(await text('package.json')).bin['coordination-engine'] as string;
    // node, its heap flags (test/image-node-flags.test.ts checks them), then the package's bin.
    const entrypoint = lines.find((l) => l.startsWith('ENTRYPOINT '));
    expect(entrypoint).toMatch(/^ENTRYPOINT \["node"(, "--[^"]+")*, "([^"]+)"\]$/);
    expect(JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? '[]').at(-1)).toBe(`/app/${bin}`);
    expect(lines).toContain('CMD ["run"]');
    expect(await text('charts/coordination-engine/templates/deployment.yaml')).toContain('args: ["run"]');
    expect(lines).toContain(`EXPOSE ${values.service.apiPort} ${values.service.metricsPort}`);
  });
});
