// Optimizers and learning-rate schedules.
export { SGD, type SgdOptions } from './sgd.js';
export { createSchedule, type LrSchedule, type ScheduleKind, type ScheduleOptions, type Stepping } from './schedule.js';
