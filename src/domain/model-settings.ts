// The agent model's settings (`effort`, `speed`, `inference_geo`): which model and provider can
// honour each, the stored shape (effort resolved to the model's default at save time, as the SDK
// documents), and how a request carries them (`output_config.effort`, `speed` with the fast-mode
// beta, `inference_geo`). A setting nothing can honour is refused with a 400 naming the field.
import type { ModelParam } from '../api/schemas/agent.js';
import type { ModelConfig } from '../api/wire.js';
import { invalidRequest } from '../errors.js';
import { modelTraits, type EffortLevel } from './models.js';

export type { EffortLevel };

/** Providers agentd calls (AGENTD_MODEL_PROVIDER); mirrors config's list without importing config into the domain. */
export type ProviderName = 'anthropic' | 'bedrock' | 'vertex' | 'foundry';

/** The Messages API's default effort ("equivalent to omitting it"). */
export const DEFAULT_EFFORT: EffortLevel = 'high';

/** The beta some models require for any `speed` value; sent whenever agentd sends `speed`. */
export const FAST_MODE_BETA = 'fast-mode-2026-02-01';

/** The `inference_geo` values the Messages API documents. */
export const INFERENCE_GEOS = ['global', 'us'] as const;

/**
 * What each provider's endpoint takes. `output_config.effort` is a body field every provider
 * passes through; fast mode and inference geo are first-party Messages API features (Bedrock,
 * Vertex and Foundry pick the region and capacity their own way).
 */
const PROVIDER_SUPPORT: Record<ProviderName, { effort: boolean; fast: boolean; inferenceGeo: boolean }> = {
  anthropic: { effort: true, fast: true, inferenceGeo: true },
  bedrock: { effort: true, fast: false, inferenceGeo: false },
  vertex: { effort: true, fast: false, inferenceGeo: false },
  foundry: { effort: true, fast: false, inferenceGeo: false },
};

const effortOf = (e: NonNullable<Exclude<ModelParam, string>['effort']>): EffortLevel => (typeof e === 'string' ? e : e.type);

/**
 * The stored model config for a create, an update (`previous`: the stored config, whose effort an
 * update that omits it keeps) or a session override. `field` locates errors (`model`, `agent.model`).
 */
export function resolveModelConfig(
  param: ModelParam,
  provider: ProviderName,
  opts: { previous?: ModelConfig | undefined; field?: string } = {},
): ModelConfig {
  const field = opts.field ?? 'model';
  const p = typeof param === 'string' ? { id: param } : param;
  const traits = modelTraits(p.id);
  const support = PROVIDER_SUPPORT[provider];
  const out: ModelConfig = { id: p.id, speed: p.speed ?? 'standard' };

  // effort: explicit > kept on update (when the new model takes it) > the model's default.
  const asked = p.effort ? effortOf(p.effort) : undefined;
  const kept = p.effort === undefined ? opts.previous?.effort?.type : undefined;
  if (asked !== undefined) {
    if (traits.effort.length === 0) throw invalidRequest(`${field}.effort: model ${p.id} does not support effort`);
    if (!traits.effort.includes(asked)) {
      throw invalidRequest(`${field}.effort: model ${p.id} does not support effort "${asked}" (supported: ${traits.effort.join(', ')})`);
    }
    out.effort = { type: asked };
  } else if (traits.effort.length > 0) {
    out.effort = { type: kept !== undefined && traits.effort.includes(kept) ? kept : DEFAULT_EFFORT };
  }

  if (out.speed === 'fast') {
    if (!traits.fast) throw invalidRequest(`${field}.speed: model ${p.id} does not support speed "fast"`);
    if (!support.fast) throw invalidRequest(`${field}.speed: the ${provider} model provider does not offer speed "fast"`);
  }

  if (p.inference_geo) {
    if (!support.inferenceGeo) {
      throw invalidRequest(`${field}.inference_geo: the ${provider} model provider does not take inference_geo (its region is set by the provider's own configuration)`);
    }
    if (!(INFERENCE_GEOS as readonly string[]).includes(p.inference_geo)) {
      throw invalidRequest(`${field}.inference_geo: must be one of ${INFERENCE_GEOS.map((g) => `"${g}"`).join(', ')}`);
    }
    if (!traits.inferenceGeo) throw invalidRequest(`${field}.inference_geo: model ${p.id} does not support inference_geo`);
    out.inference_geo = p.inference_geo;
  }
  return out;
}

/** What a Messages API request carries for these settings (fields to merge, betas to send). */
export interface RequestSettings {
  fields: { output_config?: { effort: EffortLevel }; speed?: 'fast'; inference_geo?: string };
  betas: string[];
}

/**
 * `speed: standard` is the API's default and is not sent (some models would need the beta for
 * any `speed` value); `fast` is sent with the fast-mode beta.
 */
export function requestSettings(model: ModelConfig): RequestSettings {
  const out: RequestSettings = { fields: {}, betas: [] };
  if (model.effort) out.fields.output_config = { effort: model.effort.type };
  if (model.speed === 'fast') {
    out.fields.speed = 'fast';
    out.betas.push(FAST_MODE_BETA);
  }
  if (model.inference_geo) out.fields.inference_geo = model.inference_geo;
  return out;
}
