// Every step's handler, by step type (the runner looks them up; it has no branches of its own).
import { mcpSteps } from './mcp-steps.js';
import { modelSteps } from './model-steps.js';
import { outcomeSteps } from './outcome-steps.js';
import { threadSteps } from './thread-steps.js';
import type { StepHandlers } from './step-context.js';
import { toolSteps } from './tool-steps.js';
import { turnSteps } from './turn-steps.js';
import { workspaceSteps } from './workspace-steps.js';

export const stepHandlers: StepHandlers = { ...turnSteps, ...toolSteps, ...mcpSteps, ...modelSteps, ...outcomeSteps, ...threadSteps, ...workspaceSteps };
