import { runService } from '@shopsense/service-runtime';
import { retrievalService } from './retrieval.service-definition';

runService(retrievalService);
