/**
 * Configuration the engine cannot start with: a bad flag or variable, or no way to reach Kubernetes. The CLI prints
 * the message as one line and exits 2 (a usage error, as with POSIX tools), so a crash-looping pod's log says what
 * to fix instead of retrying something that can never work.
 */
export class ConfigurationError extends Error {
  override readonly name: string = 'ConfigurationError';
  readonly exitCode = 2;
}
