/** The `optimizers` namespace: classes, factories, the registry and `optimizers.schedules` (like keras.optimizers). */
export { Optimizer } from './optimizer.js';
export { SGD } from './sgd.js';
export { RMSprop } from './rmsprop.js';
export { Adam, AdamW } from './adam.js';
export { Adagrad } from './adagrad.js';
export { get, serialize, deserialize, register, known, sgd, momentum, rmsprop, adam, adamw, adagrad } from './registry.js';
export { clipByValue, clipByNorm, clipByGlobalNorm, globalNorm } from './clip.js';
export * as schedules from './schedules.js';
