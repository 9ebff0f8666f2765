/** The op table on the wasm backend: float32 results within tolerance of the float64 reference, gradients included. */
import * as dt from '../../src/index.js';
import { runOpTable } from '../helpers/op-table.js';

if (!dt.listBackends().includes('wasm')) throw new Error('the wasm backend did not register (is build/wasm built? run npm run build:wasm)');
runOpTable('wasm');
