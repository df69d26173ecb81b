// The conditions GitOps tools read (Ready, Reconciling, Stalled) and the pure rules of each kind.
export * from './names.js';
export * from './segment.js';
export * from './experiment.js';
export * from './image.js';
