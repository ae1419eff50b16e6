/**
 * Where a WebGL run of the model stage spends its time, by controlled experiments on the same
 * model and clip (for `trajectorynetBenchmark`; see README, Timings). A barrier (below) returns
 * when every command issued so far has executed, so it separates issuing the programs,
 * executing them, uploading the inputs and
 * reading the outputs back. The experiments are interleaved run by run, so that a change in the
 * machine's load hits them alike.
 *
 * The barrier: Chromium's WebGL `finish()` is only a flush (it returned in 0.1 ms while the
 * programs were still running), so the wait is a synchronous `readPixels` of one pixel of a 1x1
 * framebuffer of its own, which the GPU process answers after executing every command before it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Recognizer } from '@trajectorynet/recognizer';
import { type Classification, type ClipViews, classifyViews } from '@trajectorynet/training/web';

/** Medians over the runs, milliseconds. */
export interface WebGLSplit {
  runs: number;
  /** `page`, the page's model stage (`classifyModel`): upload, programs, synchronous read back of the logits and offsets. */
  full: number;
  /** The same with tfjs's asynchronous read back (`classifyViews` without `syncRead`: `data()`, a fence polled from timers). */
  fullAsync: number;
  /** Tensors made from the clip and flows, uploaded to textures (`uploadToGPU`: texImage2D and an encode program each), then the barrier. */
  upload: number;
  /** Inputs already in textures: issuing the model's programs (the recognizer's forward call in JavaScript), no wait. */
  dispatch: number;
  /** Inputs already in textures: the forward call, then the barrier: issuing and executing every program. */
  execute: number;
  /** After `execute`, with the GPU idle: reading the logits and offsets back as the page does (`data()`: a decode program, readPixels into a buffer, a fence polled from timers, the copy). */
  readAsync: number;
  /** The same read back with `dataSync()` (synchronous readPixels, no fence polling), the GPU idle. */
  readSync: number;
  /** Inputs already in textures: forward, then the page's asynchronous read back, no finish in between. */
  residentAsync: number;
  /** Inputs already in textures: forward, then `dataSync()` of both outputs. */
  residentSync: number;
  /** The barrier with nothing to do: one round trip to the GPU process. */
  barrier: number;
  /**
   * The inputs' uploads and the model run with a barrier before and after every program: per
   * program in the order drawn (the uploads' encode programs first, with their texImage2D), its
   * name (inputs -> output shape), and the median over the runs of the time from issuing it to its
   * end, less one idle barrier.
   */
  programs: { name: string; milliseconds: number }[];
  /** `gl.finish()` with the model's programs just issued (inputs resident): Chromium's finish is a flush, it does not wait. */
  finishAfterForward: number;
}

interface WebGLBackendInternals {
  gpgpu: { gl: WebGL2RenderingContext };
  uploadToGPU(dataId: unknown): void;
  runWebGLProgram(...args: unknown[]): unknown;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Runs the experiments `runs` times each, interleaved; tensors are disposed (numTensors flat). WebGL only. */
export async function splitWebGL(recognizer: Recognizer, views: ClipViews, runs: number, page: (recognizer: Recognizer, views: ClipViews) => Promise<Classification>): Promise<WebGLSplit> {
  const backend = tf.backend() as unknown as WebGLBackendInternals;
  const gl = backend.gpgpu.gl;
  const sync = barrier(gl);
  const [v, t, h, w] = views.shape;
  const inputs = (): tf.Tensor[] => {
    const clips = tf.tensor5d(views.data, [v, t, h, w, 3]);
    return views.flows != null ? [clips, tf.tensor(views.flows, [v, 2, t - 1, h, w, 2])] : [clips];
  };
  const forward = (resident: tf.Tensor[]): tf.Tensor[] =>
    tf.tidy(() => {
      const [clips, flows6] = resident;
      let flows: { forward: tf.Tensor; backward: tf.Tensor } | undefined;
      if (flows6 != null) {
        const [f, b] = tf.unstack(flows6, 1);
        flows = { forward: f, backward: b };
      }
      const { logits, offsets } = recognizer.forward({ clips: clips as tf.Tensor5D, flows }, false);
      return offsets != null ? [logits, offsets] : [logits];
    });
  const time = (work: () => void): number => {
    const started = performance.now();
    work();
    return performance.now() - started;
  };
  const timeAsync = async (work: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const m: Record<Exclude<keyof WebGLSplit, 'runs' | 'programs'>, number[]> = { full: [], fullAsync: [], upload: [], dispatch: [], execute: [], readAsync: [], readSync: [], residentAsync: [], residentSync: [], barrier: [], finishAfterForward: [] };
  sync.wait();
  for (let i = 0; i < runs; i++) {
    m.full.push(await timeAsync(() => page(recognizer, views)));
    m.fullAsync.push(await timeAsync(() => classifyViews(recognizer, views)));
    sync.wait();
    m.barrier.push(time(() => sync.wait()));
    let resident: tf.Tensor[] = [];
    m.upload.push(
      time(() => {
        resident = inputs();
        for (const x of resident) backend.uploadToGPU(x.dataId);
        sync.wait();
      }),
    );
    let outputs: tf.Tensor[] = [];
    m.dispatch.push(time(() => (outputs = forward(resident))));
    m.finishAfterForward.push(time(() => gl.finish()));
    sync.wait();
    tf.dispose(outputs);
    m.execute.push(
      time(() => {
        outputs = forward(resident);
        sync.wait();
      }),
    );
    m.readAsync.push(await timeAsync(() => Promise.all(outputs.map((x) => x.data()))));
    tf.dispose(outputs);
    outputs = forward(resident);
    sync.wait();
    m.readSync.push(time(() => outputs.map((x) => x.dataSync())));
    tf.dispose(outputs);
    m.residentAsync.push(
      await timeAsync(async () => {
        outputs = forward(resident);
        await Promise.all(outputs.map((x) => x.data()));
      }),
    );
    tf.dispose(outputs);
    m.residentSync.push(
      time(() => {
        outputs = forward(resident);
        for (const x of outputs) x.dataSync();
      }),
    );
    tf.dispose([...outputs, ...resident]);
  }
  const idle = median(m.barrier);
  const perProgram: { name: string; times: number[] }[] = [];
  const run = backend.runWebGLProgram;
  backend.runWebGLProgram = function (...args) {
    const program = args[0] as { variableNames?: string[]; outputShape?: number[] };
    sync.wait();
    const started = performance.now();
    const result = run.apply(this, args);
    sync.wait();
    perProgram[index] ??= { name: `(${program.variableNames?.join(', ')}) -> [${program.outputShape?.join(',')}]`, times: [] };
    perProgram[index].times.push(performance.now() - started - idle);
    index++;
    return result;
  };
  let index = 0;
  try {
    for (let i = 0; i < runs; i++) {
      index = 0;
      const resident = inputs();
      for (const x of resident) backend.uploadToGPU(x.dataId);
      const outputs = forward(resident);
      tf.dispose([...outputs, ...resident]);
    }
  } finally {
    delete (backend as Partial<WebGLBackendInternals>).runWebGLProgram;
    if (backend.runWebGLProgram !== run) backend.runWebGLProgram = run;
  }
  sync.dispose();
  const medians = Object.fromEntries(Object.entries(m).map(([k, values]) => [k, median(values)])) as Omit<WebGLSplit, 'runs' | 'programs'>;
  return { runs, ...medians, programs: perProgram.map((p) => ({ name: p.name, milliseconds: median(p.times) })) };
}

/** A synchronous wait for the GPU: `readPixels` of a 1x1 RGBA8 framebuffer (tfjs's framebuffer binding is restored). */
function barrier(gl: WebGL2RenderingContext): { wait(): void; dispose(): void } {
  const texture = gl.createTexture();
  const framebuffer = gl.createFramebuffer();
  const pixel = new Uint8Array(4);
  const bound = <T>(work: () => T): T => {
    const previous = gl.getParameter(gl.FRAMEBUFFER_BINDING) as WebGLFramebuffer | null;
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    try {
      return work();
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, previous);
    }
  };
  const previousTexture = gl.getParameter(gl.TEXTURE_BINDING_2D) as WebGLTexture | null;
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
  gl.bindTexture(gl.TEXTURE_2D, previousTexture);
  bound(() => gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0));
  return {
    wait: () => bound(() => gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel)),
    dispose: () => {
      gl.deleteFramebuffer(framebuffer);
      gl.deleteTexture(texture);
    },
  };
}
