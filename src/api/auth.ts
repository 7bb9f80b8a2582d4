import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { ApiError, ErrorCode } from './errors.js';

/** Why a request was refused, for the metrics: a request is only ever let through with a matching token. */
export type AuthFailure = 'disabled' | 'token_unavailable' | 'unauthorized';

export class AuthError extends ApiError {
  constructor(
    readonly failure: AuthFailure,
    status: number,
    code: (typeof ErrorCode)[keyof typeof ErrorCode],
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, code, message, undefined, headers);
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * The bearer token of the webhook and the trigger, read from a file (a mounted Secret). The file is checked on every
 * request and re-read when its identity, size or modification time changed: a rotated Secret (kubelet swaps a
 * symlink) takes effect without a restart. Tokens are compared as SHA-256 digests with timingSafeEqual, so the
 * time taken says nothing about how much of a guess was right, nor about the token's length.
 */
export class BearerTokenFile {
  private cached: { key: string; digest: Buffer | undefined } | undefined;

  /** @param path the token file; undefined means no token is configured, and every request is refused. */
  constructor(private readonly path: string | undefined) {}

  get configured(): boolean {
    return this.path !== undefined;
  }

  /** Resolves when the request carries the current token; throws AuthError (404, 503 or 401) otherwise. */
  async authorize(req: IncomingMessage): Promise<void> {
    if (this.path === undefined) {
      throw new AuthError(
        'disabled',
        404,
        ErrorCode.Disabled,
        'disabled: no --webhook-token-file (WEBHOOK_TOKEN_FILE) is configured, so nothing is accepted here',
      );
    }
    const expected = await this.current(this.path);
    if (!expected) {
      throw new AuthError(
        'token_unavailable',
        503,
        ErrorCode.TokenUnavailable,
        'the token file is missing, unreadable or empty; nothing is accepted until it holds a token',
      );
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="coordination-engine"' };
    if (!match?.[1]) {
      throw new AuthError(
        'unauthorized',
        401,
        ErrorCode.Unauthorized,
        'missing bearer token: send "Authorization: Bearer <token>"',
        challenge,
      );
    }
    if (!timingSafeEqual(digest(match[1]), expected)) {
      throw new AuthError('unauthorized', 401, ErrorCode.Unauthorized, 'wrong bearer token', challenge);
    }
  }

  private async current(path: string): Promise<Buffer | undefined> {
    let key: string;
    try {
      const s = await stat(path);
      key = `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      this.cached = undefined;
      return undefined;
    }
    if (this.cached?.key === key) return this.cached.digest;
    let token: string;
    try {
      token = (await readFile(path, 'utf8')).trim();
    } catch {
      this.cached = undefined;
      return undefined;
    }
    this.cached = { key, digest: token === '' ? undefined : digest(token) };
    return this.cached.digest;
  }
}
