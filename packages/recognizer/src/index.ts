export { backboneConfig, checkRecognizerConfig, RECOGNIZER_DEFAULTS, type RecognizerConfig, recognizerInputs, TRAJECTORY_STAGES, type TrajectoryStage } from './config.js';
export { RecognizerError } from './errors.js';
export { createRecognizer, foldRecognizer, motionNetSize, type Recognizer, type RecognizerInput, type RecognizerOutput, recognizerFromModels } from './recognizer.js';
