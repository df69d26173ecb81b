// The NFS service's coded errors.
import { defineError } from '../../common/errors.js';

export const NfsServerExited = defineError('WALT_ERR_NFS_SERVER_EXITED', (during: string, logTail?: string) =>
  [
    `the NFS server (nfs-ganesha) exited during ${during}; is nfs-ganesha-vfs installed and port 2049 free?`,
    logTail,
  ]
    .filter(Boolean)
    .join('\n'),
);

export const NfsServerNotReady = defineError(
  'WALT_ERR_NFS_SERVER_NOT_READY',
  (ms: number, log: string) => `the NFS server did not accept connections within ${ms / 1000} s; see ${log}`,
);
