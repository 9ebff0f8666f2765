/** A tiny flag parser: `--epochs 5`, `--epochs=5`, boolean `--quiet`, positionals. */
import { ValueError } from '../core/errors.js';

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(a.slice(2), argv[++i]);
      else flags.set(a.slice(2), true);
    } else positionals.push(a);
  }
  return { positionals, flags };
}

export function numberFlag(args: ParsedArgs, name: string, fallback: number, integer = true): number {
  const v = args.flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new ValueError(`--${name} expects ${integer ? 'an integer' : 'a number'}, got ${v === true ? 'nothing' : JSON.stringify(v)}`);
  }
  return n;
}

export function stringFlag(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.flags.get(name);
  if (v === true) throw new ValueError(`--${name} expects a value`);
  return v ?? fallback;
}

export function checkKnownFlags(args: ParsedArgs, known: string[], command: string): void {
  for (const k of args.flags.keys()) {
    if (!known.includes(k)) throw new ValueError(`${command}: unknown flag --${k} (known: ${known.map((f) => `--${f}`).join(', ')})`);
  }
}
