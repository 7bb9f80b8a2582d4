/** Starts one mock ML server per test file, resets its faults and counts before each test, stops it after. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  DEFAULT_MODEL_SETTINGS,
  type MockMlServer,
  startMockMlServer,
} from '../../mock-ml-server/src/server.js';

export function useMockMlServer(): () => MockMlServer {
  let server: MockMlServer | undefined;
  beforeAll(async () => {
    server = await startMockMlServer({ port: 0, faults: {} });
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    server?.faults.set({});
    server?.resetCounts();
    server?.resetFeedback();
    if (server)
      Object.assign(server.settings, {
        ...DEFAULT_MODEL_SETTINGS,
        models: [...DEFAULT_MODEL_SETTINGS.models],
      });
  });
  return () => {
    if (!server) throw new Error('the mock ML server is not running (use it inside tests)');
    return server;
  };
}
