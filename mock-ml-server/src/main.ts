#!/usr/bin/env node
/**
 * `npm run mock-ml -- --port 8080 [--encoding boolean] [--max-batch 10] [--models a,b]`
 * Like the reference Flask server: `--answer-booleans --model-name anomaly-detector --max-batch 10 [--untrained]`
 */
import { Command, InvalidArgumentError } from 'commander';
import { MOCK_ENCODINGS, type MockEncoding } from './model-routes.js';
import { startMockMlServer } from './server.js';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name}: expected an integer >= ${min}, got "${value}"`);
    return n;
  };
}

function encoding(value: string): MockEncoding {
  const found = MOCK_ENCODINGS.find((e) => e === value);
  if (!found) throw new InvalidArgumentError(`expected one of ${MOCK_ENCODINGS.join(', ')}, got "${value}"`);
  return found;
}

const env = process.env;

/** A boolean variable: "1" or "true" turns the option on. */
function flag(variable: string): boolean {
  const value = env[variable];
  return value === '1' || value === 'true';
}
const program = new Command()
  .name('mock-ml-server')
  .description('Stand-in ML service speaking the ADR-009 REST contract and KServe v1, with fault injection')
  .option(
    '--port <port>',
    'port to listen on (0 picks a free one)',
    integer('--port', 0),
    Number(env.MOCK_ML_PORT ?? 8080),
  )
  .option('--host <host>', 'address to bind', env.MOCK_ML_HOST ?? '127.0.0.1')
  .option(
    '--encoding <encoding>',
    'KServe prediction encoding: sklearn, boolean, score',
    encoding,
    encoding(env.MOCK_ML_ENCODING ?? 'sklearn'),
  )
  .option('--max-batch <n>', 'largest KServe batch accepted', integer('--max-batch', 1))
  .option('--models <names>', 'comma-separated KServe model names', env.MOCK_ML_MODELS ?? 'anomaly-detector')
  .option(
    '--answer-booleans',
    'KServe predictions as booleans (same as --encoding boolean)',
    flag('MOCK_ML_ANSWER_BOOLEANS'),
  )
  .option(
    '--model-name <name>',
    'serve every model path and name this model in replies, ignoring the URL (like the reference Flask server)',
    env.MOCK_ML_MODEL_NAME || undefined,
  )
  .option(
    '--untrained',
    'say ready, but answer every inference with a 500 (no trained model)',
    flag('MOCK_ML_UNTRAINED'),
  )
  .showHelpAfterError();

program.parse(process.argv);
const opts = program.opts<{
  port: number;
  host: string;
  encoding: MockEncoding;
  maxBatch?: number;
  models: string;
  answerBooleans: boolean;
  modelName?: string;
  untrained: boolean;
}>();
const maxBatch =
  opts.maxBatch ??
  (env.MOCK_ML_MAX_BATCH ? integer('MOCK_ML_MAX_BATCH', 1)(env.MOCK_ML_MAX_BATCH) : undefined);

startMockMlServer({
  port: opts.port,
  host: opts.host,
  models: {
    encoding: opts.answerBooleans ? 'boolean' : opts.encoding,
    modelName: opts.modelName,
    untrained: opts.untrained,
    models: opts.models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    ...(maxBatch === undefined ? {} : { maxBatchSize: maxBatch }),
  },
})
  .then((server) => {
    process.stdout.write(`mock-ml-server listening on ${server.url}\n`);
    const stop = () => {
      server.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  })
  .catch((err: unknown) => {
    process.stderr.write(`mock-ml-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
