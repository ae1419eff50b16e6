/**
 * The camera: `getUserMedia` frames, taken from a playing <video> as
 * VideoFrames (requestVideoFrameCallback) and turned into rgb24 at the
 * pipeline's decoding size by the code a decoded video's frames go through
 * (`videoFrameRgb`: yuvToRgb, resizeRgb). A camera frame that arrives while
 * the previous one is still being converted is skipped (and counted).
 */
import { videoFrameRgb } from './decode.js';

export type CameraErrorCode = 'UNSUPPORTED' | 'DENIED' | 'NOT_FOUND' | 'FAILED';

export class CameraError extends Error {
  override name = 'CameraError';
  constructor(
    readonly code: CameraErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One captured frame at the decoding size. */
export interface CameraFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
  /** False when the browser gave a pixel format the page converts with the browser's code (not the CLI's). */
  exact: boolean;
  format: string;
}

export interface Camera {
  readonly stream: MediaStream;
  /** The camera's frame size (before the resize). */
  readonly width: number;
  readonly height: number;
  /** Frames converted and handed over, and camera frames skipped while one was being converted. */
  readonly delivered: number;
  readonly skipped: number;
  /** Stops the tracks (the camera light goes off) and frame delivery. */
  stop(): void;
}

function cameraError(error: unknown): CameraError {
  const name = error instanceof DOMException ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'NotAllowedError' || name === 'SecurityError') return new CameraError('DENIED', `the camera was not allowed (${message})`);
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return new CameraError('NOT_FOUND', `no camera found (${message})`);
  return new CameraError('FAILED', `the camera failed to start (${name || 'error'}: ${message})`);
}

/** Starts the camera into `video` (shown as the preview) and calls `onFrame` with each converted frame until `stop`. */
export async function startCamera(video: HTMLVideoElement, resizeShorter: number | undefined, onFrame: (frame: CameraFrame) => void, onError: (error: unknown) => void): Promise<Camera> {
  if (navigator.mediaDevices?.getUserMedia == null) throw new CameraError('UNSUPPORTED', 'this browser gives no camera here (getUserMedia needs https or localhost)');
  if (typeof VideoFrame === 'undefined' || !('requestVideoFrameCallback' in HTMLVideoElement.prototype)) throw new CameraError('UNSUPPORTED', 'this browser has no VideoFrame or requestVideoFrameCallback: use a recent Chrome, Edge, Safari or Firefox');
  let stream: MediaStream;
  try {
    // about the decoding size (no point solving TV-L1 on more pixels than the model's pipeline keeps): 240 lines without one
    const lines = resizeShorter ?? 240;
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: Math.round((lines * 4) / 3) }, height: { ideal: lines } }, audio: false });
  } catch (error) {
    throw cameraError(error);
  }
  let [stopped, converting, delivered, skipped, handle] = [false, false, 0, 0, 0];
  const stop = () => {
    stopped = true;
    video.cancelVideoFrameCallback(handle);
    for (const track of stream.getTracks()) track.stop();
    video.pause();
    video.srcObject = null;
  };
  const onVideoFrame: VideoFrameRequestCallback = (_now, metadata) => {
    if (stopped) return;
    handle = video.requestVideoFrameCallback(onVideoFrame);
    if (converting) {
      skipped++;
      return;
    }
    converting = true;
    let frame: VideoFrame;
    try {
      frame = new VideoFrame(video, { timestamp: Math.round(metadata.mediaTime * 1e6) });
    } catch {
      converting = false;
      skipped++;
      return;
    }
    const format = frame.format ?? 'unknown';
    videoFrameRgb(frame, resizeShorter)
      .then(({ rgb, width, height, exact }) => {
        if (stopped) return;
        delivered++;
        onFrame({ rgb, width, height, exact, format });
      })
      .catch(onError)
      .finally(() => {
        frame.close();
        converting = false;
      });
  };
  try {
    video.muted = true;
    video.playsInline = true;
    video.srcObject = stream;
    await video.play();
  } catch (error) {
    stop();
    throw cameraError(error);
  }
  handle = video.requestVideoFrameCallback(onVideoFrame);
  const settings = stream.getVideoTracks()[0]?.getSettings() ?? {};
  return {
    stream,
    width: settings.width ?? video.videoWidth,
    height: settings.height ?? video.videoHeight,
    get delivered() {
      return delivered;
    },
    get skipped() {
      return skipped;
    },
    stop,
  };
}
