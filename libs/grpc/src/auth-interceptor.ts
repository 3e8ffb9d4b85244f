import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Logger } from '@shopsense/observability';
import { presentedApiKey, type ApiKeyAuthorizer } from './api-keys';

function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Checks the caller's API key before any handler (ours, health or reflection) sees the call,
 * answering UNAUTHENTICATED (no or unknown key) or PERMISSION_DENIED (key not allowed this
 * method).
 */
export function apiKeyInterceptor(authorizer: ApiKeyAuthorizer, logger?: Logger): ServerInterceptor {
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const key = presentedApiKey(firstString(metadata, 'authorization'), firstString(metadata, 'x-api-key'));
            const decision = authorizer.decide(methodDescriptor.path, key);
            if (decision.allowed) {
              passOn(metadata);
              return;
            }
            logger?.warn({ method: methodDescriptor.path, reason: decision.reason, peer: call.getPeer() }, 'call refused');
            call.sendStatus({
              code: decision.reason === 'unauthenticated' ? status.UNAUTHENTICATED : status.PERMISSION_DENIED,
              details: decision.message,
              metadata: new Metadata(),
            });
          },
        });
      },
    });
}
