import type { MerchandisingService } from '@shopsense/contracts';
import { FieldValidator } from '@shopsense/errors';
import type { ServiceImplementation } from '@shopsense/grpc';
import { checkRuleId, validateRule } from '../application/merchandising-rule';
import type { MerchandisingRules } from '../application/merchandising-rules';

/** gRPC transport of MerchandisingService: validation, then the use case. */
export function merchandisingGrpcImplementation(rules: MerchandisingRules): ServiceImplementation<typeof MerchandisingService> {
  return {
    async createRule(request) {
      const v = new FieldValidator();
      validateRule(v, request.rule);
      v.throwIfInvalid();
      return { rule: await rules.create(request.rule!) };
    },
    async getRule(request) {
      const v = new FieldValidator();
      checkRuleId(v, request.ruleId, 'rule_id');
      v.throwIfInvalid();
      return { rule: rules.get(request.ruleId) };
    },
    async listRules() {
      return { rules: rules.list() };
    },
    async updateRule(request) {
      const v = new FieldValidator();
      validateRule(v, request.rule);
      // validateRule checks an id that is there; an update must name one.
      if (request.rule?.ruleId === '') checkRuleId(v, '', 'rule.rule_id');
      v.check(request.expectedVersion > 0n, 'expected_version', 'is required: the version you read');
      v.throwIfInvalid();
      return { rule: await rules.update(request.rule!, request.expectedVersion) };
    },
    async deleteRule(request) {
      const v = new FieldValidator();
      checkRuleId(v, request.ruleId, 'rule_id');
      v.throwIfInvalid();
      return rules.delete(request.ruleId, request.expectedVersion);
    },
  };
}
