// How the agent finds its uplink: the interface of the default route of its own network namespace
// (`ip -j route show default`), the way the host would send a node's packet out. In a pod (ADR 0013)
// that is the pod network's eth0; on a lab host, the host's own uplink. No default route (an isolated
// lab host, a test namespace) means no uplink: NAT stays off and the segment's condition says why.
// Among several default routes the kernel's choice is the lowest metric; routes whose link is down and
// a default route through the lab bridge itself (the lab is not an uplink) are left out. Pure: the
// agent hands in the command's output.

export interface DefaultRoute {
  dev: string;
  metric: number;
}

/** Bytes of `ip -j route show default` output read at most (a namespace has a handful of routes). */
export const MAX_ROUTES_JSON = 64 * 1024;

interface IpRoute {
  dst?: unknown;
  dev?: unknown;
  metric?: unknown;
  flags?: unknown;
}

function usable(route: IpRoute): DefaultRoute | undefined {
  if (route.dst !== 'default' || typeof route.dev !== 'string') return undefined;
  if (Array.isArray(route.flags) && route.flags.includes('linkdown')) return undefined;
  const metric = typeof route.metric === 'number' && Number.isFinite(route.metric) ? route.metric : 0;
  return { dev: route.dev, metric };
}

/** The default routes in `ip -j route show default` output; [] when there are none or it is not JSON. */
export function parseDefaultRoutes(json: string): DefaultRoute[] {
  if (json.length > MAX_ROUTES_JSON) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.trim() === '' ? '[]' : json);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((route: IpRoute) => {
    const found = typeof route === 'object' && route !== null ? usable(route) : undefined;
    return found ? [found] : [];
  });
}

/** The uplink among `routes`: the lowest metric, never the lab bridge; undefined when none is left. */
export function chooseUplink(routes: readonly DefaultRoute[], bridge: string): string | undefined {
  return routes.filter((r) => r.dev !== bridge).sort((a, b) => a.metric - b.metric)[0]?.dev;
}
