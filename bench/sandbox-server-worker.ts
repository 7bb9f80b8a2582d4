/**
 * The sandbox as its own process for `npm run bench:sandbox`, so the client does not share its CPU time.
 * Prints one JSON line ({ url, token, pid }) once listening; stops on SIGTERM (which also writes a CPU
 * profile when node was started with --cpu-prof).
 */
import { startSandbox } from '../src/sandbox/sandbox.js';

const sandbox = await startSandbox({ port: 0 });
process.stdout.write(
  `${JSON.stringify({ url: sandbox.url, token: sandbox.authenticator.adminToken, pid: process.pid })}\n`,
);
process.once('SIGTERM', () => {
  void sandbox.stop().then(() => process.exit(0));
});
