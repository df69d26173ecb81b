// The OCI layer unpacker: layers in, a root filesystem out, refusing anything that reaches outside it.
export { applyLayer, type ApplyLayerOptions } from './apply-layer.js';
export type { LayerStats } from './context.js';
export { DEFAULT_LIMITS, type UnpackLimits } from './limits.js';
export * from './errors.js';
