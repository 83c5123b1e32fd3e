import { runStage } from '@audexly/stage';
import { loadRecorderConfig } from './config.js';
import { recorderStage } from './service.js';

await runStage(recorderStage(loadRecorderConfig(process.env)));
