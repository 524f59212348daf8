// An IVR flow drawn as SVG from the diagram the API computes (nodes, and edges with their DTMF key
// and spoken keywords): rows by distance from the start node, edges as curves with labels.
// Built with createElementNS and textContent only: node ids and keywords are the admin's text.
const SVG = 'http://www.w3.org/2000/svg';
const BOX = { w: 116, h: 38 };
const GAP = { x: 14, y: 52 };
const MARGIN = 16;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Rows by breadth-first depth from the start (nodes nothing reaches go last); within a row, nodes
// sit under the middle of the nodes that lead to them, which keeps most edges from crossing.
function rows(diagram) {
  const next = new Map(diagram.nodes.map((n) => [n.id, []]));
  const before = new Map(diagram.nodes.map((n) => [n.id, []]));
  for (const edge of diagram.edges) {
    if (next.has(edge.source) && next.has(edge.target)) {
      next.get(edge.source).push(edge.target);
      before.get(edge.target).push(edge.source);
    }
  }
  const depth = new Map([[diagram.start, 0]]);
  const queue = [diagram.start];
  while (queue.length) {
    const id = queue.shift();
    for (const target of next.get(id) || []) {
      if (!depth.has(target)) {
        depth.set(target, depth.get(id) + 1);
        queue.push(target);
      }
    }
  }
  const last = Math.max(0, ...depth.values()) + 1;
  const layers = [];
  for (const node of diagram.nodes) {
    const d = depth.has(node.id) ? depth.get(node.id) : last;
    (layers[d] = layers[d] || []).push(node);
  }
  const position = new Map();
  return layers.filter(Boolean).map((layer) => {
    const weight = (node) => {
      const known = before.get(node.id).filter((id) => position.has(id)).map((id) => position.get(id));
      return known.length ? known.reduce((a, b) => a + b, 0) / known.length : Infinity;
    };
    const sorted = layer.map((node, i) => [weight(node), i, node]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
    sorted.forEach((node, i) => position.set(node.id, i - (sorted.length - 1) / 2));
    return sorted;
  });
}

function edgeLabel(edge) {
  if (edge.kind !== 'dtmf') return edge.label; // the YAML's own field name: next, on_failure, closed...
  const named = edge.label !== edge.dtmf ? ` ${edge.label}` : '';
  const words = edge.keywords.length ? ` · “${edge.keywords.slice(0, 2).join('”, “')}”` : '';
  return `${edge.dtmf}${named}${words}`;
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function drawDiagram(box, diagram) {
  const layers = rows(diagram);
  const widest = Math.max(...layers.map((layer) => layer.length));
  const width = MARGIN * 2 + widest * (BOX.w + GAP.x) - GAP.x + 60;
  const height = MARGIN * 2 + layers.length * (BOX.h + GAP.y) - GAP.y;
  const place = new Map();
  layers.forEach((layer, r) => {
    const rowWidth = layer.length * (BOX.w + GAP.x) - GAP.x;
    const left = (width - 60 - rowWidth) / 2;
    layer.forEach((node, c) => place.set(node.id, { x: left + c * (BOX.w + GAP.x), y: MARGIN + r * (BOX.h + GAP.y), node }));
  });
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
  const pairs = new Map(); // a menu key and a failure to the same node: spread apart, not drawn over each other
  for (const edge of diagram.edges) {
    const from = place.get(edge.source);
    const to = place.get(edge.target);
    if (!from || !to) continue;
    const kind = edge.kind === 'dtmf' && edge.keywords.length ? 'speech' : edge.kind;
    const pair = `${edge.source}->${edge.target}`;
    const nth = pairs.get(pair) || 0;
    pairs.set(pair, nth + 1);
    const shift = nth * 16;
    const down = to.y > from.y;
    let d;
    let lx;
    let ly;
    if (down) {
      const x1 = from.x + BOX.w / 2 + shift;
      const y1 = from.y + BOX.h;
      const x2 = to.x + BOX.w / 2 + shift;
      const y2 = to.y;
      d = `M${x1},${y1} C${x1},${y1 + GAP.y / 2} ${x2},${y2 - GAP.y / 2} ${x2},${y2}`;
      // Near the target: the fan-out of a menu spreads its labels as far apart as its options.
      lx = x2;
      ly = y2 - 7 - nth * 11;
    } else {
      // A step back up (a loop to the menu, a shared node): out of the right side and round.
      const x1 = from.x + BOX.w;
      const y1 = from.y + BOX.h / 2 + shift / 2;
      const x2 = to.x + BOX.w;
      const y2 = to.y + BOX.h / 2 + shift / 2;
      const bulge = Math.max(x1, x2) + 40 + shift;
      d = `M${x1},${y1} C${bulge},${y1} ${bulge},${y2} ${x2},${y2}`;
      lx = bulge - 8;
      ly = (y1 + y2) / 2;
    }
    const group = svg('g', { class: `edge ${kind}`, 'data-edge': pair, 'data-kind': edge.kind });
    group.append(svg('title', {}, `${edge.source} → ${edge.target}: ${edgeLabel(edge)}`));
    group.append(svg('path', { d, 'marker-end': `url(#arrow-${kind})` }));
    group.append(svg('text', { x: lx, y: ly, 'text-anchor': 'middle', class: 'edge-label' }, shorten(edgeLabel(edge), 21)));
    edges.append(group);
  }
  root.append(edges);
  const nodes = svg('g', { class: 'nodes' });
  for (const { x, y, node } of place.values()) {
    const tone = node.id === diagram.start ? 'start' : node.terminal ? 'terminal' : '';
    const group = svg('g', { class: `node ${tone}`, 'data-node': node.id, 'data-type': node.type });
    group.append(svg('title', {}, `${node.id} (${node.type})${node.detail ? `: ${node.detail}` : ''}`));
    group.append(svg('rect', { x, y, width: BOX.w, height: BOX.h, rx: 6 }));
    group.append(svg('text', { x: x + 8, y: y + 16, class: 'node-id' }, shorten(node.id, 15)));
    const sub = node.detail ? `${node.type} → ${node.detail}` : node.type;
    group.append(svg('text', { x: x + 8, y: y + 32, class: 'node-type' }, shorten(sub, 19)));
    nodes.append(group);
  }
  root.append(nodes);
  box.replaceChildren(root);
}
