// Kubernetes label selectors (matchLabels and matchExpressions) over a node's labels. Pure.
import type { ExperimentSpec } from '../../../api/v1alpha1/index.js';

export type LabelSelector = NonNullable<ExperimentSpec['nodes']['selector']>;
type Expression = NonNullable<LabelSelector['matchExpressions']>[number];

const OPERATORS: Record<Expression['operator'], (value: string | undefined, values: string[]) => boolean> = {
  Exists: (value) => value !== undefined,
  DoesNotExist: (value) => value === undefined,
  In: (value, values) => value !== undefined && values.includes(value),
  NotIn: (value, values) => value === undefined || !values.includes(value),
};

function matchesExpression(labels: Record<string, string>, e: Expression): boolean {
  const value = Object.prototype.hasOwnProperty.call(labels, e.key) ? labels[e.key] : undefined;
  return OPERATORS[e.operator](value, e.values ?? []);
}

/** Whether `labels` satisfy every term of `selector` (an empty selector matches everything). */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: LabelSelector,
): boolean {
  const own = labels ?? {};
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => own[k] === v);
  return byLabel && (selector.matchExpressions ?? []).every((e) => matchesExpression(own, e));
}

/** The selector as text, for messages: "lab=a,gpu in (yes)". */
export function describeSelector(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ?? []).map((e) => {
    if (e.operator === 'Exists') return e.key;
    if (e.operator === 'DoesNotExist') return `!${e.key}`;
    return `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`;
  });
  return [...labels, ...expressions].join(',') || '(all nodes)';
}
