// The HTTP service's coded errors. Every 4xx/5xx answer is `{ error: <code>, message }`, the message
// saying what to fix; tests assert on codes only.
import { defineError } from '../../common/errors.js';

export const HttpInvalidRequest = defineError(
  'WALT_ERR_HTTP_INVALID_REQUEST',
  (what: string, hint: string) => `invalid request: ${what}; ${hint}`,
  400,
);

export const HttpNoMac = defineError(
  'WALT_ERR_HTTP_NO_MAC',
  (ip: string) =>
    `cannot tell which machine is asking: no ?mac= parameter and no DHCP lease for ${ip}; chain /ipxe/boot.ipxe?mac=\${net0/mac}`,
  400,
);

export const HttpUnknownNode = defineError(
  'WALT_ERR_HTTP_UNKNOWN_NODE',
  (who: string) => `no WaltNode ${who} is known to this agent: check the node name, or create the WaltNode`,
  404,
);

export const HttpOtherSegment = defineError(
  'WALT_ERR_HTTP_OTHER_SEGMENT',
  (message: string) => `${message}: ask the boot agent of the node's segment`,
  409,
);

export const HttpBootDenied = defineError(
  'WALT_ERR_HTTP_BOOT_DENIED',
  (node: string, reason: string, message: string) =>
    `node ${node} cannot netboot now (${reason}): ${message}; retry later`,
  503,
);

export const HttpFileNotFound = defineError(
  'WALT_ERR_HTTP_FILE_NOT_FOUND',
  (file: string, node: string) => `${file} is not a file in the boot directory of node ${node}'s image`,
  404,
);

export const HttpPathEscape = defineError(
  'WALT_ERR_HTTP_PATH_ESCAPE',
  (file: string) =>
    `${JSON.stringify(file)} leads outside the node's boot directory or its image (through "..", a NUL byte or a symbolic link): request a file of /boot/<model>/`,
  403,
);

export const HttpBadRange = defineError(
  'WALT_ERR_HTTP_BAD_RANGE',
  (header: string) =>
    `Range "${header}" is not understood: send one range, e.g. "bytes=0-99", "bytes=100-" or "bytes=-100"`,
  400,
);

export const HttpRangeNotSatisfiable = defineError(
  'WALT_ERR_HTTP_RANGE_NOT_SATISFIABLE',
  (header: string, size: number) =>
    `Range "${header}" starts beyond the end of the file (${size} bytes): ask for a range inside it`,
  416,
);

export const HttpBodyTooLarge = defineError(
  'WALT_ERR_HTTP_BODY_TOO_LARGE',
  (limit: number) =>
    `request body is larger than ${limit} bytes, the most this route takes: send a smaller body`,
  413,
);

export const HttpNotTheNode = defineError(
  'WALT_ERR_HTTP_NOT_THE_NODE',
  (node: string, claim: string) =>
    `the request comes from node ${node} but ${claim}: a node notifies its own bootup, from the address of its lease`,
  403,
);

export const HttpBootupNotRecorded = defineError(
  'WALT_ERR_HTTP_BOOTUP_NOT_RECORDED',
  (node: string, reason: string) => `could not record the bootup of ${node} (${reason}): notify again`,
  503,
);

export const HttpNoRoute = defineError(
  'WALT_ERR_HTTP_NO_ROUTE',
  (method: string, url: string) =>
    `no route ${method} ${url}: see /ipxe/boot.ipxe, /boot/<node>/<file>, /api/v1/nodes/<name>/bootup, /healthz`,
  404,
);

export const HttpUnsafeScriptValue = defineError(
  'WALT_ERR_HTTP_UNSAFE_SCRIPT_VALUE',
  (what: string, value: string) =>
    `${what} ${JSON.stringify(value)} cannot go into an iPXE script (whitespace, quotes, $, #, & or | ): fix it`,
  500,
);

export const HttpNoBootFiles = defineError(
  'WALT_ERR_HTTP_NO_BOOT_FILES',
  (image: string, dir: string) =>
    `image ${image} has no start.ipxe, vmlinuz or vmlinuz-<version> in ${dir}: build the image with a kernel for this model`,
  503,
);

export const HttpInternal = defineError(
  'WALT_ERR_HTTP_INTERNAL',
  (detail: string) => `the boot agent failed to answer (${detail}): see the agent's log`,
  500,
);

export const HttpUnsupportedMediaType = defineError(
  'WALT_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  (type: string, wanted: string) => `Content-Type ${JSON.stringify(type)} is not taken here: send ${wanted}`,
  415,
);

export const HttpUrlTooLong = defineError(
  'WALT_ERR_HTTP_URL_TOO_LONG',
  (limit: number) => `a part of the URL is longer than ${limit} characters: send a shorter path`,
  414,
);

export const HttpHeadersTooLarge = defineError(
  'WALT_ERR_HTTP_HEADERS_TOO_LARGE',
  (limit: number) =>
    `the request line and headers are larger than ${limit} bytes: send fewer or shorter headers`,
  431,
);

export const HttpRequestTimeout = defineError(
  'WALT_ERR_HTTP_REQUEST_TIMEOUT',
  () => 'the request (headers and body) did not arrive in time: send it whole, without pauses',
  408,
);

export const HttpTooManyConnections = defineError(
  'WALT_ERR_HTTP_TOO_MANY_CONNECTIONS',
  (who: string, limit: number) =>
    `${who} holds ${limit} connections to the boot agent already: reuse one (keep-alive) or close some`,
  503,
);
