/**
 * Connections to the API server that outlive one request. client-node's `applySecurityAuthentication` makes a new
 * agent for every request, so every request (a Lease renewal every 2 s, each status patch, each Event) opened its
 * own connection, and in a cluster that is a TLS handshake each time. This keeps one keep-alive agent per set of
 * connection options (CA, client certificate, verification, server name) and hands it out instead of the
 * throwaway one. Idle sockets do not keep the process alive.
 *
 * An idle connection must be closed by us before the server closes it: a request sent on a connection the server
 * is closing at that moment fails with ECONNRESET. Node's agent closes an idle socket a second before the timeout
 * a server advertises (`Keep-Alive: timeout=5`), but Node 20 only honours that hint when the agent has a timeout
 * of its own (with none, the hint is ignored and idle sockets are kept until the server closes them), so every
 * agent here has one: IDLE_TIMEOUT_MS, shorter than the idle timeouts of API servers and of the load balancers
 * in front of them, and the server's hint when that is shorter.
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

/** How long a connection may stay idle when the server does not advertise a shorter keep-alive timeout. */
export const IDLE_TIMEOUT_MS = 30_000;

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
      const keepAlive = { ...options, keepAlive: true, timeout: IDLE_TIMEOUT_MS };
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
