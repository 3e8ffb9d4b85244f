import { runService } from '@shopsense/service-runtime';
import { embeddingService } from './embedding.service-definition';

runService(embeddingService);
