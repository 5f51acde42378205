// Which environment-variable credentials name hosts a limited environment refuses, and the fold
// remembering the ones already reported (so a restart never reports them twice). Pure.
import { describe, expect, it } from 'vitest';
import { credentialHostErrors, unreachableCredentialHosts } from '../../src/domain/credential-reach.js';
import { foldLog } from '../../src/domain/fold.js';
import { primaryThread } from '../../src/domain/session-state.js';
import { policyFromPatterns } from '../../src/sandbox/egress/egress-policy.js';
import { LogBuilder, T0 } from './replay/log-builder.js';

describe('credential hosts a limited environment cannot reach', () => {
  const policy = policyFromPatterns(['api.example.com', '*.corp.example']);

  it('keeps only the refused hosts of each credential; a wildcard counts when its subdomains are allowed', () => {
    const creds = [
      { credentialId: 'vcrd_a', vaultId: 'vlt_1', hosts: ['api.example.com', 'other.example.com'] },
      { credentialId: 'vcrd_b', vaultId: 'vlt_1', hosts: ['api.example.com', '*.corp.example', 'git.corp.example'] },
      { credentialId: 'vcrd_c', vaultId: 'vlt_2', hosts: ['*.example.com'] },
    ];
    expect(unreachableCredentialHosts(creds, policy.allows)).toEqual([
      { credentialId: 'vcrd_a', vaultId: 'vlt_1', hosts: ['other.example.com'] },
      { credentialId: 'vcrd_c', vaultId: 'vlt_2', hosts: ['*.example.com'] },
    ]);
  });

  it('the errors it writes are folded as reported', () => {
    const b = new LogBuilder();
    b.running();
    const state = foldLog(b.log);
    const changes = credentialHostErrors(primaryThread(state), [{ credentialId: 'vcrd_a', vaultId: 'vlt_1', hosts: ['x.example'] }], {
      at: new Date(T0).toISOString(),
      newId: (p) => `${p}_1`,
    });
    expect(changes.events).toHaveLength(1);
    expect(changes.events[0]!.body).toMatchObject({ error: { type: 'credential_host_unreachable_error', credential_id: 'vcrd_a', vault_id: 'vlt_1', retry_status: { type: 'retrying' } } });
    b.written(changes.events);
    expect([...foldLog(b.log).unreachableCredentials]).toEqual(['vcrd_a']);
  });
});
