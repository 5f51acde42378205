// The request-target normalisation that runs before routing (src/http/normalize-url.ts).
import { describe, expect, it } from 'vitest';
import { normalizeRequestTarget, UNROUTABLE_PATH } from '../../src/http/normalize-url.js';

describe('normalizeRequestTarget', () => {
  it.each([
    ['/v1/sessions', '/v1/sessions'],
    ['/v1/sessions?limit=2&x=%76', '/v1/sessions?limit=2&x=%76'],
    ['http://x/v1/sessions', '/v1/sessions'],
    ['HTTPS://x:8080/v1/sessions?limit=1', '/v1/sessions?limit=1'],
    ['http://x', '/'],
    ['http://x?a=1', '/?a=1'],
    ['/%76%31/environments', '/v1/environments'],
    ['/%7e%2d%2E%5F', '/~-._'],
    ['/v1/x%2fy', '/v1/x%2Fy'],
    ['/v1/%zz', '/v1/%zz'],
    ['*', UNROUTABLE_PATH],
    ['x:443', UNROUTABLE_PATH],
    ['ftp://x/v1/sessions', UNROUTABLE_PATH],
    ['http://user@x', '/'],
  ])('%s → %s', (target, expected) => {
    expect(normalizeRequestTarget(target)).toBe(expected);
  });
});
