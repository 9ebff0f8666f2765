/** Every op in the table against its float64 reference, with gradient checks, on the CPU backend. */
import { runOpTable } from '../helpers/op-table.js';
import '../helpers/use-cpu.js';

runOpTable('cpu');
