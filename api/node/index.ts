// The node contract shared by the CLI, the client library, the operator and the agents.
export * from './annotations.js';
export * from './conditions.js';
export * from './reboot.js';
export * from './boot-image.js';
