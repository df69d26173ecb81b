#!/usr/bin/env node
// Entry point of the kubectl plugin in the CLI package: kubectl runs `kubectl walt …` as the executable
// `kubectl-walt` found on PATH (the package's bin, or krew's link to this file). Same program as main.ts,
// named "kubectl walt" in help and errors; set before main.ts is loaded (it reads the name when it runs).
process.env.WALT_CLI_NAME ||= 'kubectl walt';
await import('./main.js');
