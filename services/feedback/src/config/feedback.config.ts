import { grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the feedback service reads, validated at boot (see README, Configuration). */
export const feedbackConfigSchema = z.object({
  ...grpcServerConfigShape,
});

export type FeedbackConfig = z.output<typeof feedbackConfigSchema>;
