// Where an Experiment's run steps write their output in the agents' log stores: one stream per step,
// experiment.<namespace>.<name>.<step>. The operator writes them; the CLI shows them; the operator
// deletes them when an Experiment with keep.logs false is deleted.
import { escapeRegex } from '../../common/regex.js';

/** Log stream of a run step's output lines. */
export function experimentStepStream(namespace: string, experiment: string, step: string): string {
  return `experiment.${namespace}.${experiment}.${step}`;
}

/** A regex selecting every step stream of one experiment (and no other experiment's). */
export function experimentStreamRegex(namespace: string, experiment: string): string {
  return `^experiment\\.${escapeRegex(namespace)}\\.${escapeRegex(experiment)}\\.`;
}
