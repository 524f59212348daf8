// An IVR flow drawn as SVG from the diagram the API computes (nodes, and edges with their DTMF key
// and spoken keywords): columns by distance from the start node, edges as curves with labels.
// Built with createElementNS and textContent only: node ids and keywords are the admin's text.
const SVG = 'http://www.w3.org/2000/svg';
const BOX = { w: 150, h: 40 };
const GAP = { x: 90, y: 26 };
const MARGIN = 20;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Breadth-first depth from the start; nodes nothing reaches go in a last column.
function columns(diagram) {
  const next = new Map(diagram.nodes.map((n) => [n.id, []]));
  for (const edge of diagram.edges) if (next.has(edge.source)) next.get(edge.source).push(edge.target);
  const depth = new Map([[diagram.start, 0]]);
  const queue = [diagram.start];
  while (queue.length) {
    const id = queue.shift();
    for (const target of next.get(id) || []) {
      if (!depth.has(target) && next.has(target)) {
        depth.set(target, depth.get(id) + 1);
        queue.push(target);
      }
    }
  }
  const last = Math.max(0, ...depth.values()) + 1;
  const cols = [];
  for (const node of diagram.nodes) {
    const d = depth.has(node.id) ? depth.get(node.id) : last;
    (cols[d] = cols[d] || []).push(node);
  }
  return cols.filter(Boolean);
}

function edgeLabel(edge) {
  if (edge.kind !== 'dtmf') return edge.label; // the YAML's own field name: next, on_failure, closed...
  const words = edge.keywords.length ? ` · “${edge.keywords.slice(0, 3).join('”, “')}”` : '';
  return `${edge.dtmf}${words}`;
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function drawDiagram(box, diagram) {
  const cols = columns(diagram);
  const place = new Map();
  cols.forEach((nodes, c) => nodes.forEach((node, r) => {
    place.set(node.id, { x: MARGIN + c * (BOX.w + GAP.x), y: MARGIN + r * (BOX.h + GAP.y), node });
  }));
  const rows = Math.max(...cols.map((nodes) => nodes.length));
  const width = MARGIN * 2 + cols.length * (BOX.w + GAP.x) - GAP.x;
  const height = MARGIN * 2 + rows * (BOX.h + GAP.y) + 40;
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'flow-diagram' });
  const defs = svg('defs');
  for (const kind of ['dtmf', 'speech', 'next', 'failure', 'fallback']) {
    const marker = svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse', class: `arrow ${kind}` });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(marker);
  }
  root.append(defs);
  const edges = svg('g', { class: 'edges' });
  for (const edge of diagram.edges) {
    const from = place.get(edge.source);
    const to = place.get(edge.target);
    if (!from || !to) continue;
    const kind = edge.kind === 'dtmf' && edge.keywords.length ? 'speech' : edge.kind;
    const x1 = from.x + BOX.w;
    const y1 = from.y + BOX.h / 2;
    const forward = to.x > from.x;
    const x2 = forward ? to.x : to.x + BOX.w / 2;
    const y2 = forward ? to.y + BOX.h / 2 : to.y + BOX.h;
    // A step back (a loop, or a shared fallback to the left) bends below the boxes.
    const d = forward
      ? `M${x1},${y1} C${x1 + GAP.x / 2},${y1} ${x2 - GAP.x / 2},${y2} ${x2},${y2}`
      : `M${x1},${y1} C${x1 + 40},${y1 + 60} ${x2},${y2 + 60} ${x2},${y2}`;
    const group = svg('g', { class: `edge ${kind}`, 'data-edge': `${edge.source}->${edge.target}`, 'data-kind': edge.kind });
    group.append(svg('title', {}, `${edge.source} → ${edge.target}: ${edge.label}`));
    group.append(svg('path', { d, 'marker-end': `url(#arrow-${kind})` }));
    const label = edgeLabel(edge);
    const lx = forward ? (x1 + x2) / 2 : (x1 + x2) / 2 + 10;
    const ly = forward ? (y1 + y2) / 2 - 4 : Math.max(y1, y2) + 34;
    group.append(svg('text', { x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label' }, shorten(label, 28)));
    edges.append(group);
  }
  root.append(edges);
  const nodes = svg('g', { class: 'nodes' });
  for (const { x, y, node } of place.values()) {
    const tone = node.id === diagram.start ? 'start' : node.terminal ? 'terminal' : '';
    const group = svg('g', { class: `node ${tone}`, 'data-node': node.id, 'data-type': node.type });
    group.append(svg('title', {}, `${node.id} (${node.type})${node.detail ? `: ${node.detail}` : ''}`));
    group.append(svg('rect', { x, y, width: BOX.w, height: BOX.h, rx: 6 }));
    group.append(svg('text', { x: x + 8, y: y + 16, class: 'node-id' }, shorten(node.id, 20)));
    const sub = node.detail ? `${node.type} → ${node.detail}` : node.type;
    group.append(svg('text', { x: x + 8, y: y + 32, class: 'node-type' }, shorten(sub, 24)));
    nodes.append(group);
  }
  root.append(nodes);
  box.replaceChildren(root);
}
