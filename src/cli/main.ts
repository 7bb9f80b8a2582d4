#!/usr/bin/env node
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    // ConfigurationError (a bad setting, no Kubernetes to talk to) carries exit code 2 and is meant as one line.
    const exitCode =
      err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' ? err.exitCode : 1;
    const text = exitCode === 2 ? message.replace(/\s*\n\s*/g, ' ') : message;
    process.stderr.write(`coordination-engine: ${text}\n`);
    process.exit(exitCode);
  });
