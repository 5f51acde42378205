// Small factories for the resources most tests need, created through the official SDK.
import type Anthropic from '@anthropic-ai/sdk';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${++counter}`;

export async function createAgent(client: Anthropic, overrides: Partial<Anthropic.Beta.AgentCreateParams> = {}) {
  return client.beta.agents.create({ name: unique('agent'), model: 'claude-sonnet-4-6', ...overrides });
}

export async function createEnvironment(client: Anthropic, overrides: Partial<Anthropic.Beta.EnvironmentCreateParams> = {}) {
  return client.beta.environments.create({ name: unique('env'), ...overrides });
}

export async function createSession(client: Anthropic, overrides: Partial<Anthropic.Beta.SessionCreateParams> = {}) {
  const agent = await createAgent(client);
  const env = await createEnvironment(client);
  return client.beta.sessions.create({ agent: agent.id, environment_id: env.id, ...overrides });
}

export const userMessage = (text: string): Anthropic.Beta.Sessions.BetaManagedAgentsUserMessageEventParams => ({
  type: 'user.message',
  content: [{ type: 'text', text }],
});
