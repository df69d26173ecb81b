// Options several commands share, declared once so they read and complete the same everywhere.
import { Option } from 'commander';
import { OUTPUT_FORMATS } from '../output.js';

export function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format (default: a table)').choices(OUTPUT_FORMATS);
}

export function forceOption(): Option {
  return new Option('--force', 'act on nodes of other namespaces too (WalT asks for a confirmation)');
}
