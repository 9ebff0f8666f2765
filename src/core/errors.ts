/** Base class of every error deepts throws on purpose, so callers can catch ours apart from bugs. */
export class DeeptsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an op: the message names the op and the shapes involved. */
export class ShapeError extends DeeptsError {}

/** A dtype the op cannot take (e.g. matmul on bool), or two dtypes that do not combine. */
export class DTypeError extends DeeptsError {}

/** A value outside what an op or API accepts (bad axis, unknown name, negative count...). */
export class ValueError extends DeeptsError {}

/** A file or byte buffer that does not follow its format; names the file, the offset and what was expected. */
export class FormatError extends DeeptsError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly offset?: number,
  ) {
    super(`${file}: ${detail}${offset === undefined ? '' : ` (at byte offset ${offset})`}`);
  }
}
