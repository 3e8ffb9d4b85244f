import { runService } from '@shopsense/service-runtime';
import { queryUnderstandingService } from './query-understanding.service-definition';

runService(queryUnderstandingService);
