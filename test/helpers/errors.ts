// Assertions on the API's error envelope, as the SDK surfaces it.
import { expect } from 'vitest';

/** Resolves to the SDK's error (or fails the test if the call succeeded). */
export async function failure(p: Promise<unknown>): Promise<any> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the request to fail').toBeDefined();
  return err;
}

export function expectEnvelope(err: any, status: number, type: string): void {
  expect(err.status).toBe(status);
  expect(err.error.type).toBe('error');
  expect(err.error.error.type).toBe(type);
  expect(err.error.request_id).toMatch(/^req_/);
}
