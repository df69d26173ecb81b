// Coded errors of the SNMP client (PoE driver, topology scan). Tests assert on the codes.
import { defineError } from '../../common/errors.js';

export const ERR_SNMP_TIMEOUT = defineError(
  'WALT_ERR_SNMP_TIMEOUT',
  (target: string, attempts: number) =>
    `SNMP agent ${target} did not answer (${attempts} attempts): check the switch address and port, the community (v1/v2c agents drop requests with a wrong one) and the v3 privacy key (v3 agents drop requests they cannot decrypt)`,
  504,
);

export const ERR_SNMP_AUTH = defineError(
  'WALT_ERR_SNMP_AUTH',
  (target: string, detail: string) =>
    `SNMP agent ${target} refused our credentials (${detail}): check the v3 user, protocols and keys in the Secrets named by the spec`,
  502,
);

export const ERR_SNMP_REFUSED = defineError(
  'WALT_ERR_SNMP_REFUSED',
  (target: string, detail: string) =>
    `SNMP agent ${target} refused the request (${detail}): check that the credentials have write access and the OID exists on the switch`,
  502,
);

export const ERR_SNMP_UNREACHABLE = defineError(
  'WALT_ERR_SNMP_UNREACHABLE',
  (target: string, detail: string) =>
    `SNMP agent ${target} cannot be reached (${detail}): check the switch's host name or address and the agent's network`,
  503,
);

export const ERR_SNMP_SECRET = defineError(
  'WALT_ERR_SNMP_SECRET',
  (ref: string, detail: string) =>
    `SNMP credentials Secret ${ref} is unusable (${detail}): create it in the agent namespace with the key the spec names`,
  409,
);

export const ERR_SNMP_TOO_LARGE = defineError(
  'WALT_ERR_SNMP_TOO_LARGE',
  (target: string, limit: number) =>
    `SNMP table of ${target} has more than ${limit} rows: the scan stops there; a switch this large is not supported`,
  507,
);

export const ERR_SNMP_PORT_UNKNOWN = defineError(
  'WALT_ERR_SNMP_PORT_UNKNOWN',
  (node: string, switchAddress: string) =>
    `the PoE port of node ${node} on switch ${switchAddress} is unknown: set spec.power.snmp.port, or list the switch in its WaltSegment's spec.topology so that the scan finds it`,
  409,
);

export const ERR_SNMP_NOT_CONFIGURED = defineError(
  'WALT_ERR_SNMP_NOT_CONFIGURED',
  (node: string) =>
    `node ${node} has power.driver snmp-poe but no power.snmp: set the switch and its credentials`,
  409,
);
