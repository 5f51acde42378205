// Request validation for routes (the implementation lives with the schemas in src/api).
export { parseInput } from '../api/parse-input.js';
