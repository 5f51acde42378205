// The scripted fake of Claude's Messages API used by every test that needs a model.
export { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './server.js';
export { validateRequest, type ValidateOptions, type ValidationResult, type ThinkingProof } from './validate-request.js';
export * from './types.js';
