import { describe, expect, it } from 'vitest';
import { toFile } from '@anthropic-ai/sdk';
import { randomBytes } from 'node:crypto';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment, userMessage } from '../helpers/fixtures.js';
import { StreamReader } from '../helpers/stream.js';

const withoutStats = <T extends { stats?: unknown }>(s: T) => ({ ...s, stats: undefined });

describe.each(dialects())('restart on the same data (%s)', (dialect) => {
  const t = useServer(dialect);

  it('keeps every resource and event, and streams resume across the restart', async () => {
    const agent = await createAgent(t.client, { system: 'one', metadata: { k: 'v' } });
    const agentV2 = await t.client.beta.agents.update(agent.id, { version: 1, system: 'two' });
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.com'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, title: 't' });
    const bytes = randomBytes(200_000);
    const file = await t.client.beta.files.upload({ file: await toFile(bytes, 'data.bin') });
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('a'), userMessage('b')] });
    const eventsBefore = (await t.client.beta.sessions.events.list(session.id)).data;

    await t.restart();

    expect(await t.client.beta.agents.retrieve(agent.id)).toEqual(agentV2);
    expect((await t.client.beta.agents.retrieve(agent.id, { version: 1 })).system).toBe('one');
    expect(await t.client.beta.environments.retrieve(env.id)).toEqual(env);
    expect(withoutStats(await t.client.beta.sessions.retrieve(session.id))).toEqual(withoutStats(session));
    expect(await t.client.beta.files.retrieveMetadata(file.id)).toEqual(file);
    const downloaded = Buffer.from(await (await t.client.beta.files.download(file.id)).arrayBuffer());
    expect(downloaded.equals(bytes)).toBe(true);
    expect((await t.client.beta.sessions.events.list(session.id)).data).toEqual(eventsBefore);

    // Sequence numbers continue after the restart, and Last-Event-ID still resumes exactly.
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('c')] });
    const resumed = await t.client.beta.sessions.events.stream(session.id, {}, { headers: { 'Last-Event-ID': '1' } });
    const got = await new StreamReader(resumed).take(2);
    expect(got.map((e) => ('id' in e ? e.id : ''))).toEqual([
      eventsBefore[1]!.id,
      (await t.client.beta.sessions.events.list(session.id)).data[2]!.id,
    ]);
    resumed.controller.abort();
  });
});
