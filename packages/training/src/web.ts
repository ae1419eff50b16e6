/**
 * @trajectorynet/training/web: what a web page needs of a trained model,
 * without Node built-ins: the exported format, loading it (URL or dropped
 * files), the frames and flow pairs the test pipeline needs, the clip views
 * of decoded frames and their classification. Writing the export is Node's
 * (`exportWebModel` in the main entry, `trajectorynet export-web`).
 */
export { type Classification, type ClipViews, classifyViews, clipViews, type FramePlan, framePlan } from './web-model/classify.js';
export { checkWebManifest, WEB_MANIFEST, WEB_MODEL_FORMAT, type WebModelManifest, type WebTrajectories } from './web-model/format.js';
export { loadWebModel, type WebModelSource } from './web-model/load.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';
