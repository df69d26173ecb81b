// `walt node config` settings (pure): WalT's keys and value syntax (walt-reference §2.7), mapped to
// WaltNode spec.settings, and for virtual nodes to spec.virtual. Values are checked here so a typo is
// reported with what to write; the CRD checks them again.
import {
  ERR_CLI_BAD_CONFIG_VALUE,
  ERR_CLI_UNKNOWN_CONFIG_KEY,
  ERR_CLI_USAGE,
  ERR_CLI_VIRTUAL_ONLY_SETTING,
} from '../client/errors.js';
import type { WaltNode } from '../api/v1alpha1/index.js';

type Section = 'settings' | 'virtual';

interface Setting {
  key: string;
  section: Section;
  field: string;
  /** What a valid value looks like, for the error message. */
  expected: string;
  /** The spec value for a value given on the command line; null removes the field; undefined: invalid. */
  parse(value: string): unknown;
  /** The value as WalT prints it, from the spec value (undefined when unset). */
  show(value: unknown): string;
}

const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const PORT_PAIR = /^([0-9]{1,5}):([0-9]{1,5})$/;

function integer(value: string, min: number, max: number): number | undefined {
  if (!/^[0-9]+$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

function boolean(value: string): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

function validPort(text: string): boolean {
  const n = Number(text);
  return n >= 1 && n <= 65535;
}

function exposeList(value: string): string[] | null | undefined {
  if (value === 'none') return null;
  const entries = value.split(',');
  const valid =
    entries.length <= 16 &&
    entries.every((e) => {
      const m = PORT_PAIR.exec(e);
      return m !== null && validPort(m[1]!) && validPort(m[2]!);
    });
  return valid ? entries : undefined;
}

/** WalT writes 512M or 1G; the CRD wants 512Mi or 1Gi. */
function memory(value: string): string | undefined {
  const m = /^([1-9][0-9]*)([MG])i?$/.exec(value);
  return m ? `${m[1]}${m[2]}i` : undefined;
}

function bootDelay(value: string): string | null | undefined {
  if (value === 'none' || value === '0') return null;
  if (/^[0-9]+$/.test(value)) return `${value}s`;
  return DURATION.test(value) ? value : undefined;
}

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';

export const SETTINGS: readonly Setting[] = [
  {
    key: 'netsetup',
    section: 'settings',
    field: 'netsetup',
    expected: 'LAN or NAT',
    parse: (v) => (v === 'LAN' || v === 'NAT' ? v : undefined),
    show: text,
  },
  {
    key: 'boot.timeout',
    section: 'settings',
    field: 'bootTimeout',
    expected: 'none or a number of seconds from 60 to 86400',
    parse: (v) => (v === 'none' ? 0 : integer(v, 60, 86_400)),
    show: (v) => (v === 0 ? 'none' : text(v)),
  },
  {
    key: 'boot.retries',
    section: 'settings',
    field: 'bootRetries',
    expected: 'a whole number from 0 to 1000',
    parse: (v) => integer(v, 0, 1000),
    show: text,
  },
  {
    key: 'kexec.allow',
    section: 'settings',
    field: 'kexecAllow',
    expected: 'true or false',
    parse: boolean,
    show: text,
  },
  {
    key: 'mount.persist',
    section: 'settings',
    field: 'mountPersist',
    expected: 'true or false',
    parse: boolean,
    show: text,
  },
  {
    key: 'expose',
    section: 'settings',
    field: 'expose',
    expected: 'none or <node port>:<server port>[,…] (at most 16), e.g. 80:8080',
    parse: exposeList,
    show: (v) => (Array.isArray(v) && v.length > 0 ? v.join(',') : 'none'),
  },
  {
    key: 'ram',
    section: 'virtual',
    field: 'memory',
    expected: 'an amount of memory such as 512M or 2G',
    parse: memory,
    show: text,
  },
  {
    key: 'cpu.cores',
    section: 'virtual',
    field: 'cpus',
    expected: 'a whole number from 1 to 64',
    parse: (v) => integer(v, 1, 64),
    show: text,
  },
  {
    key: 'boot.delay',
    section: 'virtual',
    field: 'bootDelay',
    expected: 'none, a number of seconds, or a duration such as 1500ms',
    parse: bootDelay,
    show: (v) => (v === undefined ? 'none' : text(v)),
  },
];

export const SETTING_KEYS = SETTINGS.map((s) => s.key);

export interface Assignment {
  setting: Setting;
  raw: string;
  value: unknown;
}

/** `key=value` arguments, checked: unknown keys fail together, listing the valid ones. */
export function parseAssignments(args: readonly string[]): Assignment[] {
  const pairs = args.map((arg) => {
    const at = arg.indexOf('=');
    if (at <= 0) throw ERR_CLI_USAGE(`"${arg}" is not a setting: write key=value, e.g. boot.timeout=300`);
    return { key: arg.slice(0, at), raw: arg.slice(at + 1) };
  });
  const unknown = pairs.filter((p) => !SETTING_KEYS.includes(p.key)).map((p) => p.key);
  if (unknown.length > 0) throw ERR_CLI_UNKNOWN_CONFIG_KEY(unknown, SETTING_KEYS);
  return pairs.map(({ key, raw }) => {
    const setting = SETTINGS.find((s) => s.key === key)!;
    const value = setting.parse(raw);
    if (value === undefined) throw ERR_CLI_BAD_CONFIG_VALUE(key, raw, setting.expected);
    return { setting, raw, value };
  });
}

/** The merge patch setting the assignments; virtual-only settings fail on physical nodes. */
export function settingsPatch(assignments: readonly Assignment[], nodes: readonly WaltNode[]): object {
  const virtualKeys = assignments.filter((a) => a.setting.section === 'virtual').map((a) => a.setting.key);
  const physical = nodes.filter((n) => !n.spec.virtual).map((n) => n.metadata.name);
  if (virtualKeys.length > 0 && physical.length > 0)
    throw ERR_CLI_VIRTUAL_ONLY_SETTING(virtualKeys, physical);
  const spec: Record<Section, Record<string, unknown>> = { settings: {}, virtual: {} };
  for (const a of assignments) spec[a.setting.section][a.setting.field] = a.value;
  return { spec: virtualKeys.length > 0 ? spec : { settings: spec.settings } };
}

/** A node's settings as WalT shows them: key → value (virtual-only keys for virtual nodes only). */
export function configOf(node: WaltNode): Record<string, string> {
  const sections: Record<Section, Record<string, unknown> | undefined> = {
    settings: node.spec.settings,
    virtual: node.spec.virtual,
  };
  const config: Record<string, string> = {};
  for (const s of SETTINGS) {
    const section = sections[s.section];
    if (s.section === 'virtual' && !section) continue;
    config[s.key] = s.show(section?.[s.field]);
  }
  return config;
}

/**
 * WalT's config listing: nodes with the same settings grouped, each group a heading and key=value
 * lines, sorted by key.
 */
export function renderConfig(nodes: readonly WaltNode[]): string {
  const groups = new Map<string, string[]>();
  for (const node of nodes) {
    const lines = Object.entries(configOf(node))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    groups.set(lines, [...(groups.get(lines) ?? []), node.metadata.name]);
  }
  return [...groups.entries()]
    .map(([lines, names]) => {
      const heading =
        names.length === 1
          ? `node ${names[0]} has the following config applied:`
          : `nodes ${names.join(', ')} have the following config applied:`;
      return `${heading}\n${lines}\n`;
    })
    .join('\n');
}
