import { runService } from '@shopsense/service-runtime';
import { rankingService } from './ranking.service-definition';

runService(rankingService);
