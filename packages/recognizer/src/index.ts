export { backboneConfig, checkRecognizerConfig, RECOGNIZER_DEFAULTS, type RecognizerConfig, recognizerInputs } from './config.js';
export { RecognizerError } from './errors.js';
export { createRecognizer, motionNetSize, type Recognizer, type RecognizerInput, type RecognizerOutput } from './recognizer.js';
