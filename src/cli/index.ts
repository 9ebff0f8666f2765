/** The `deepts` command line. */
import { DeeptsError } from '../core/errors.js';
import '../index.js';
import { trainCommand } from './train.js';

const HELP = `deepts — deep learning in TypeScript

Usage:
  deepts train mnist [--model mlp] [--epochs N] [--batch-size N] [--optimizer NAME] [--lr X]
                     [--seed N] [--limit N] [--save DIR] [--validation-split F] [--verbose 0|1|2]
  deepts eval DIR [--limit N]          evaluate a saved model on the MNIST test set
  deepts predict DIR [--count N]       print predictions of a saved model for the first test images
  deepts help
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train':
        return await trainCommand(rest);
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
      console.error(`deepts ${command}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
