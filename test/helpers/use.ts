// Per-describe fixtures: `useServer(dialect)` and `useFakeAnthropic()` start their resource in a
// beforeAll of the enclosing describe block and close it in an afterAll, and return a handle that
// forwards to it (so tests read `t.client`, `fake.enqueue(...)` without copied hook blocks).
import { afterAll, beforeAll } from 'vitest';
import type { Dialect } from './databases.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic/index.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

/** A handle on a value that exists only between the describe block's beforeAll and afterAll. */
function lateBound<T extends object>(what: string, get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const value = get();
      if (value === undefined) throw new Error(`${what} is used outside the describe block that started it`);
      const member = Reflect.get(value, prop, value) as unknown;
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(value) : member;
    },
  });
}

/**
 * A real agentd server for the enclosing describe block. `opts` may be a function, read when the
 * server starts, so it can refer to fixtures started before it (e.g. `() => ({ model: fake })`).
 */
export function useServer(dialect: Dialect, opts: TestServerOptions | (() => TestServerOptions) = {}): TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(dialect, typeof opts === 'function' ? opts() : opts);
  });
  afterAll(async () => {
    await server?.close();
    server = undefined;
  });
  return lateBound('the test server', () => server);
}

/** The scripted fake Messages API for the enclosing describe block. Declare it before useServer. */
export function useFakeAnthropic(opts: FakeAnthropicOptions = {}): FakeAnthropic {
  let fake: FakeAnthropic | undefined;
  beforeAll(async () => {
    fake = await startFakeAnthropic(opts);
  });
  afterAll(async () => {
    await fake?.close();
    fake = undefined;
  });
  return lateBound('the fake Messages API', () => fake);
}
