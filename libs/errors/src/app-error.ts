/**
 * The one error type shared by every ShopSense library and service (conventions §6).
 * Domain and application code throw it with a string code; the gRPC edge maps the code to a
 * status exactly once (see @shopsense/grpc `toGrpcStatus`). Anything that is not an AppError
 * is treated as INTERNAL and its details stay in the logs.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNIMPLEMENTED'
  | 'CANCELLED'
  | 'INTERNAL';

/** One bad field of a request: `field` is the request path ("filters.price.min", "texts[3]"). */
export interface FieldViolation {
  field: string;
  description: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fieldViolations: readonly FieldViolation[];
  /** For RESOURCE_EXHAUSTED and UNAVAILABLE: when a retry is likely to succeed (ms). */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: { fieldViolations?: FieldViolation[]; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.fieldViolations = options.fieldViolations ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }

  /** An INVALID_ARGUMENT error whose message names every bad field. */
  static invalidArgument(violations: FieldViolation[]): AppError {
    return new AppError('INVALID_ARGUMENT', `invalid argument: ${describeViolations(violations)}`, { fieldViolations: violations });
  }

  static notFound(what: string): AppError {
    return new AppError('NOT_FOUND', `${what} not found`);
  }

  static unimplemented(method: string): AppError {
    return new AppError('UNIMPLEMENTED', `${method} is not implemented yet`);
  }
}

/** "field: description; field: description": how an INVALID_ARGUMENT message lists its fields. */
export function describeViolations(violations: readonly FieldViolation[]): string {
  return violations.map((v) => `${v.field}: ${v.description}`).join('; ');
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
