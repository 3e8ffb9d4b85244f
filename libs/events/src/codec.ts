import { fromBinary, fromJson, toBinary, toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

export const CONTENT_TYPE_HEADER = 'content-type';
export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
export const JSON_CONTENT_TYPE = 'application/json';

export type WireFormat = 'binary' | 'json';

export type DecodeResult<S extends DescMessage> = { ok: true; message: MessageShape<S> } | { ok: false; reason: string };

/** The largest record we try to decode; bigger ones are dead-lettered without parsing. */
export const MAX_RECORD_BYTES = 512 * 1024;

/**
 * Decodes a record by its `content-type` header: protobuf binary (the default when the header
 * is absent) or protobuf JSON. Unknown fields are tolerated in both (schema evolution: a newer
 * producer may add fields). Never throws: a bad record comes back with a readable reason.
 */
export function decodeRecord<S extends DescMessage>(schema: S, value: Buffer | null, contentType: string | undefined): DecodeResult<S> {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty record value' };
  if (value.length > MAX_RECORD_BYTES) return { ok: false, reason: `record of ${value.length} bytes exceeds the ${MAX_RECORD_BYTES}-byte limit` };
  const type = (contentType ?? PROTOBUF_CONTENT_TYPE).split(';')[0]!.trim().toLowerCase();
  try {
    if (type === JSON_CONTENT_TYPE) {
      let json: unknown;
      try {
        json = JSON.parse(value.toString('utf8'));
      } catch (error) {
        return { ok: false, reason: `content-type ${JSON_CONTENT_TYPE} but the value is not JSON: ${(error as Error).message}` };
      }
      return { ok: true, message: fromJson(schema, json as never, { ignoreUnknownFields: true }) };
    }
    if (type === PROTOBUF_CONTENT_TYPE || type === 'application/protobuf' || type === 'application/vnd.google.protobuf') {
      return { ok: true, message: fromBinary(schema, value) };
    }
    // The header's value is the producer's text: it is not quoted into a reason, which ends up
    // in dead-letter headers and logs (a producer could put anything there, personal data included).
    return { ok: false, reason: `unsupported content-type (a value of ${contentType?.length ?? 0} characters; use ${PROTOBUF_CONTENT_TYPE} or ${JSON_CONTENT_TYPE})` };
  } catch (error) {
    return { ok: false, reason: `not a valid ${schema.typeName} (${type}): ${(error as Error).message}` };
  }
}

export function encodeRecord<S extends DescMessage>(schema: S, message: MessageShape<S>, format: WireFormat = 'binary'): { value: Buffer; contentType: string } {
  if (format === 'json') return { value: Buffer.from(JSON.stringify(toJson(schema, message)), 'utf8'), contentType: JSON_CONTENT_TYPE };
  return { value: Buffer.from(toBinary(schema, message)), contentType: PROTOBUF_CONTENT_TYPE };
}
