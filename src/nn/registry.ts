/** Layer classes by name, so a model rebuilds from JSON (never by evaluating code from a file). */
import { FormatError, ValueError } from '../core/errors.js';
import type { Layer } from './layer.js';

export type LayerFactory = (config: Record<string, unknown>) => Layer;
const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

export function registeredLayers(): string[] {
  return [...factories.keys()].sort();
}

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

/** Builds a layer from `{className, config}`; unknown classes are a FormatError naming the known ones. */
export function deserializeLayer(spec: unknown, file = '<config>'): Layer {
  if (!spec || typeof spec !== 'object') throw new FormatError(file, `a layer entry must be an object, got ${JSON.stringify(spec)}`);
  const { className, config } = spec as Partial<LayerSpec>;
  if (typeof className !== 'string') throw new FormatError(file, 'a layer entry has no string "className"');
  const factory = factories.get(className);
  if (!factory) throw new FormatError(file, `unknown layer class "${className}" (known: ${registeredLayers().join(', ')})`);
  if (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config))) {
    throw new FormatError(file, `layer "${className}" has a config that is not an object`);
  }
  try {
    return factory({ ...(config ?? {}) });
  } catch (e) {
    if (e instanceof ValueError || e instanceof TypeError || e instanceof RangeError) {
      throw new FormatError(file, `layer "${className}": invalid config: ${(e as Error).message}`);
    }
    throw e;
  }
}

export function serializeLayer(layer: Layer): LayerSpec {
  return { className: layer.className, config: layer.getConfig() };
}
