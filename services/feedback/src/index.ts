/** What the standalone runner composes: the service definition, with injectable parts. */
export { feedbackService, feedbackServiceWith } from './feedback.service-definition';
