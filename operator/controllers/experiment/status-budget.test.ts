import { ExperimentStatus } from '../../../api/v1alpha1/experiment.js';
import { MAX_STEP_RESULTS, type ExperimentStatus as Status } from '../../../api/v1alpha1/index.js';
import { withStep } from './state.js';
import { capText, fitStatus, STATUS_BUDGET_BYTES } from './status-budget.js';

type Schema = Record<string, unknown>;

/** Where `value` breaks a length, count or range bound of `schema` (the bounds the apiserver checks). */
function outOfBounds(schema: Schema, value: unknown, at = 'status'): string[] {
  const found: string[] = [];
  const over = (what: string, n: number, max: unknown): void => {
    if (typeof max === 'number' && n > max) found.push(`${at}: ${what} ${n} > ${max}`);
  };
  if (typeof value === 'string') over('length', value.length, schema.maxLength);
  if (typeof value === 'number') over('value', value, schema.maximum);
  if (Array.isArray(value)) {
    over('items', value.length, schema.maxItems);
    value.forEach((v, i) => found.push(...outOfBounds(schema.items as Schema, v, `${at}[${i}]`)));
  } else if (value !== null && typeof value === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, v] of Object.entries(value)) {
      if (!properties[key]) found.push(`${at}.${key}: not in the schema`);
      else found.push(...outOfBounds(properties[key], v, `${at}.${key}`));
    }
  }
  return found;
}

type Step = NonNullable<Status['steps']>[number];
const streamOf = (step: string): string => `experiment.lab.exp1.${step}`;
const size = (status: Status): number => Buffer.byteLength(JSON.stringify(status));
const T = '2026-12-05T10:00:00Z';

function step(name: string, nodes: number, outputBytes: number, failed = 0): Step {
  return {
    name,
    phase: 'Succeeded',
    startTime: T,
    completionTime: T,
    results: Array.from({ length: nodes }, (_, i) => ({
      node: `node-${String(i).padStart(3, '0')}`,
      exitCode: i < failed ? 1 : 0,
      output: 'é'.repeat(outputBytes / 2),
      ...(i < failed ? { message: 'exit code 1, expected 0' } : {}),
    })),
  };
}

/** The largest status the controller can be handed: every count and length at its maximum. */
function worstCase(): Status {
  const long = 'x'.repeat(40_000);
  return {
    observedGeneration: 3,
    phase: 'Running',
    startTime: T,
    message: long,
    conditions: ['NodesClaimed', 'NodesReady', 'Completed', 'Released'].map((type) => ({
      type,
      status: 'True' as const,
      reason: 'Done',
      message: long,
      lastTransitionTime: T,
    })),
    operatorVersion: 'v'.repeat(64),
    nodes: Array.from({ length: 256 }, (_, i) => ({
      name: `node-${i}`.padEnd(63, 'n'),
      phase: 'Ready',
      ip: '192.168.152.20',
      image: { name: 'i'.repeat(317), ref: 'r'.repeat(512), digest: `sha512:${'d'.repeat(128)}` },
      model: 'm'.repeat(64),
      settings: {
        netsetup: 'NAT',
        bootTimeout: 86_400,
        bootRetries: 1000,
        kexecAllow: true,
        mountPersist: true,
        expose: Array.from({ length: 16 }, () => '65535:65535'),
      },
      agentVersion: 'a'.repeat(64),
    })),
    savedImages: Array.from({ length: 256 }, (_, i) => ({
      node: `node-${i}`.padEnd(63, 'n'),
      image: 's'.repeat(253),
      ref: 'r'.repeat(512),
      digest: `sha512:${'d'.repeat(128)}`,
      layerBytes: Number.MAX_SAFE_INTEGER,
      changeBytes: Number.MAX_SAFE_INTEGER,
      message: long,
    })),
    steps: Array.from({ length: 64 }, (_, i) => {
      const s = step(`step-${i}`, 256, 5000, 3);
      // One node of each step printed more than a result may keep.
      s.results![0] = { ...s.results![0]!, output: long };
      return { ...s, details: { message: long } };
    }),
  };
}

describe('fitStatus', () => {
  it('leaves a small status as it is', () => {
    const status: Status = { phase: 'Running', steps: [step('hello', 2, 100)] };
    expect(fitStatus(status, streamOf)).toEqual(status);
  });

  it('fits the largest possible status within the budget and the schema, and says where output went', () => {
    // Given 64 steps × 256 nodes × 5 KB of output (one of 40 000 characters) and 40 000-character messages
    const status = worstCase();
    expect(size(status)).toBeGreaterThan(100 * STATUS_BUDGET_BYTES);
    // When it is fitted
    const fitted = fitStatus(status, streamOf);
    // Then it is within the budget and valid for the CRD schema
    expect(size(fitted)).toBeLessThanOrEqual(STATUS_BUDGET_BYTES);
    expect(outOfBounds(ExperimentStatus as unknown as Schema, fitted)).toEqual([]);
    expect(outOfBounds(ExperimentStatus as unknown as Schema, status).length).toBeGreaterThan(0);
    // And each step says how many results it left out and which stream has the whole output
    for (const s of fitted.steps!) {
      expect(s.outputStream).toBe(streamOf(s.name));
      expect((s.results?.length ?? 0) + (s.resultsOmitted ?? 0)).toBe(256);
    }
    // And fitting again changes nothing
    expect(fitStatus(fitted, streamOf)).toEqual(fitted);
    // And every node keeps what a rerun pins: the WaltImage name and the digest served
    for (const [i, n] of fitted.nodes!.entries()) {
      expect(n.image?.digest).toBe(status.nodes![i]!.image!.digest);
      expect(n.image?.name).toBe(status.nodes![i]!.image!.name);
    }
    expect(fitted.savedImages!.map((s) => s.digest)).toEqual(status.savedImages!.map((s) => s.digest));
  });

  it('keeps the node records whole while the steps can give way', () => {
    // Given records on 4 nodes and steps whose outputs exceed the budget
    const nodes = worstCase().nodes!.slice(0, 4);
    const status: Status = { nodes, steps: Array.from({ length: 8 }, (_, i) => step(`s${i}`, 32, 4000)) };
    expect(size(status)).toBeGreaterThan(STATUS_BUDGET_BYTES);
    // When it is fitted, Then the outputs were cut and the records were not
    const fitted = fitStatus(status, streamOf);
    expect(size(fitted)).toBeLessThanOrEqual(STATUS_BUDGET_BYTES);
    expect(fitted.nodes).toEqual(nodes);
  });

  it('cuts the oldest steps first: the newest keeps its output', () => {
    // Given 8 steps whose outputs together exceed the budget
    const status: Status = {
      steps: Array.from({ length: 8 }, (_, i) => step(`s${i}`, 32, 4000)),
    };
    expect(size(status)).toBeGreaterThan(STATUS_BUDGET_BYTES);
    const fitted = fitStatus(status, streamOf);
    // Then the oldest lost its outputs, the newest kept them whole
    expect(fitted.steps![0]!.outputStream).toBe(streamOf('s0'));
    expect(Buffer.byteLength(fitted.steps![0]!.results![0]!.output ?? '')).toBeLessThanOrEqual(1024);
    expect(fitted.steps![7]!.outputStream).toBeUndefined();
    expect(fitted.steps![7]!.results![0]!.output).toBe(status.steps![7]!.results![0]!.output);
    expect(size(fitted)).toBeLessThanOrEqual(STATUS_BUDGET_BYTES);
  });

  it(`keeps at most ${MAX_STEP_RESULTS} results per step, failures first, and counts the others`, () => {
    // Given a step on 100 nodes where the last 3 failed
    const s = step('run', 100, 10);
    s.results = s.results!.map((r, i) => (i >= 97 ? { ...r, exitCode: 2, message: 'exit code 2' } : r));
    const fitted = fitStatus({ steps: [s] }, streamOf).steps![0]!;
    // Then the failures are kept, and the rest counted
    expect(fitted.results).toHaveLength(MAX_STEP_RESULTS);
    expect(fitted.results!.slice(0, 3).map((r) => r.node)).toEqual(['node-097', 'node-098', 'node-099']);
    expect(fitted.resultsOmitted).toBe(100 - MAX_STEP_RESULTS);
    expect(fitted.outputStream).toBe(streamOf('run'));
  });

  it('new results replace the old ones with what was left out of them (withStep)', () => {
    // Given a fitted step that left results out
    const fitted = fitStatus({ steps: [step('run', 100, 10)] }, streamOf);
    expect(fitted.steps![0]!.resultsOmitted).toBe(36);
    // When its results are replaced by 2 fresh ones
    const next = withStep(fitted, 'run', { results: step('run', 2, 10).results! });
    // Then nothing is counted as left out any more
    expect(next.steps![0]!.resultsOmitted).toBeUndefined();
    expect(next.steps![0]!.outputStream).toBeUndefined();
    expect(fitStatus(next, streamOf).steps![0]!.results).toHaveLength(2);
  });
});

describe('capText', () => {
  it('keeps short text and marks cut text within the limit', () => {
    expect(capText('short', 10)).toBe('short');
    const cut = capText('y'.repeat(100), 10);
    expect(cut).toHaveLength(10);
    expect(cut.endsWith('[…]')).toBe(true);
  });
});
