/**
 * The op table on a second backend (a float32-only copy of the CPU kernels), the way the wasm backend will run it:
 * float64 rows are skipped, gradients are compared with the float64 CPU reference, inputs cross backends.
 */
import * as dt from '../../src/index.js';
import { runOpTable } from '../helpers/op-table.js';
import { registerF32Backend } from '../helpers/f32-backend.js';
import '../helpers/use-cpu.js';

const active = dt.getBackend().name;
registerF32Backend('cpu-f32');
if (dt.getBackend().name !== active) throw new Error('registering a backend must not change the active one');
runOpTable('cpu-f32');
