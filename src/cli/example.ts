/**
 * `deepts example NAME [ARGS...]`: runs one of the scripts in examples/ (TypeScript, run through tsx, so this works
 * in a source checkout with its dev dependencies installed; the npm package does not ship the examples).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../core/errors.js';

/** The examples and what they show (see docs/examples.md). */
export const EXAMPLES: Record<string, string> = {
  'transfer-mnist': 'a CNN trained on digits 0-4, its frozen conv base reused for 5-9 with 500 labels, vs the same network from scratch',
  'autoencoder-pretrain': 'a dense autoencoder pre-trained on unlabelled MNIST, its encoder reused in a classifier; writes a PNG of reconstructions',
  'linear-regression': 'fit y = w·x + b by gradient descent with backward() and plain SGD steps',
  'newton-sqrt': "Newton's method for sqrt(a), the derivative from autograd (dt.grad)",
};

function listing(): string {
  const width = Math.max(...Object.keys(EXAMPLES).map((k) => k.length));
  return ['Examples (deepts example NAME [ARGS...]):', ...Object.entries(EXAMPLES).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/**
 * Runs example `argv[0]` with the remaining arguments, in the current folder (so files it writes land there).
 * Its output goes straight to this process's stdout/stderr, or to `print` when given. Returns its exit code.
 */
export function exampleCommand(argv: string[], print?: (text: string) => void): number {
  const [name, ...rest] = argv;
  const out = print ?? ((s: string) => console.log(s));
  if (name === undefined || name === 'list' || name === '--list') {
    out(listing());
    return name === undefined ? 2 : 0;
  }
  if (!Object.hasOwn(EXAMPLES, name)) throw new ValueError(`deepts example: unknown example "${name}" (known: ${Object.keys(EXAMPLES).join(', ')})`);
  // src/cli/example.ts and dist/cli/example.js both sit two folders below the package root
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const file = join(root, 'examples', `${name}.ts`);
  if (!existsSync(file)) throw new ValueError(`deepts example: ${file} not found (the examples are in the source checkout, not in the npm package)`);
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    throw new ValueError('deepts example: the examples are TypeScript and run through tsx, which is not installed (npm ci in the source checkout installs it)');
  }
  const args = ['--import', tsx, file, ...rest];
  if (!print) {
    const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
    return r.status ?? 1;
  }
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  print(`${r.stdout}${r.stderr}`.replace(/\n$/, ''));
  return r.status ?? 1;
}
