/** Spatial reshaping layers (Keras 3): ZeroPadding2D, UpSampling2D. No weights. */
import { ValueError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { tensor } from '../../ops/create.js';
import { matmul } from '../../ops/linalg.js';
import { broadcastTo, clone, pad, reshape, transpose } from '../../ops/movement.js';
import { normalizeDataFormat, normalizePadding, pair, type DataFormat, type Pair } from '../../ops/conv-utils.js';
import { composite } from '../../ops/util.js';
import { Layer, type LayerConfig } from '../layer.js';
import type { LayerShape } from '../symbolic.js';
import { registerLayer } from '../registry.js';
import { makeShape, singleInput, singleShape, spatialOf } from './conv.js';

export interface ZeroPadding2DConfig extends LayerConfig {
  /** p (all sides), [ph, pw] (symmetric) or [[top, bottom], [left, right]]; default 1 */
  padding?: number | [number, number] | [[number, number], [number, number]];
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
}

/** Adds rows and columns of zeros around each image. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;
  constructor(config: ZeroPadding2DConfig = {}) {
    super(config);
    const p = normalizePadding('zeroPadding2d', config.padding ?? 1);
    if (typeof p === 'string') throw new ValueError(`zeroPadding2d: padding must be numbers, got ${JSON.stringify(config.padding)}`);
    this.padding = p;
    this.dataFormat = normalizeDataFormat('zeroPadding2d', config.dataFormat);
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const { h, w, c } = spatialOf(this.name, s, this.dataFormat);
    const [[t, b], [l, r]] = this.padding;
    return makeShape(s[0], h === null ? null : h + t + b, w === null ? null : w + l + r, c, this.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    spatialOf(this.name, x.shape.slice(), this.dataFormat);
    const [hp, wp] = this.padding;
    return pad(x, this.dataFormat === 'channelsFirst' ? [[0, 0], [0, 0], hp, wp] : [[0, 0], hp, wp, [0, 0]]);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

export interface UpSampling2DConfig extends LayerConfig {
  /** default 2 */
  size?: Pair;
  dataFormat?: DataFormat | 'channels_last' | 'channels_first';
  /** 'nearest' (default) repeats pixels; 'bilinear' interpolates with half-pixel centers (like Keras 3) */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Linear interpolation matrix [out, in] for upsampling by an integer factor with half-pixel centers:
 * source position (o + 0.5) / factor - 0.5, clamped to the edges.
 */
function bilinearMatrix(size: number, factor: number, dtype: 'float32' | 'float64'): Tensor {
  const out = size * factor;
  const m = new Float64Array(out * size);
  for (let o = 0; o < out; o++) {
    const src = Math.min(Math.max((o + 0.5) / factor - 0.5, 0), size - 1);
    const lo = Math.floor(src);
    const hi = Math.min(lo + 1, size - 1);
    const f = src - lo;
    m[o * size + lo] += 1 - f;
    m[o * size + hi] += f;
  }
  return tensor(m, { shape: [out, size], dtype });
}

/** Repeats (or bilinearly interpolates) rows and columns `size` times. */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(config: UpSampling2DConfig = {}) {
    super(config);
    this.size = pair('upSampling2d', 'size', config.size, 2);
    this.dataFormat = normalizeDataFormat('upSampling2d', config.dataFormat);
    this.interpolation = config.interpolation ?? 'nearest';
    if (this.interpolation !== 'nearest' && this.interpolation !== 'bilinear') {
      throw new ValueError(`upSampling2d: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(config.interpolation)}`);
    }
  }
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const s = singleShape(inputShape);
    const { h, w, c } = spatialOf(this.name, s, this.dataFormat);
    return makeShape(s[0], h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c, this.dataFormat);
  }
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = singleInput(inputs, this.name);
    spatialOf(this.name, x.shape.slice(), this.dataFormat);
    return composite([x], () => {
      const nhwc = this.dataFormat === 'channelsFirst' ? transpose(x, [0, 2, 3, 1]) : x;
      const [n, h, w, c] = nhwc.shape;
      const [sh, sw] = this.size;
      let y: Tensor;
      if (this.interpolation === 'nearest') {
        y = reshape(clone(broadcastTo(reshape(nhwc, [n, h, 1, w, 1, c]), [n, h, sh, w, sw, c])), [n, h * sh, w * sw, c]);
      } else {
        const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
        // rows: [H', H] @ [n, H, W*C]; columns: [W', W] @ [n*H', W, C]
        const rows = matmul(bilinearMatrix(h, sh, dtype), reshape(nhwc, [n, h, w * c]));
        y = reshape(matmul(bilinearMatrix(w, sw, dtype), reshape(rows, [n * h * sh, w, c])), [n, h * sh, w * sw, c]);
      }
      return this.dataFormat === 'channelsFirst' ? transpose(y, [0, 3, 1, 2]) : y;
    });
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

registerLayer('ZeroPadding2D', (c) => new ZeroPadding2D(c as ZeroPadding2DConfig));
registerLayer('UpSampling2D', (c) => new UpSampling2D(c as UpSampling2DConfig));
