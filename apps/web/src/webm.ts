/**
 * A minimal WebM (Matroska) demuxer for the page: the first video track's
 * codec, size and encoded frames, for WebCodecs. EBML is read flat: the
 * master elements that hold what we need (Segment, Info, Tracks, TrackEntry,
 * Video, Cluster, BlockGroup) are entered, every other element is skipped by
 * its size, so unknown-size Segments and Clusters (live recordings) work too.
 * Laced blocks (audio, mostly) are skipped for the video track with an error.
 */
export interface EncodedFrame {
  key: boolean;
  /** Presentation time in microseconds. */
  timestamp: number;
  data: Uint8Array;
}

export interface WebmVideo {
  codecId: string;
  width: number;
  height: number;
  codecPrivate?: Uint8Array;
  frames: EncodedFrame[];
  /** Frames per second from the track's default duration, else from the timestamps. */
  fps: number;
}

export class WebmError extends Error {
  override name = 'WebmError';
}

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimecodeScale: 0x2ad7b1,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
  CodecPrivate: 0x63a2,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Cluster: 0x1f43b675,
  Timecode: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  ReferenceBlock: 0xfb,
};
const ENTERED = new Set([ID.Segment, ID.Info, ID.Tracks, ID.TrackEntry, ID.Video, ID.Cluster, ID.BlockGroup]);

/** A variable-length integer at `at`: its value (marker bit kept for IDs) and length; value -1 for an unknown size. */
function vint(bytes: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number } {
  const first = bytes[at];
  if (first === undefined) throw new WebmError('the WebM ends inside an element header');
  let length = 1;
  while (length <= 8 && (first & (0x80 >> (length - 1))) === 0) length++;
  if (length > 8) throw new WebmError(`a malformed EBML number at byte ${at}`);
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value: !keepMarker && allOnes ? -1 : value, length };
}

const readUint = (bytes: Uint8Array) => bytes.reduce((v, b) => v * 256 + b, 0);

interface Track {
  number: number;
  type: number;
  codecId: string;
  codecPrivate?: Uint8Array;
  width: number;
  height: number;
  defaultDuration: number;
}

/** Parses a WebM file's bytes; throws WebmError when it is not one or has no video track. */
export function demuxWebm(bytes: Uint8Array): WebmVideo {
  if (vint(bytes, 0, true).value !== ID.EBML) throw new WebmError('not a WebM file (no EBML header)');
  let timecodeScale = 1_000_000; // ns per tick
  const tracks: Track[] = [];
  const blocks: { track: number; key: boolean; time: number; data: Uint8Array }[] = [];
  let clusterTime = 0;
  let at = 0;
  while (at < bytes.length) {
    const id = vint(bytes, at, true);
    const size = vint(bytes, at + id.length, false);
    const start = at + id.length + size.length;
    if (ENTERED.has(id.value)) {
      if (id.value === ID.TrackEntry) tracks.push({ number: 0, type: 0, codecId: '', width: 0, height: 0, defaultDuration: 0 });
      at = start;
      continue;
    }
    if (size.value < 0) throw new WebmError(`an element of unknown size (id 0x${id.value.toString(16)}) that the page cannot skip`);
    const body = bytes.subarray(start, Math.min(start + size.value, bytes.length));
    const track = tracks[tracks.length - 1];
    switch (id.value) {
      case ID.TimecodeScale:
        timecodeScale = readUint(body);
        break;
      case ID.TrackNumber:
        if (track) track.number = readUint(body);
        break;
      case ID.TrackType:
        if (track) track.type = readUint(body);
        break;
      case ID.CodecID:
        if (track) track.codecId = new TextDecoder().decode(body).replace(/\0+$/, '');
        break;
      case ID.CodecPrivate:
        if (track) track.codecPrivate = body.slice();
        break;
      case ID.DefaultDuration:
        if (track) track.defaultDuration = readUint(body);
        break;
      case ID.PixelWidth:
        if (track) track.width = readUint(body);
        break;
      case ID.PixelHeight:
        if (track) track.height = readUint(body);
        break;
      case ID.Timecode:
        clusterTime = readUint(body);
        break;
      case ID.SimpleBlock:
      case ID.Block: {
        const number = vint(body, 0, false);
        const relative = (body[number.length] << 24) >> 16 | body[number.length + 1]; // int16
        const flags = body[number.length + 2];
        const laced = (flags & 0x06) !== 0;
        const key = id.value === ID.SimpleBlock ? (flags & 0x80) !== 0 : blocks.every((b) => b.track !== number.value);
        blocks.push({ track: number.value, key, time: clusterTime + relative, data: laced ? new Uint8Array(0) : body.subarray(number.length + 3) });
        if (laced) blocks[blocks.length - 1].track = -number.value; // marks a laced block: an error if it is video
        break;
      }
    }
    at = start + size.value;
  }
  const video = tracks.find((t) => t.type === 1);
  if (video == null) throw new WebmError('the WebM has no video track');
  if (blocks.some((b) => b.track === -video.number)) throw new WebmError('the WebM video track uses laced blocks, which the page does not read');
  const toMicroseconds = timecodeScale / 1000;
  const frames = blocks.filter((b) => b.track === video.number).map((b) => ({ key: b.key, timestamp: b.time * toMicroseconds, data: b.data }));
  frames.sort((a, b) => a.timestamp - b.timestamp);
  const span = frames.length > 1 ? (frames[frames.length - 1].timestamp - frames[0].timestamp) / (frames.length - 1) : 0;
  const fps = video.defaultDuration > 0 ? 1e9 / video.defaultDuration : span > 0 ? 1e6 / span : 0;
  return { codecId: video.codecId, width: video.width, height: video.height, codecPrivate: video.codecPrivate, frames, fps };
}

/** The WebCodecs codec string (and description) of a WebM video track. */
export function webCodecsCodec(video: WebmVideo): { codec: string; description?: Uint8Array } {
  switch (video.codecId) {
    case 'V_VP8':
      return { codec: 'vp8' };
    case 'V_VP9':
      // profile 0, level 1, 8 bit: decoders take any level of the profile from this string
      return { codec: 'vp09.00.10.08' };
    case 'V_AV1':
      return { codec: 'av01.0.04M.08', description: video.codecPrivate };
    case 'V_MPEG4/ISO/AVC': {
      const p = video.codecPrivate;
      if (p == null || p.length < 4) throw new WebmError('an H.264 WebM track without its avcC record');
      const hex = (b: number) => b.toString(16).padStart(2, '0');
      return { codec: `avc1.${hex(p[1])}${hex(p[2])}${hex(p[3])}`, description: p };
    }
    default:
      throw new WebmError(`the page does not decode ${video.codecId} video (VP8, VP9, AV1 or H.264)`);
  }
}
