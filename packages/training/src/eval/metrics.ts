/** Classification metrics from class scores: top-k, mean class accuracy, confusion matrix. */

export interface ClassificationReport {
  clips: number;
  top1: number;
  top5: number;
  /** Mean over classes (with at least one clip) of each class's top-1 accuracy. */
  meanClassAccuracy: number;
  /** confusion[trueClass][predictedClass] = clip count. */
  confusion: number[][];
  perClass: { label: string; clips: number; top1: number }[];
}

/** The indices of the k largest scores, best first (ties: the lower index first). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, Math.min(k, scores.length));
}

/** Accumulates predictions one clip (or video) at a time. */
export class MetricsAccumulator {
  private readonly confusion: number[][];
  private top1Hits = 0;
  private top5Hits = 0;
  private clips = 0;

  constructor(private readonly labels: string[]) {
    this.confusion = labels.map(() => labels.map(() => 0));
  }

  /** `scores`: one row of class scores (logits or probabilities) for a clip whose class is `truth`. */
  add(scores: ArrayLike<number>, truth: number): void {
    if (scores.length !== this.labels.length) throw new RangeError(`expected ${this.labels.length} scores, got ${scores.length}`);
    const ranked = topK(scores, 5);
    this.confusion[truth][ranked[0]] += 1;
    if (ranked[0] === truth) this.top1Hits += 1;
    if (ranked.includes(truth)) this.top5Hits += 1;
    this.clips += 1;
  }

  report(): ClassificationReport {
    const perClass = this.labels.map((label, c) => {
      const clips = this.confusion[c].reduce((a, b) => a + b, 0);
      return { label, clips, top1: clips === 0 ? 0 : this.confusion[c][c] / clips };
    });
    const present = perClass.filter((p) => p.clips > 0);
    return {
      clips: this.clips,
      top1: this.clips === 0 ? 0 : this.top1Hits / this.clips,
      top5: this.clips === 0 ? 0 : this.top5Hits / this.clips,
      meanClassAccuracy: present.length === 0 ? 0 : present.reduce((a, p) => a + p.top1, 0) / present.length,
      confusion: this.confusion.map((row) => [...row]),
      perClass,
    };
  }
}

/** The confusion matrix as CSV: a header row of predicted labels, one row per true label. */
export function confusionCsv(report: ClassificationReport, labels: string[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const header = ['true \\ predicted', ...labels].map(quote).join(',');
  const rows = report.confusion.map((row, i) => [quote(labels[i]), ...row.map(String)].join(','));
  const lines = [header, ...rows];
  return `${lines.join('\n')}\n`;
}
