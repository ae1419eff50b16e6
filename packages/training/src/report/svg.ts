/**
 * Small SVG charts for reports people look at: line charts (training curves,
 * scaling), grouped bar charts (throughput, accuracy) and heatmaps (confusion
 * matrices). Scales and ticks come from d3-scale, paths from d3-shape; the
 * output is a standalone SVG string.
 */
import { scaleBand, scaleLinear, scaleLog } from 'd3-scale';
import { line } from 'd3-shape';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export interface Series {
  name: string;
  /** `error`: a vertical whisker from y - error to y + error (e.g. a 95% interval). */
  points: { x: number; y: number; error?: number }[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  logX?: boolean;
  logY?: boolean;
  /** Ticks only at whole numbers on the x axis (epochs). */
  integerX?: boolean;
  /** A linear y axis starts at 0 (default) or fits the data (when differences matter more than levels). */
  zeroY?: boolean;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return Number(v.toPrecision(3)).toString();
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" ${FONT} font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

/** Room for a legend of these names at font size 11 (about 6.2 px per character), with its swatch. */
function legendWidth(names: string[]): number {
  // the legend starts 12 px right of the plot, its text 14 px after that
  return 32 + Math.ceil(6.2 * Math.max(0, ...names.map((n) => n.length)));
}

function legend(names: string[], x: number, y: number): string[] {
  return names.flatMap((name, i) => [
    `<rect x="${x}" y="${y + i * 16 - 9}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
    `<text x="${x + 14}" y="${y + i * 16}" ${FONT} font-size="11">${escapeXml(name)}</text>`,
  ]);
}

/** Lines through each series' points, with axes, ticks and a legend. */
export function lineChart(series: Series[], options: LineChartOptions): string {
  const height = options.height ?? 400;
  // a long legend widens the chart rather than being cut off at its edge
  const right = Math.max(170, legendWidth(series.map((s) => s.name)));
  const width = (options.width ?? 640) + right - 170;
  const margin = { top: 36, right, bottom: 48, left: 64 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (all.length === 0) return frame(width, height, options.title, [`<text x="${width / 2}" y="${height / 2}" text-anchor="middle" ${FONT}>no data</text>`]);
  const extent = (values: number[]) => [Math.min(...values), Math.max(...values)] as [number, number];
  const [x0, x1] = extent(all.map((p) => p.x));
  // whiskers (linear axes only) are inside the axis too
  const whisker = (p: { error?: number }) => !options.logY && p.error != null && Number.isFinite(p.error) && p.error > 0;
  const [y0, y1] = extent(all.flatMap((p) => (whisker(p) ? [p.y - (p.error as number), p.y + (p.error as number)] : [p.y])));
  const xRange: [number, number] = [margin.left, width - margin.right];
  const yRange: [number, number] = [height - margin.bottom, margin.top];
  const x = options.logX ? scaleLog().domain([x0, x1 === x0 ? x0 * 2 : x1]).range(xRange) : scaleLinear().domain([x0, x1 === x0 ? x0 + 1 : x1]).nice().range(xRange);
  const y = options.logY
    ? scaleLog().domain([y0, y1 === y0 ? y0 * 2 : y1]).range(yRange)
    : scaleLinear()
        .domain([options.zeroY === false ? y0 : Math.min(0, y0), y1 === y0 ? y0 + 1 : y1])
        .nice()
        .range(yRange);
  const body: string[] = [];
  // log axes: label only 1, 2 and 5 times powers of ten (d3 returns every integer multiple)
  const readable = (ticks: number[], log: boolean | undefined) => (log ? ticks.filter((t) => [1, 2, 5].includes(Number(t.toExponential(0).split('e')[0]))) : ticks);
  for (const t of readable(y.ticks(6), options.logY)) {
    body.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end" ${FONT} font-size="10">${formatTick(t)}</text>`);
  }
  const xTicks = readable(x.ticks(8), options.logX).filter((t) => !options.integerX || Number.isInteger(t));
  for (const t of xTicks) {
    body.push(`<text x="${x(t)}" y="${height - margin.bottom + 16}" text-anchor="middle" ${FONT} font-size="10">${formatTick(t)}</text>`);
  }
  body.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}" stroke="black"/>`);
  body.push(`<line x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="black"/>`);
  body.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 10}" text-anchor="middle" ${FONT} font-size="12">${escapeXml(options.xLabel)}</text>`);
  body.push(
    `<text transform="translate(16 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="12">${escapeXml(options.yLabel)}</text>`,
  );
  const path = line<{ x: number; y: number }>()
    .x((p) => x(p.x))
    .y((p) => y(p.y));
  series.forEach((s, i) => {
    const points = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const color = PALETTE[i % PALETTE.length];
    body.push(`<path d="${path(points) ?? ''}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (points.length <= 30) for (const p of points) body.push(`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="2.5" fill="${color}"/>`);
    for (const p of points) {
      if (!whisker(p)) continue;
      const error = p.error as number;
      const [cx, top, bottom] = [x(p.x), y(p.y + error), y(p.y - error)];
      body.push(`<path d="M${cx - 3},${top}H${cx + 3}M${cx},${top}V${bottom}M${cx - 3},${bottom}H${cx + 3}" stroke="${color}" stroke-width="1" fill="none"/>`);
    }
  });
  body.push(...legend(series.map((s) => s.name), width - margin.right + 12, margin.top + 10));
  return frame(width, height, options.title, body);
}

export interface BarGroup {
  /** The category on the x axis (e.g. a model). */
  group: string;
  /** One bar per series name (e.g. "train", "inference"); `error` draws a ±error whisker. */
  bars: { name: string; value: number; error?: number }[];
}

/** Grouped vertical bars with value labels. */
export function barChart(groups: BarGroup[], options: { title: string; yLabel: string; width?: number; height?: number }): string {
  const width = options.width ?? Math.max(480, 120 + groups.length * 110);
  const height = options.height ?? 400;
  const margin = { top: 36, right: 150, bottom: 80, left: 64 };
  const names = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const max = Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value + (b.error ?? 0))));
  const x = scaleBand<string>().domain(groups.map((g) => g.group)).range([margin.left, width - margin.right]).padding(0.2);
  const inner = scaleBand<string>().domain(names).range([0, x.bandwidth()]).padding(0.05);
  const y = scaleLinear().domain([0, max > 0 ? max : 1]).nice().range([height - margin.bottom, margin.top]);
  const body: string[] = [];
  for (const t of y.ticks(6)) {
    body.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${margin.left - 6}" y="${y(t) + 4}" text-anchor="end" ${FONT} font-size="10">${formatTick(t)}</text>`);
  }
  for (const g of groups) {
    const gx = x(g.group) ?? 0;
    for (const b of g.bars) {
      const bx = gx + (inner(b.name) ?? 0);
      const color = PALETTE[names.indexOf(b.name) % PALETTE.length];
      body.push(`<rect x="${bx}" y="${y(b.value)}" width="${inner.bandwidth()}" height="${y(0) - y(b.value)}" fill="${color}"/>`);
      if (b.error != null && b.error > 0) {
        const cx = bx + inner.bandwidth() / 2;
        body.push(`<line x1="${cx}" x2="${cx}" y1="${y(b.value + b.error)}" y2="${y(Math.max(0, b.value - b.error))}" stroke="black"/>`);
      }
      body.push(`<text x="${bx + inner.bandwidth() / 2}" y="${y(b.value) - 3}" text-anchor="middle" ${FONT} font-size="9">${formatTick(b.value)}</text>`);
    }
    body.push(
      `<text transform="translate(${gx + x.bandwidth() / 2} ${height - margin.bottom + 14}) rotate(20)" ${FONT} font-size="11">${escapeXml(g.group)}</text>`,
    );
  }
  body.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(0)}" y2="${y(0)}" stroke="black"/>`);
  body.push(
    `<text transform="translate(16 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="12">${escapeXml(options.yLabel)}</text>`,
  );
  body.push(...legend(names, width - margin.right + 12, margin.top + 10));
  return frame(width, height, options.title, body);
}

/** Width of a label at font-size 10 (Helvetica averages under 6 px a character), so that margins fit it. */
const labelWidth = (text: string) => 6 * text.length;

/**
 * A confusion matrix: rows the true class, columns the predicted one, each
 * cell coloured by its share of the row (so that rare classes read as well as
 * frequent ones) with its count written in, and a colour scale. The margins
 * are sized to the labels (long Something-Something class names included):
 * row labels on the left, column labels slanted at 60 degrees below.
 */
export function heatmap(matrix: number[][], labels: string[], options: { title: string; rowLabel: string; columnLabel: string }): string {
  const cell = Math.max(18, Math.min(48, Math.floor(520 / Math.max(1, labels.length))));
  const longest = Math.max(0, ...labels.map(labelWidth));
  const slant = { down: Math.sin(Math.PI / 3), right: Math.cos(Math.PI / 3) };
  const scale = { gap: 24, width: 14, text: 40 };
  const size = cell * labels.length;
  const margin = {
    top: 48,
    left: Math.max(60, longest + 12),
    // the last column's label reaches right of the matrix; the colour scale sits beside it
    right: Math.max(scale.gap + scale.width + scale.text, longest * slant.right - cell / 2 + 12),
    bottom: Math.ceil(longest * slant.down) + 28,
  };
  const width = Math.ceil(margin.left + size + margin.right);
  const height = margin.top + size + margin.bottom;
  const colour = (share: number) => {
    const shade = Math.round(255 * (1 - share));
    return { fill: `rgb(${shade},${shade},255)`, dark: shade < 128 };
  };
  const body: string[] = [];
  matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const { fill, dark } = colour(total > 0 ? count / total : 0);
      const x = margin.left + j * cell;
      const y = margin.top + i * cell;
      body.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"/>`);
      if (count > 0) {
        body.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" ${FONT} font-size="10" fill="${dark ? 'white' : 'black'}">${count}</text>`);
      }
    });
  });
  labels.forEach((label, i) => {
    body.push(`<text x="${margin.left - 6}" y="${margin.top + i * cell + cell / 2 + 4}" text-anchor="end" ${FONT} font-size="10">${escapeXml(label)}</text>`);
    body.push(
      `<text transform="translate(${margin.left + i * cell + cell / 2 - 3} ${margin.top + size + 8}) rotate(60)" ${FONT} font-size="10">${escapeXml(label)}</text>`,
    );
  });
  body.push(`<text x="${margin.left - 6}" y="${margin.top - 8}" text-anchor="end" ${FONT} font-size="11" font-style="italic">${escapeXml(options.rowLabel)} ↓</text>`);
  body.push(`<text x="${margin.left + size / 2}" y="${margin.top - 8}" text-anchor="middle" ${FONT} font-size="11" font-style="italic">${escapeXml(options.columnLabel)} →</text>`);
  // the colour scale: share of the row, 100% at the top
  const sx = margin.left + size + scale.gap;
  body.push(
    '<defs><linearGradient id="row-share" x1="0" y1="1" x2="0" y2="0">',
    `<stop offset="0" stop-color="${colour(0).fill}"/><stop offset="1" stop-color="${colour(1).fill}"/>`,
    '</linearGradient></defs>',
    `<rect x="${sx}" y="${margin.top}" width="${scale.width}" height="${size}" fill="url(#row-share)" stroke="#999"/>`,
    ...[0, 0.5, 1].map((share) => `<text x="${sx + scale.width + 4}" y="${margin.top + (1 - share) * size + 4}" ${FONT} font-size="10">${share * 100}%</text>`),
    `<text transform="translate(${sx - 4} ${margin.top + size / 2}) rotate(-90)" text-anchor="middle" ${FONT} font-size="10">share of the true class</text>`,
  );
  return frame(width, height, options.title, body);
}
