// Which log events cause which webhook types, the payload's shape, and which addresses deliveries may reach.
import { describe, expect, it } from 'vitest';
import { webhookEvent, webhookTypesFor } from '../../src/domain/webhook-events.js';
import { checkWebhookUrl, targetAllowed } from '../../src/domain/webhook-target.js';
import { addressKind } from '../../src/net/private-address.js';

describe('webhook events', () => {
  it('maps session status events to their webhook types (a separate namespace)', () => {
    expect(webhookTypesFor({ type: 'session.status_running', body: {} })).toEqual(['session.status_run_started', 'session.running']);
    expect(webhookTypesFor({ type: 'session.status_idle', body: { stop_reason: { type: 'end_turn' } } })).toEqual(['session.status_idled', 'session.idled']);
    expect(webhookTypesFor({ type: 'session.status_idle', body: { stop_reason: { type: 'requires_action', event_ids: [] } } })).toContain('session.requires_action');
    expect(webhookTypesFor({ type: 'session.status_idle', body: { stop_reason: { type: 'budget_reached' } } })).toEqual([
      'session.status_idled',
      'session.idled',
      'session.budget_reached',
    ]);
    expect(webhookTypesFor({ type: 'session.status_terminated', body: {} })).toEqual(['session.status_terminated']);
    expect(webhookTypesFor({ type: 'span.outcome_evaluation_end', body: {} })).toEqual(['session.outcome_evaluation_ended']);
    expect(webhookTypesFor({ type: 'agent.message', body: {} })).toEqual([]);
  });

  it('builds the documented thin envelope', () => {
    const e = webhookEvent('event_1', 'session.status_idled', 'sesn_1', 'wrkspc_default', '2026-03-18T14:05:22.000Z');
    expect(JSON.parse(e.body)).toEqual({
      type: 'event',
      id: 'event_1',
      created_at: '2026-03-18T14:05:22.000Z',
      data: { type: 'session.status_idled', id: 'sesn_1', organization_id: 'org_agentd', workspace_id: 'wrkspc_default' },
    });
  });
});

describe('webhook targets', () => {
  it('classifies addresses', () => {
    expect(addressKind('127.0.0.1')).toBe('loopback');
    expect(addressKind('::1')).toBe('loopback');
    expect(addressKind('::ffff:127.0.0.1')).toBe('loopback');
    // new URL() writes [::ffff:127.0.0.1] as [::ffff:7f00:1]: the same host
    for (const ip of ['::ffff:7f00:1', '[::ffff:7f00:1]', '0:0:0:0:0:ffff:7f00:1', '::ffff:7f00:2']) expect(addressKind(ip), ip).toBe('loopback');
    for (const ip of ['::ffff:a9fe:a9fe', '::ffff:a00:1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '192.0.0.1', '198.18.0.1']) {
      expect(addressKind(ip), ip).toBe('private');
    }
    for (const ip of ['10.0.0.1', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', 'fd00::1', 'fe80::1']) {
      expect(addressKind(ip), ip).toBe('private');
    }
    for (const ip of ['93.184.216.34', '172.32.0.1', '2606:4700::1']) expect(addressKind(ip), ip).toBe('public');
    expect(addressKind('example.com')).toBeUndefined();
  });

  it('allows non-public addresses only as the operator says', () => {
    expect(targetAllowed('public', 'refuse')).toBe(true);
    expect(targetAllowed('loopback', 'refuse')).toBe(false);
    expect(targetAllowed('loopback', 'loopback')).toBe(true);
    expect(targetAllowed('private', 'loopback')).toBe(false);
    expect(targetAllowed('private', 'allow')).toBe(true);
  });

  it('checks the URL form', () => {
    expect(checkWebhookUrl('https://hooks.example.com/x')).toBeUndefined();
    expect(checkWebhookUrl('ftp://example.com')).toMatch(/http/);
    expect(checkWebhookUrl('https://user:pw@example.com')).toMatch(/credentials/);
  });
});
