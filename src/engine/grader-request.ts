// The grader's Messages API request: an independent context with the task, the rubric (a file
// rubric goes as a document block, inlined from the Files API by the model client) and a transcript
// of the agent's work — never the agent's system prompt, tools or earlier history. The verdict is
// forced through the submit_evaluation tool, so it is structured.
import type { SessionAgent } from '../api/wire.js';
import { modelTraits } from '../domain/models.js';
import { GRADER_SYSTEM, GRADER_TOOL, graderPrompt, graderTool, workTranscript, type OutcomeState } from '../domain/outcome.js';
import type { ThreadState } from '../domain/session-state.js';
import type { ModelRequest } from './model/model-client.js';

export function graderRequest(agent: SessionAgent, t: Pick<ThreadState, 'messages'>, outcome: OutcomeState, maxOutputTokens: number): ModelRequest {
  return {
    model: agent.model.id,
    max_tokens: Math.min(maxOutputTokens, modelTraits(agent.model.id).maxOutputTokens),
    system: [{ type: 'text', text: GRADER_SYSTEM }],
    messages: [{ role: 'user', content: graderPrompt(outcome, workTranscript(t.messages, outcome.workFrom)) }],
    tools: [graderTool],
    // Forced tool use rules out extended thinking (an API rule), so the grader runs without it.
    tool_choice: { type: 'tool', name: GRADER_TOOL },
  };
}
