/** The `deepts` command line. */
import { DeeptsError } from '../core/errors.js';
import '../index.js';
import { exampleCommand } from './example.js';
import { evalCommand, predictCommand } from './saved.js';
import { trainCommand } from './train.js';

const HELP = `deepts — deep learning in TypeScript

Usage:
  deepts train mnist [--model mlp|cnn|lenet5|resnet-small] [--epochs N] [--batch-size N] [--optimizer NAME]
                     [--lr X] [--seed N] [--limit N] [--save DIR] [--validation-split F] [--verbose 0|1|2]
                     [--backend wasm|cpu] [--threads N]
  deepts eval DIR [--limit N] [--batch-size N]
                                       evaluate a saved model on the MNIST test set (first N images)
  deepts predict DIR [--count N]       predicted class and probability for the first N test images (default 10)
  deepts example NAME [ARGS...]        run an example: transfer-mnist, autoencoder-pretrain, linear-regression,
                                       newton-sqrt (deepts example list describes them)
  deepts help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  try {
    switch (command) {
      case 'train':
        return await trainCommand(rest);
      case 'eval':
        return await evalCommand(rest);
      case 'predict':
        return await predictCommand(rest);
      case 'example':
        return exampleCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return 0;
      default:
        console.error(`deepts: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof DeeptsError) {
      // messages that already name the command (deepts train: unknown flag ...) are not prefixed twice
      console.error(e.message.startsWith('deepts ') ? e.message : `deepts ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
