// Which node models an image supports: spec.models when given, else the image label walt.node.models
// (comma-separated, as WalT images carry it).
import { isNodeModel, type NodeModelName } from '../api/v1alpha1/node-models.js';

export const MODELS_LABEL = 'walt.node.models';

export interface ModelsResult {
  models: NodeModelName[];
  unknown: string[];
}

export function parseModelsLabel(label: string | undefined): ModelsResult {
  const names = (label ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unique = [...new Set(names)];
  return { models: unique.filter(isNodeModel), unknown: unique.filter((n) => !isNodeModel(n)) };
}

/** Union of the labels found on each platform's config, or the user's override. */
export function imageModels(
  override: readonly string[] | undefined,
  labels: Array<string | undefined>,
): ModelsResult {
  if (override && override.length > 0) return parseModelsLabel(override.join(','));
  const results = labels.map(parseModelsLabel);
  return {
    models: [...new Set(results.flatMap((r) => r.models))],
    unknown: [...new Set(results.flatMap((r) => r.unknown))],
  };
}
