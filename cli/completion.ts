// Shell completion scripts generated from the commander command tree (pure), so a new command or
// option completes without touching this file. Commander has no completion of its own. The scripts
// complete subcommands, options, option values with fixed choices (-o json|yaml|wide|name), files
// for <file> options, and WalT's node-set keywords for <node-set> arguments. Node names would need a
// call to the cluster at each <TAB>; that is left to a later version.
import type { Argument, Command, Option } from 'commander';
import { NODE_SET_KEYWORDS } from '../client/node-sets.js';

export interface CommandSpec {
  /** Names from the program down, e.g. ["node", "boot"] (empty for the program). */
  path: string[];
  description: string;
  subcommands: { name: string; description: string }[];
  /** Option flags, long and short, help included. */
  flags: string[];
  /** Completions of each positional argument, by position. */
  args: string[][];
}

export interface CompletionModel {
  commands: CommandSpec[];
  /** Flags that take a value (the next word is theirs, not a command). */
  valueFlags: string[];
  /** Fixed values of options, by flag. */
  flagChoices: Record<string, string[]>;
  /** Flags whose value is a file. */
  fileFlags: string[];
}

function flagsOf(option: Option): string[] {
  return [option.short, option.long].filter((f): f is string => typeof f === 'string');
}

function argCompletions(arg: Argument): string[] {
  if (arg.argChoices) return [...arg.argChoices];
  return arg.name() === 'node-set' || arg.name() === 'device-set' ? [...NODE_SET_KEYWORDS] : [];
}

function visibleCommands(command: Command): Command[] {
  return command.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
}

function collect(
  command: Command,
  path: string[],
  inherited: readonly Option[],
  model: CompletionModel,
): void {
  const options = [...inherited, ...command.options];
  model.commands.push({
    path,
    description: command.description(),
    subcommands: visibleCommands(command).map((c) => ({
      name: c.name(),
      description: c.summary() || c.description(),
    })),
    flags: [...new Set([...options.flatMap(flagsOf), '-h', '--help'])],
    args: command.registeredArguments.map(argCompletions),
  });
  for (const option of command.options) {
    const flags = flagsOf(option);
    if (option.required || option.optional) model.valueFlags.push(...flags);
    if (option.argChoices) for (const f of flags) model.flagChoices[f] = [...option.argChoices];
    if (/<file>/.test(option.flags)) model.fileFlags.push(...flags);
  }
  for (const sub of visibleCommands(command)) collect(sub, [...path, sub.name()], options, model);
}

/** The completion model of a program: every command with its options and arguments. */
export function completionModel(program: Command): CompletionModel {
  const model: CompletionModel = { commands: [], valueFlags: [], flagChoices: {}, fileFlags: [] };
  collect(program, [], [], model);
  model.valueFlags = [...new Set(model.valueFlags)];
  model.fileFlags = [...new Set(model.fileFlags)];
  return model;
}

/** A shell single-quoted word. */
function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A `case` over the command path, one branch per command with words to offer. */
function caseOn(
  subject: string,
  branches: readonly { key: string; words: readonly string[] }[],
  style: 'bash' | 'zsh',
): string {
  const lines = branches
    .filter((b) => b.words.length > 0)
    .map(
      (b) =>
        `    ${style === 'zsh' ? '(' : ''}${quote(b.key)}) printf '%s\\n' ${b.words.map(quote).join(' ')} ;;`,
    );
  return [`  case "${subject}" in`, ...lines, '  esac'].join('\n');
}

function argBranches(model: CompletionModel): { key: string; words: string[] }[] {
  return model.commands.flatMap((c) =>
    c.args.map((words, i) => ({ key: `${c.path.join(' ')}:${i}`, words })),
  );
}

function helpers(prefix: string, model: CompletionModel, style: 'bash' | 'zsh'): string {
  const subs = (withDescriptions: boolean): { key: string; words: string[] }[] =>
    model.commands.map((c) => ({
      key: c.path.join(' '),
      words: c.subcommands.map((s) => (withDescriptions ? `${s.name}:${s.description}` : s.name)),
    }));
  const choices = Object.entries(model.flagChoices).map(([flag, words]) => ({ key: flag, words }));
  return [
    `${prefix}_subcommands() {\n${caseOn('$1', subs(false), style)}\n}`,
    ...(style === 'zsh' ? [`${prefix}_described() {\n${caseOn('$1', subs(true), style)}\n}`] : []),
    `${prefix}_flags() {\n${caseOn(
      '$1',
      model.commands.map((c) => ({ key: c.path.join(' '), words: c.flags })),
      style,
    )}\n}`,
    `${prefix}_args() {\n${caseOn('$1:$2', argBranches(model), style)}\n}`,
    `${prefix}_choices() {\n${caseOn('$1', choices, style)}\n}`,
  ].join('\n\n');
}

/** The loop both shells share: which command the words so far name, and how many arguments follow. */
function scanWords(model: CompletionModel, first: string, style: 'bash' | 'zsh'): string {
  const valueFlags = model.valueFlags.length > 0 ? model.valueFlags.join('|') : '--no-such-flag';
  const open = style === 'zsh' ? '(' : '';
  return `  local cmdpath="" nargs=0 skip=0 i w
  for ((i=${first}; i<last; i++)); do
    w="\${words_[i]}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${open}${valueFlags}) skip=1; continue ;;
      ${open}-*) continue ;;
    esac
    if [[ $'\\n'"$(PREFIX_subcommands "$cmdpath")"$'\\n' == *$'\\n'"$w"$'\\n'* ]]; then
      cmdpath="\${cmdpath:+$cmdpath }$w"
    else
      nargs=$((nargs+1))
    fi
  done`;
}

export function bashCompletion(program: Command, names: readonly string[]): string {
  const model = completionModel(program);
  const prefix = `_${names[0]!.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const files = model.fileFlags.length > 0 ? model.fileFlags.join('|') : '--no-such-flag';
  return `# bash completion for ${names.join(', ')} (generated by \`${names[0]} completion bash\`)
# Load it in the current shell with: source <(${names[0]} completion bash)

${helpers(prefix, model, 'bash')}

${prefix}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" last=$COMP_CWORD
  local -a words_=("\${COMP_WORDS[@]}")
${scanWords(model, '1', 'bash').replaceAll('PREFIX', prefix)}
  case "$prev" in
    ${files}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  local values; values="$(${prefix}_choices "$prev")"
  if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); return; fi
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$(${prefix}_flags "$cmdpath")" -- "$cur")); return; fi
  local subs; subs="$(${prefix}_subcommands "$cmdpath")"
  if [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return; fi
  COMPREPLY=($(compgen -W "$(${prefix}_args "$cmdpath" "$nargs")" -- "$cur"))
}

complete -F ${prefix}_complete ${names.join(' ')}
`;
}

export function zshCompletion(program: Command, names: readonly string[]): string {
  const model = completionModel(program);
  const prefix = `_${names[0]!.replace(/[^A-Za-z0-9_]/g, '_')}`;
  const files = model.fileFlags.length > 0 ? model.fileFlags.join('|') : '--no-such-flag';
  return `#compdef ${names.join(' ')}
# zsh completion for ${names.join(', ')} (generated by \`${names[0]} completion zsh\`)
# Load it with: source <(${names[0]} completion zsh)   (after compinit)

${helpers(prefix, model, 'zsh')}

${prefix}_complete() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" last=$CURRENT
  local -a words_=("\${words[@]}")
${scanWords(model, '2', 'zsh').replaceAll('PREFIX', prefix)}
  case "$prev" in
    (${files}) _files; return ;;
  esac
  local -a values; values=(\${(f)"$(${prefix}_choices "$prev")"})
  if (( \${#values} )); then compadd -- "\${values[@]}"; return; fi
  if [[ "$cur" == -* ]]; then compadd -- \${(f)"$(${prefix}_flags "$cmdpath")"}; return; fi
  local -a subs; subs=(\${(f)"$(${prefix}_described "$cmdpath")"})
  if (( \${#subs} )); then _describe 'command' subs; return; fi
  compadd -- \${(f)"$(${prefix}_args "$cmdpath" "$nargs")"}
}

compdef ${prefix}_complete ${names.join(' ')}
`;
}
