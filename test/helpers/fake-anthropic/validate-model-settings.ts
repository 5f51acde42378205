// Checks of the model settings a request may carry — `output_config.effort`, `speed`, `inference_geo` —
// against the model, as the real API does (the fake's own reading of the effort, fast-mode and data-residency
// docs; deliberately not shared with agentd's model table, so a mistake there shows up as a 400 here).
import { fail, isRecord, type Json } from './invalid-request.js';

const LEVELS = ['low', 'medium', 'high', 'xhigh', 'max'];
const GEOS = ['global', 'us'];
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

interface Support {
  effort: readonly string[];
  fast: boolean;
  geo: boolean;
}

const MODELS: Array<[RegExp, Support]> = [
  [/^claude-(fable|mythos)-/, { effort: LEVELS, fast: false, geo: true }],
  [/^claude-opus-4-[78]/, { effort: LEVELS, fast: true, geo: true }],
  [/^claude-opus-4-6/, { effort: ['low', 'medium', 'high', 'max'], fast: true, geo: true }],
  [/^claude-(opus|sonnet|haiku)-5/, { effort: LEVELS, fast: false, geo: true }],
  [/^claude-sonnet-4-6/, { effort: ['low', 'medium', 'high', 'max'], fast: false, geo: true }],
  [/^claude-opus-4-5/, { effort: ['low', 'medium', 'high'], fast: false, geo: false }],
];
const NONE: Support = { effort: [], fast: false, geo: false };

const supportOf = (model: string): Support => MODELS.find(([re]) => re.test(model))?.[1] ?? NONE;

export function checkModelSettings(body: Json, model: string, betas: readonly string[]): void {
  const support = supportOf(model);
  const oc = body['output_config'];
  if (oc !== undefined && oc !== null) {
    if (!isRecord(oc)) fail('output_config', 'Input should be a valid dictionary');
    const effort = oc['effort'];
    if (effort !== undefined && effort !== null) {
      if (typeof effort !== 'string' || !LEVELS.includes(effort)) {
        fail('output_config.effort', "Input should be 'low', 'medium', 'high', 'xhigh' or 'max'");
      }
      if (support.effort.length === 0) fail('output_config.effort', `This model does not support the effort parameter.`);
      if (!support.effort.includes(effort as string)) fail('output_config.effort', `effort '${String(effort)}' is not supported by this model.`);
    }
  }
  const speed = body['speed'];
  if (speed !== undefined && speed !== null) {
    if (speed !== 'standard' && speed !== 'fast') fail('speed', "Input should be 'standard' or 'fast'");
    if (!betas.includes(FAST_MODE_BETA)) fail('speed', `speed requires the \`${FAST_MODE_BETA}\` beta header for this model.`);
    if (speed === 'fast' && !support.fast) fail('speed', 'Fast mode is not supported for this model.');
  }
  const geo = body['inference_geo'];
  if (geo !== undefined && geo !== null) {
    if (typeof geo !== 'string' || !GEOS.includes(geo)) fail('inference_geo', "Input should be 'global' or 'us'");
    if (!support.geo) fail('inference_geo', 'inference_geo is not supported for this model.');
  }
}
