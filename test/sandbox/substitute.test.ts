// Placeholder substitution, pure: which credentials apply to a host, and headers and bodies with
// their placeholders replaced (only where the credential's injection_location allows).
import { describe, expect, it } from 'vitest';
import type { EnvCredential } from '../../src/domain/env-credentials.js';
import { credentialsFor, needsBody, scrubHeaders, secretScrubber, substituteBody, substituteHeaders } from '../../src/sandbox/egress/substitute.js';

const cred = (over: Partial<EnvCredential>): EnvCredential => ({
  credentialId: 'vcrd_1',
  name: 'TOKEN',
  placeholder: 'agentd_placeholder_aaaa',
  hosts: ['api.example.com', '*.example.org'],
  header: true,
  body: false,
  value: 's3cret',
  ...over,
});

describe('credential substitution', () => {
  it('applies a credential only to its hosts (exact, *. subdomains, any when unrestricted)', () => {
    const limited = cred({});
    const any = cred({ credentialId: 'vcrd_2', hosts: undefined });
    expect(credentialsFor([limited, any], 'API.example.com.')).toEqual([limited, any]);
    expect(credentialsFor([limited, any], 'a.example.org')).toEqual([limited, any]);
    expect(credentialsFor([limited, any], 'example.org')).toEqual([any]);
    expect(credentialsFor([limited], 'api.example.com.evil.net')).toEqual([]);
  });

  it('replaces placeholders in header values only for header-injected credentials', () => {
    const h = cred({});
    const b = cred({ credentialId: 'vcrd_2', placeholder: 'agentd_placeholder_bbbb', value: 'other', header: false, body: true });
    const out = substituteHeaders(
      { authorization: 'Bearer agentd_placeholder_aaaa', 'x-both': ['agentd_placeholder_aaaa:agentd_placeholder_aaaa'], 'x-b': 'agentd_placeholder_bbbb' },
      [h, b],
    );
    expect(out).toEqual({ authorization: 'Bearer s3cret', 'x-both': ['s3cret:s3cret'], 'x-b': 'agentd_placeholder_bbbb' });
  });

  it('replaces placeholders in bodies only for body-injected credentials, byte-exact elsewhere', () => {
    const h = cred({});
    const b = cred({ credentialId: 'vcrd_2', placeholder: 'agentd_placeholder_bbbb', value: 'välue', header: false, body: true });
    expect(needsBody([h])).toBe(false);
    expect(needsBody([h, b])).toBe(true);
    const body = Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from('a=agentd_placeholder_bbbb&b=agentd_placeholder_aaaa&c=agentd_placeholder_bbbb')]);
    const out = substituteBody(body, [h, b]);
    expect(out.subarray(0, 2)).toEqual(Buffer.from([0xff, 0x00]));
    expect(out.subarray(2).toString()).toBe('a=välue&b=agentd_placeholder_aaaa&c=välue');
    const untouched = Buffer.from('nothing here');
    expect(substituteBody(untouched, [b])).toBe(untouched);
  });

  it('turns reflected secrets back into placeholders, also across chunk boundaries', () => {
    const a = cred({});
    const b = cred({ credentialId: 'vcrd_2', placeholder: 'agentd_placeholder_bbbb', value: 'longer-secret-value' });
    const text = 'x s3cret y longer-secret-value z s3cre';
    const whole = Buffer.from(text);
    // Every way of cutting the answer in two, and byte by byte.
    for (let cut = 0; cut <= whole.length; cut++) {
      const s = secretScrubber([a, b]);
      const out = Buffer.concat([s.push(whole.subarray(0, cut)), s.push(whole.subarray(cut)), s.flush()]).toString();
      expect(out).toBe('x agentd_placeholder_aaaa y agentd_placeholder_bbbb z s3cre');
    }
    const s = secretScrubber([a, b]);
    const bytes = [...whole].map((x) => s.push(Buffer.from([x])));
    expect(Buffer.concat([...bytes, s.flush()]).toString()).toBe('x agentd_placeholder_aaaa y agentd_placeholder_bbbb z s3cre');
    expect(scrubHeaders({ 'x-echo': 'Bearer s3cret', n: undefined }, [a])).toEqual({ 'x-echo': 'Bearer agentd_placeholder_aaaa', n: undefined });
  });
});
