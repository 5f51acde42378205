// File-sourced image/document blocks in a session's user.message reach the model inline, as the gateway sends them.
import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { streamWhile } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

// 1x1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe.each(dialects())('agent loop: file sources (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('inlines file-sourced image and document blocks of a user.message before calling the model', async () => {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const image = await t.client.beta.files.upload({ file: await toFile(PNG, 'pixel.png', { type: 'image/png' }) });
    const notes = await t.client.beta.files.upload({ file: await toFile(Buffer.from('# Notes\nShip on Friday.'), 'notes.md', { type: 'text/markdown' }) });
    fake.enqueue({ content: [{ type: 'text', text: 'A pixel, and you ship on Friday.' }] });
    const events = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [
          {
            type: 'user.message',
            content: [
              { type: 'image', source: { type: 'file', file_id: image.id } },
              { type: 'document', source: { type: 'file', file_id: notes.id } },
              { type: 'text', text: 'What do these say?' },
            ],
          },
        ],
      }),
    );
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const sent = fake.requests.at(-1)!.body.messages[0]!.content as unknown[];
    expect(sent.slice(0, 2)).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '# Notes\nShip on Friday.' } },
    ]);
  });

  it('inlines a file source that arrives in a later turn, and again in every request that repeats it', async () => {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const notes = await t.client.beta.files.upload({ file: await toFile(Buffer.from('Ship on Friday.'), 'notes.txt', { type: 'text/plain' }) });
    const send = (content: Array<Record<string, unknown>>) =>
      streamWhile(t.client, session.id, () => t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: content as never }] }));
    const inlined = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Ship on Friday.' } };
    fake.enqueue(
      { content: [{ type: 'text', text: 'Hello.' }] },
      { content: [{ type: 'text', text: 'Friday.' }] },
      { content: [{ type: 'text', text: 'Yes.' }] },
      { content: [{ type: 'text', text: 'Bye.' }] },
    );
    await send([{ type: 'text', text: 'Hi' }]);
    await send([{ type: 'document', source: { type: 'file', file_id: notes.id } }, { type: 'text', text: 'When?' }]);
    await send([{ type: 'text', text: 'Sure?' }]);
    await send([{ type: 'text', text: 'Bye' }]);
    const [, second, third, fourth] = fake.requests.slice(-4).map((r) => r.body.messages);
    // (The last message of a request carries the cache breakpoint.)
    expect(second![2]!.content).toMatchObject([inlined, { type: 'text', text: 'When?' }]);
    expect(third![0]!.content).toEqual([{ type: 'text', text: 'Hi' }]);
    expect(third![2]!.content).toEqual([inlined, { type: 'text', text: 'When?' }]);
    expect(fourth![2]!.content).toEqual([inlined, { type: 'text', text: 'When?' }]);
  });
});
