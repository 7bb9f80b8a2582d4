/**
 * Connections to the API server that outlive one request. client-node's `applySecurityAuthentication` makes a new
 * agent for every request, so every request (a Lease renewal every 2 s, each status patch, each Event) opened its
 * own connection, and in a cluster that is a TLS handshake each time. This keeps one keep-alive agent per set of
 * connection options (CA, client certificate, verification, server name) and hands it out instead of the
 * throwaway one. Node's agent closes an idle connection before the server's advertised keep-alive timeout, and
 * idle sockets do not keep the process alive.
 * Proxy agents (a kubeconfig's proxy-url) are left as client-node made them.
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** The connection options a client-node agent is made from: what makes two connections interchangeable. */
const CONNECTION_OPTIONS = [
  'ca',
  'cert',
  'key',
  'pfx',
  'passphrase',
  'rejectUnauthorized',
  'servername',
] as const;

/** Few distinct sets are expected (one per kubeconfig, more only when a certificate is rotated). */
const MAX_AGENTS = 4;

function fingerprint(kind: string, options: Record<string, unknown>): string {
  const hash = createHash('sha256').update(kind);
  for (const name of CONNECTION_OPTIONS) {
    const value = options[name];
    hash.update(`\0${name}=`);
    if (value === undefined) continue;
    for (const part of Array.isArray(value) ? value : [value]) {
      hash.update(Buffer.isBuffer(part) ? part : String(part));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

export class KeepAliveAgents {
  private readonly agents = new Map<string, HttpAgent>();

  /** The shared keep-alive agent to use in place of `agent`, or `agent` itself when it is not a plain one. */
  reuse<A extends HttpAgent>(agent: A): A {
    // Exactly Node's agents: a proxy agent subclasses them and must stay as it is.
    const kind =
      agent.constructor === HttpsAgent ? 'https' : agent.constructor === HttpAgent ? 'http' : undefined;
    if (!kind) return agent;
    const options = { ...(agent as unknown as { options: Record<string, unknown> }).options };
    const key = fingerprint(kind, options);
    let shared = this.agents.get(key);
    if (!shared) {
      const keepAlive = { ...options, keepAlive: true };
      shared = kind === 'https' ? new HttpsAgent(keepAlive) : new HttpAgent(keepAlive);
      this.agents.set(key, shared);
      // The oldest set goes (a rotated certificate): not destroyed, a request may still be on it; its idle
      // connections close when the server closes them, and do not keep the process alive meanwhile.
      for (const oldKey of this.agents.keys()) {
        if (this.agents.size <= MAX_AGENTS) break;
        this.agents.delete(oldKey);
      }
    }
    return shared as A;
  }
}
