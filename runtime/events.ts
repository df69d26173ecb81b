// Records events.k8s.io/v1 Events about objects. Repeats of one event (same object, type, reason,
// action and note) within a window become one Event whose `series` count grows, written at most once
// per seriesFlushMs, so a hot reconcile loop cannot flood the API. Recording never throws.
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../common/logger.js';
import { describeError } from './resource.js';

export type EventType = 'Normal' | 'Warning';

export interface EventInput {
  type: EventType;
  /** CamelCase cause, e.g. "Pulled", "ReconcileFailed". */
  reason: string;
  /** Human-readable text (cut at 1 kB, the API limit). */
  note: string;
  /** What the controller did or failed to do (default "Reconcile"). */
  action?: string;
}

export interface EventRecorder {
  /** Records an event; resolves once written (or dropped, logged), never rejects. */
  record(regarding: k8s.KubernetesObject, input: EventInput): Promise<void>;
  /** Writes pending series counts now. */
  flush(): Promise<void>;
  /** Flushes and stops timers; later records are dropped. */
  close(): Promise<void>;
}

export interface EventRecorderOptions {
  kc: k8s.KubeConfig;
  /** A qualified name, e.g. "walt.dev/waltimage-controller". */
  reportingController: string;
  /** This replica, e.g. the pod name. */
  reportingInstance: string;
  logger: Logger;
  /** Minimum delay between two writes of one series (default 10 s). */
  seriesFlushMs?: number;
  /** A repeat after this long starts a new Event (default 10 min). */
  seriesWindowMs?: number;
  /** Series remembered at most (oldest forgotten first; default 1024). */
  maxSeries?: number;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  written: number;
  lastObserved: Date;
  lastWriteAt: number;
  timer?: NodeJS.Timeout;
  pending: Promise<void>;
}

const NOTE_LIMIT = 1024;

/** metav1.MicroTime: RFC 3339 with microseconds (client-node would send milliseconds). */
export function microTime(date: Date): k8s.V1MicroTime {
  return date.toISOString().replace(/Z$/, '000Z') as unknown as k8s.V1MicroTime;
}

function seriesKey(regarding: k8s.KubernetesObject, input: EventInput): string {
  const m = regarding.metadata;
  const who = m?.uid ?? `${regarding.kind}/${m?.namespace ?? ''}/${m?.name ?? ''}`;
  return [who, input.type, input.reason, input.action ?? '', input.note].join('\u0000');
}

function referenceTo(obj: k8s.KubernetesObject): k8s.V1ObjectReference {
  const m = obj.metadata ?? {};
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
  };
}

function truncate(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  return buf.length <= bytes
    ? text
    : buf
        .subarray(0, bytes - 3)
        .toString()
        .replace(/\uFFFD$/, '') + '...';
}

class Recorder implements EventRecorder {
  private readonly api: k8s.EventsV1Api;
  private readonly series = new Map<string, Series>();
  private readonly flushMs: number;
  private readonly windowMs: number;
  private readonly maxSeries: number;
  private closed = false;

  constructor(private readonly options: EventRecorderOptions) {
    this.api = options.kc.makeApiClient(k8s.EventsV1Api);
    this.flushMs = options.seriesFlushMs ?? 10_000;
    this.windowMs = options.seriesWindowMs ?? 10 * 60_000;
    this.maxSeries = options.maxSeries ?? 1024;
  }

  record(regarding: k8s.KubernetesObject, input: EventInput): Promise<void> {
    if (this.closed) return Promise.resolve();
    const key = seriesKey(regarding, input);
    const now = new Date();
    const known = this.series.get(key);
    if (known && now.getTime() - known.lastObserved.getTime() < this.windowMs) {
      known.count++;
      known.lastObserved = now;
      this.schedule(known);
      return known.pending;
    }
    if (known) this.forget(key, known);
    return this.start(key, regarding, input, now);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.series.values()].map((s) => this.writeSeries(s)));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    for (const s of this.series.values()) clearTimeout(s.timer);
    this.series.clear();
  }

  private start(key: string, regarding: k8s.KubernetesObject, input: EventInput, now: Date): Promise<void> {
    const namespace = regarding.metadata?.namespace || 'default';
    const name = `${regarding.metadata?.name ?? 'unknown'}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    const entry: Series = {
      name,
      namespace,
      count: 1,
      written: 1,
      lastObserved: now,
      lastWriteAt: now.getTime(),
      pending: Promise.resolve(),
    };
    this.series.set(key, entry);
    this.evictOldest();
    const body: k8s.EventsV1Event = {
      metadata: { name, namespace },
      eventTime: microTime(now),
      type: input.type,
      reason: input.reason,
      action: input.action ?? 'Reconcile',
      note: truncate(input.note, NOTE_LIMIT),
      regarding: referenceTo(regarding),
      reportingController: this.options.reportingController,
      reportingInstance: this.options.reportingInstance,
    };
    entry.pending = this.api.createNamespacedEvent({ namespace, body }).then(
      () => undefined,
      (err: unknown) => {
        this.series.delete(key);
        this.options.logger.warn({ err: describeError(err), reason: input.reason }, 'could not record event');
      },
    );
    return entry.pending;
  }

  private schedule(entry: Series): void {
    if (entry.timer || this.closed) return;
    const wait = Math.max(0, entry.lastWriteAt + this.flushMs - Date.now());
    entry.timer = setTimeout(() => void this.writeSeries(entry), wait);
    entry.timer.unref();
  }

  private async writeSeries(entry: Series): Promise<void> {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    await entry.pending;
    if (entry.count === entry.written) return;
    const count = entry.count;
    entry.written = count;
    entry.lastWriteAt = Date.now();
    const body = { series: { count, lastObservedTime: microTime(entry.lastObserved) } };
    entry.pending = this.api
      .patchNamespacedEvent(
        { name: entry.name, namespace: entry.namespace, body },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .then(
        () => undefined,
        (err: unknown) =>
          this.options.logger.warn(
            { err: describeError(err), event: entry.name },
            'could not update event series',
          ),
      );
    await entry.pending;
  }

  private forget(key: string, entry: Series): void {
    clearTimeout(entry.timer);
    void this.writeSeries(entry);
    this.series.delete(key);
  }

  private evictOldest(): void {
    // Maps iterate in insertion order: the first entry is the oldest series.
    while (this.series.size > this.maxSeries) {
      const [key, entry] = this.series.entries().next().value as [string, Series];
      this.forget(key, entry);
    }
  }
}

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  return new Recorder(options);
}

/** Records events about one object (what a reconcile's ctx.events offers). */
export interface ObjectEvents {
  normal(reason: string, note: string, action?: string): Promise<void>;
  warning(reason: string, note: string, action?: string): Promise<void>;
  record(input: EventInput): Promise<void>;
}

export function eventsFor(recorder: EventRecorder, obj: k8s.KubernetesObject): ObjectEvents {
  return {
    normal: (reason, note, action) => recorder.record(obj, { type: 'Normal', reason, note, action }),
    warning: (reason, note, action) => recorder.record(obj, { type: 'Warning', reason, note, action }),
    record: (input) => recorder.record(obj, input),
  };
}
