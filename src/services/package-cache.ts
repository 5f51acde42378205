// The cache of environment package layers, for the `agentd packages` command.
export { cachedLayers, type CachedLayer } from '../sandbox/packages/package-layers.js';
