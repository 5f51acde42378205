// AGENTD_PIP_INDEX_URL and AGENTD_NPM_REGISTRY as loadConfig reads them: they reach the installer's
// sandbox, so a URL carrying credentials stops the start, and no error echoes the value.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('package registry settings', () => {
  it('accepts http(s) URLs without credentials', () => {
    const config = loadConfig({}, { AGENTD_PIP_INDEX_URL: 'http://127.0.0.1:3141/simple/', AGENTD_NPM_REGISTRY: 'https://npm.internal.example/' });
    expect(config.sandbox.packages).toMatchObject({ pipIndexUrl: 'http://127.0.0.1:3141/simple/', npmRegistry: 'https://npm.internal.example/' });
  });

  it('refuses credentials, other schemes and non-URLs without echoing them', () => {
    const attempts: Array<[string, string, RegExp]> = [
      ['AGENTD_PIP_INDEX_URL', 'https://user:s3cr3t-token@pypi.internal.example/simple/', /credentials in the URL are not accepted/],
      ['AGENTD_NPM_REGISTRY', 'https://s3cr3t-token@npm.internal.example/', /credentials in the URL are not accepted/],
      ['AGENTD_NPM_REGISTRY', 'ftp://s3cr3t-token.example/', /not an http\(s\) URL/],
      ['AGENTD_PIP_INDEX_URL', 's3cr3t-token not a url', /not a URL/],
    ];
    for (const [name, value, message] of attempts) {
      let error: Error | undefined;
      try {
        loadConfig({}, { [name]: value });
      } catch (err) {
        error = err as Error;
      }
      expect(error?.message).toMatch(new RegExp(`^${name}: `));
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain('s3cr3t-token');
    }
  });
});
