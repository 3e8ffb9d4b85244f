import { grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the query understanding service reads, validated at boot (see README, Configuration). */
export const queryUnderstandingConfigSchema = z.object({
  ...grpcServerConfigShape,
});

export type QueryUnderstandingConfig = z.output<typeof queryUnderstandingConfigSchema>;
