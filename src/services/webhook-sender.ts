// One delivery attempt: the body signed per Standard Webhooks (the `standardwebhooks` library,
// what the SDK's `webhooks.unwrap` verifies), POSTed once, redirects not followed. The target's
// addresses are checked as the connection resolves them, so DNS cannot steer a delivery to a
// loopback or private address the operator did not allow.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { targetAllowed, type PrivateTargets } from '../domain/webhook-target.js';
import { addressKind } from '../net/private-address.js';

export interface DeliveryAttempt {
  url: string;
  body: string;
  /** The same on every retry of one event to one endpoint (the event's id). */
  messageId: string;
  secret: string;
  /** Signing time (epoch ms): fresh on every attempt, as receivers reject old timestamps. */
  timestampMs: number;
  timeoutMs: number;
  privateTargets: PrivateTargets;
}

export type AttemptResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'failed'; error: string }
  /** The endpoint cannot be delivered to as configured: it is disabled at once (documented). */
  | { kind: 'disable'; error: string };

class TargetRefused extends Error {}

export function signedHeaders(a: Pick<DeliveryAttempt, 'body' | 'messageId' | 'secret' | 'timestampMs'>): Record<string, string> {
  const signature = new Webhook(a.secret).sign(a.messageId, new Date(a.timestampMs), a.body);
  return {
    'content-type': 'application/json',
    'user-agent': 'agentd-webhooks',
    'webhook-id': a.messageId,
    'webhook-timestamp': String(Math.floor(a.timestampMs / 1000)),
    'webhook-signature': signature,
  };
}

function checkedLookup(setting: PrivateTargets): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !targetAllowed(addressKind(a.address) ?? 'private', setting));
      if (refused) return callback(new TargetRefused(`${hostname} resolves to ${refused.address}, a non-public address`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export function attemptDelivery(a: DeliveryAttempt): Promise<AttemptResult> {
  const url = new URL(a.url);
  const literal = addressKind(url.hostname.replace(/^\[|\]$/g, ''));
  if (literal && !targetAllowed(literal, a.privateTargets)) {
    return Promise.resolve({ kind: 'disable', error: `${url.hostname} is a ${literal} address` });
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...signedHeaders(a), 'content-length': String(Buffer.byteLength(a.body)) },
        lookup: checkedLookup(a.privateTargets),
        agent: false,
      },
      (res) => {
        res.resume(); // the body is not needed; read it so the socket closes cleanly
        res.on('error', () => {}); // the deadline may cut a slow body short: the status is what counts
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve({ kind: 'delivered', status });
        else if (status >= 300 && status < 400) resolve({ kind: 'disable', error: `answered ${status} (redirects are not followed)` });
        else resolve({ kind: 'failed', error: `answered ${status}` });
      },
    );
    // A deadline for the whole attempt, not a socket idle timeout: a receiver that trickles its
    // answer a byte at a time would otherwise hold the attempt open past its lease, and another
    // server would send the delivery again. It also bounds reading the body after the status.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${a.timeoutMs} ms`)), a.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('error', (err) =>
      resolve(err instanceof TargetRefused ? { kind: 'disable', error: err.message } : { kind: 'failed', error: err.message }),
    );
    req.end(a.body);
  });
}
