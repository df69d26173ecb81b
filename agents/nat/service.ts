// The NAT service of the agent: keeps the table `ip walt_nat` of its network namespace in line with
// its WaltSegment (spec.nat.enabled), its uplink (the default route, uplink.ts) and the leased
// addresses of its nodes with netsetup NAT, and says what it did in the segment's `Nat` condition.
// Any change of the segment, of a node or of a lease pokes it, and so does a timer (RECHECK_MS): the
// default route can change under the agent with no event it watches. Pokes are coalesced and applied
// one at a time. The table is written only when the ruleset changed, removed when NAT is off and on stop;
// ip_forward is switched on with the table and back to what it was when the table goes.
import type * as k8s from '@kubernetes/client-node';
import { API_VERSION, RESOURCES, type WaltNode, type WaltSegment } from '../../api/v1alpha1/index.js';
import { isWaltError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { createStatusWriter, setCondition, type ConditionInput } from '../../runtime/index.js';
import type { Cache } from '../netboot/informer-boot-view.js';
import { normaliseMac } from '../netboot/gate.js';
import { NatNftMissing } from './errors.js';
import { defaultRoutesJson, nftApply, readIpForward, writeIpForward } from './nft.js';
import { planNat, type NatPlan } from './plan.js';
import { natRemoval } from './ruleset.js';
import { parseDefaultRoutes } from './uplink.js';

export const NAT_FIELD_MANAGER = 'walt-agent-nat';
export const NAT_CONDITION = 'Nat';
const DEBOUNCE_MS = 200;
const RETRY_MS = 10_000;
/** How often the uplink is looked at again without any event (one `ip route` call; nft only on change). */
export const RECHECK_MS = 30_000;

export interface NatServiceOptions {
  kc: k8s.KubeConfig;
  segment: string;
  segments: Cache<WaltSegment>;
  nodes: Cache<WaltNode>;
  /** The lab bridge in this namespace (--bridge, else spec.interface). */
  bridgeOf: () => string | undefined;
  ipOfMac: (mac: string) => string | undefined;
  logger: Logger;
}

export interface NatService {
  start(): Promise<void>;
  stop(): Promise<void>;
  poke(): void;
  /** Resolves once every poke so far is applied (tests). */
  settled(): Promise<void>;
}

/** Leased addresses of the segment's nodes with netsetup NAT. */
export function natSourcesOf(
  nodes: readonly WaltNode[],
  segment: string,
  ipOfMac: (mac: string) => string | undefined,
): string[] {
  return nodes.flatMap((node) => {
    if (node.spec.segment !== segment || node.spec.settings?.netsetup !== 'NAT') return [];
    const ip = ipOfMac(normaliseMac(node.spec.mac));
    return ip === undefined ? [] : [ip];
  });
}

export function natCondition(plan: NatPlan): ConditionInput {
  if (plan.kind === 'apply')
    return {
      type: NAT_CONDITION,
      status: 'True',
      reason: 'Masquerading',
      message: `${plan.sources.length} node(s) with netsetup NAT masqueraded behind ${plan.uplink}`,
    };
  return { type: NAT_CONDITION, status: 'False', reason: plan.reason, message: plan.message };
}

class Service implements NatService {
  private running: Promise<void> = Promise.resolve();
  private pending = false;
  private started = false;
  private listening = false;
  private applied: string | undefined;
  /** ip_forward before the agent switched it on; undefined while it has not. */
  private forwardBefore: string | undefined;
  private lastCondition = '';
  private recheck: NodeJS.Timeout | undefined;
  private readonly writer;

  constructor(private readonly options: NatServiceOptions) {
    this.writer = createStatusWriter<WaltSegment>({
      kc: options.kc,
      resource: RESOURCES.segment,
      fieldManager: NAT_FIELD_MANAGER,
      logger: options.logger,
    });
  }

  async start(): Promise<void> {
    this.started = true;
    if (!this.listening) {
      this.listening = true;
      const poke = (): void => this.poke();
      for (const cache of [this.options.segments, this.options.nodes] as Cache<unknown>[])
        for (const event of ['add', 'update', 'delete'] as const) cache.on(event, poke);
    }
    clearInterval(this.recheck);
    this.recheck = setInterval(() => this.poke(), RECHECK_MS).unref();
    this.poke();
    await this.settled();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.recheck);
    await this.running;
    await this.remove().catch((error: unknown) =>
      this.options.logger.error({ err: error }, 'could not remove the NAT table'),
    );
    this.lastCondition = '';
  }

  settled(): Promise<void> {
    return this.running;
  }

  poke(): void {
    if (!this.started || this.pending) return;
    this.pending = true;
    const due = new Promise<void>((resolve) => setTimeout(resolve, DEBOUNCE_MS));
    this.running = this.running
      .then(() => due)
      .then(async () => {
        this.pending = false;
        if (!this.started) return;
        await this.reconcile().catch((error: unknown) => {
          this.options.logger.error({ err: error }, 'NAT not applied: trying again shortly');
          setTimeout(() => this.poke(), RETRY_MS).unref();
        });
      });
  }

  private async reconcile(): Promise<void> {
    const { segments, nodes, segment: name, ipOfMac } = this.options;
    const segment = segments.get(name);
    const bridge = this.options.bridgeOf();
    if (!segment || !bridge) return;
    const enabled = segment.spec.nat?.enabled ?? false;
    const plan = planNat({
      enabled,
      bridge,
      // The routes are read only when they matter: a disabled NAT runs no command.
      routes: enabled ? parseDefaultRoutes(await defaultRoutesJson()) : [],
      sources: natSourcesOf(nodes.list(), name, ipOfMac),
    });
    try {
      if (plan.kind === 'apply') await this.install(plan.script, plan.uplink);
      else await this.remove();
    } catch (error) {
      // Said in the condition too, then retried (poke()).
      if (isWaltError(error))
        await this.report(segment, {
          kind: 'off',
          reason: 'ApplyFailed',
          message: `${error.code}: ${error.message}`,
        });
      throw error;
    }
    await this.report(segment, plan);
  }

  private async install(script: string, uplink: string): Promise<void> {
    if (this.applied === script) return;
    await nftApply(script);
    if (this.forwardBefore === undefined) {
      this.forwardBefore = await readIpForward();
      if (this.forwardBefore !== '1') await writeIpForward('1');
    }
    this.applied = script;
    this.options.logger.info({ uplink }, 'NAT table applied');
  }

  private async remove(): Promise<void> {
    // Always once per agent run (a table left by a previous process goes too), then only on change.
    if (this.applied === '') return;
    try {
      await nftApply(natRemoval());
    } catch (error) {
      // Without nft no table of ours can exist: nothing to remove (NAT off needs no nftables).
      if (!isWaltError(error, NatNftMissing)) throw error;
    }
    if (this.forwardBefore !== undefined && this.forwardBefore !== '1') await writeIpForward('0');
    this.forwardBefore = undefined;
    if (this.applied !== undefined) this.options.logger.info('NAT table removed');
    this.applied = '';
  }

  private async report(segment: WaltSegment, plan: NatPlan): Promise<void> {
    const input = natCondition(plan);
    const key = JSON.stringify(input);
    if (key === this.lastCondition) return;
    const conditions = setCondition(segment.status?.conditions, input, segment.metadata.generation);
    const mine = conditions.filter((c) => c.type === NAT_CONDITION);
    const obj = { apiVersion: API_VERSION, kind: 'WaltSegment', metadata: { name: segment.metadata.name } };
    await this.writer.apply(obj as WaltSegment, { conditions: mine });
    this.lastCondition = key;
    if (plan.kind === 'off' && plan.reason !== 'Disabled')
      this.options.logger.warn({ reason: plan.reason }, 'NAT off: %s', plan.message);
  }
}

export function createNatService(options: NatServiceOptions): NatService {
  return new Service(options);
}
