import { runService } from '@shopsense/service-runtime';
import { feedbackService } from './feedback.service-definition';

runService(feedbackService);
