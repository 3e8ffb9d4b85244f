import { status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { AppError, type ErrorCode, type FieldViolation } from '@shopsense/errors';

/** The single mapping from AppError codes to gRPC status codes (conventions §6). */
const CODE_TO_STATUS: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNIMPLEMENTED: GrpcStatus.UNIMPLEMENTED,
  CANCELLED: GrpcStatus.CANCELLED,
  INTERNAL: GrpcStatus.INTERNAL,
};

const STATUS_TO_CODE = new Map<number, ErrorCode>(Object.entries(CODE_TO_STATUS).map(([code, status]) => [status, code as ErrorCode]));

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  return CODE_TO_STATUS[code];
}

export function statusName(status: number): string {
  return GrpcStatus[status] ?? `CODE_${status}`;
}

/**
 * The standard rich-error trailer (`grpc-status-details-bin`, a google.rpc.Status carrying a
 * google.rpc.BadRequest), so grpcurl and every official gRPC client can show which field was
 * wrong. Encoded by hand from the field numbers of those well-known messages to avoid vendoring
 * the googleapis protos for four fields.
 */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
/** gRPC's retry pushback trailer: clients with a retry policy wait this many ms before retrying. */
export const RETRY_PUSHBACK_KEY = 'grpc-retry-pushback-ms';
const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';

export function encodeStatusDetails(status: number, message: string, violations: readonly FieldViolation[]): Uint8Array {
  const badRequest = new BinaryWriter();
  for (const violation of violations) {
    badRequest.tag(1, 2).fork().tag(1, 2).string(violation.field).tag(2, 2).string(violation.description).join();
  }
  const writer = new BinaryWriter().tag(1, 0).int32(status).tag(2, 2).string(message);
  if (violations.length > 0) {
    writer.tag(3, 2).fork().tag(1, 2).string(BAD_REQUEST_TYPE_URL).tag(2, 2).bytes(badRequest.finish()).join();
  }
  return writer.finish();
}

export function decodeFieldViolations(details: Uint8Array): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const status = new BinaryReader(details);
  while (status.pos < status.len) {
    const [field, wireType] = status.tag();
    if (field !== 3) {
      status.skip(wireType);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let typeUrl = '';
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [anyField, anyWire] = any.tag();
      if (anyField === 1) typeUrl = any.string();
      else if (anyField === 2) value = any.bytes();
      else any.skip(anyWire);
    }
    if (typeUrl !== BAD_REQUEST_TYPE_URL) continue;
    const badRequest = new BinaryReader(value);
    while (badRequest.pos < badRequest.len) {
      const [brField, brWire] = badRequest.tag();
      if (brField !== 1) {
        badRequest.skip(brWire);
        continue;
      }
      const fv = new BinaryReader(badRequest.bytes());
      const violation: FieldViolation = { field: '', description: '' };
      while (fv.pos < fv.len) {
        const [f, w] = fv.tag();
        if (f === 1) violation.field = fv.string();
        else if (f === 2) violation.description = fv.string();
        else fv.skip(w);
      }
      violations.push(violation);
    }
  }
  return violations;
}

/** An error as a gRPC status object for a server callback; unknown errors become INTERNAL. */
export function toServiceError(error: unknown, correlationId: string): Partial<ServiceError> & { code: GrpcStatus; details: string } {
  if (error instanceof AppError) {
    const code = grpcStatusOf(error.code);
    const metadata = new Metadata();
    if (error.fieldViolations.length > 0) {
      metadata.set(STATUS_DETAILS_KEY, Buffer.from(encodeStatusDetails(code, error.message, error.fieldViolations)));
    }
    if (error.retryAfterMs !== undefined) metadata.set(RETRY_PUSHBACK_KEY, String(Math.max(0, Math.round(error.retryAfterMs))));
    return { code, details: error.message, metadata };
  }
  return { code: GrpcStatus.INTERNAL, details: `internal error (correlation id ${correlationId})`, metadata: new Metadata() };
}

/** A failed outgoing call as an AppError, with field violations decoded when the server sent them. */
export function fromServiceError(error: ServiceError, method: string): AppError {
  const code = STATUS_TO_CODE.get(error.code) ?? 'INTERNAL';
  const raw = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  const fieldViolations = raw instanceof Buffer ? safeDecode(raw) : [];
  // A server refusing for load says when to come back; a hint that is not a number means "do not retry".
  const pushback = Number(error.metadata?.get(RETRY_PUSHBACK_KEY)[0]?.toString());
  const retryAfterMs = Number.isFinite(pushback) && pushback >= 0 ? pushback : undefined;
  return new AppError(code, `${method}: ${error.details || statusName(error.code)}`, { fieldViolations, cause: error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
}

/**
 * Runs a call again while the server refuses it for load with a retry hint (RESOURCE_EXHAUSTED
 * with grpc-retry-pushback-ms), after waiting the hinted time: how a batch client (an import, an
 * evaluation, a benchmark's producer) should meet admission control. Any other error, or a
 * refusal without a hint, is thrown at once; so is the last refusal after `maxAttempts`.
 */
export async function retryOnPushback<T>(call: () => Promise<T>, maxAttempts = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const hint = error instanceof AppError && error.code === 'RESOURCE_EXHAUSTED' ? error.retryAfterMs : undefined;
      if (hint === undefined || attempt >= maxAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, hint));
    }
  }
}

function safeDecode(raw: Uint8Array): FieldViolation[] {
  try {
    return decodeFieldViolations(raw);
  } catch {
    return [];
  }
}
