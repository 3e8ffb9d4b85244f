import { grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the retrieval service reads, validated at boot (see README, Configuration). */
export const retrievalConfigSchema = z.object({
  ...grpcServerConfigShape,
});

export type RetrievalConfig = z.output<typeof retrievalConfigSchema>;
