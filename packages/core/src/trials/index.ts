export {
  advanceTrial,
  dueReminder,
  TRIAL_REMINDER_DAYS,
  TRIAL_SUSPENSION_REASON,
  type TrialStep,
  trialsDue,
} from './trial-lifecycle.js';
