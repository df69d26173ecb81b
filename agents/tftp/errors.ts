// Coded errors of the TFTP service. Each maps to a TFTP ERROR code (RFC 1350 §5, RFC 2347) sent to the
// client; the WaltError code is what logs, metrics and tests look at.
import { defineError } from '../../common/errors.js';

export const TftpMalformedPacket = defineError(
  'WALT_ERR_TFTP_MALFORMED_PACKET',
  (reason: string) =>
    `malformed TFTP packet (${reason}): the packet is dropped; check the client's TFTP implementation`,
  400,
);

export const TftpPathEscape = defineError(
  'WALT_ERR_TFTP_PATH_ESCAPE',
  (filename: string) =>
    `"${filename}" leads outside the node's image (a ".." or a symlink escaping the root filesystem): the request is refused`,
  403,
);

export const TftpFileNotFound = defineError(
  'WALT_ERR_TFTP_FILE_NOT_FOUND',
  (filename: string, where: string) => `"${filename}" is not a regular file in ${where}`,
  404,
);

export const TftpUnknownClient = defineError(
  'WALT_ERR_TFTP_UNKNOWN_CLIENT',
  (ip: string, filename: string) =>
    `no DHCP lease maps client ${ip} to a MAC and "${filename}" is not a static boot file: let the machine get a lease from this segment first`,
  403,
);

export const TftpNotBootable = defineError(
  'WALT_ERR_TFTP_NOT_BOOTABLE',
  (mac: string, reason: string) => `node ${mac} may not netboot here: ${reason}`,
  403,
);

export const TftpReadOnly = defineError(
  'WALT_ERR_TFTP_READ_ONLY',
  (filename: string) => `write request for "${filename}" refused: the WalT TFTP service is read-only`,
  403,
);

export const TftpUnsupportedMode = defineError(
  'WALT_ERR_TFTP_UNSUPPORTED_MODE',
  (mode: string) => `transfer mode "${mode}" is not served: use octet (binary) or netascii mode`,
  400,
);

export const TftpSymlinkLoop = defineError(
  'WALT_ERR_TFTP_SYMLINK_LOOP',
  (filename: string) =>
    `"${filename}" goes through too many symbolic links: fix the links in the image's /boot`,
  422,
);

export const TftpClientBusy = defineError(
  'WALT_ERR_TFTP_CLIENT_BUSY',
  (ip: string, max: number) =>
    `client ${ip} already has ${max} TFTP transfers open: wait for one to end before asking for another file`,
  429,
);
