// insolegen's 3D view. Reads the scene packed into this page, inflates three.js from the page
// too (no file or network is read), and draws the devices with the technician's controls.
'use strict';

const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
const VIEWS = ['top', 'medial', 'lateral', 'posterior', 'iso'];
const GAP_MM = 30;
const FILL = [0.9, 0.9];                // the share of the view's width and height the devices fill
const FILL_LABELLED = [0.9, 0.6];       // ... leaving bands above and below for labels

function svgLine(x1, y1, x2, y2, kind) {
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
  for (const [k, v] of Object.entries({ x1, y1, x2, y2 })) line.setAttribute(k, String(v));
  line.setAttribute('class', `leader ${kind}`);
  return line;
}

async function inflate(base64) {
  const text = atob(base64.trim());
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function unpack(packed) {
  const bytes = await inflate(packed.data);
  const Type = { int16: Int16Array, uint16: Uint16Array, uint32: Uint32Array }[packed.dtype];
  return new Type(bytes.buffer, bytes.byteOffset, packed.n);
}

async function loadThree() {
  const code = new TextDecoder().decode(await inflate(document.getElementById('three-gz').textContent));
  const script = document.createElement('script');
  script.textContent = code;
  document.head.appendChild(script);     // runs at once: defines the global THREE
}

function viridis(t) {
  const f = Math.min(Math.max(t, 0), 1) * (VIRIDIS.length - 1);
  const i = Math.min(Math.floor(f), VIRIDIS.length - 2);
  const a = VIRIDIS[i], b = VIRIDIS[i + 1], w = f - i;
  return [0, 1, 2].map(k => (a[k] + (b[k] - a[k]) * w) / 255);
}

async function meshGeometry(packed) {
  const q = await unpack(packed.positions);
  const faces = await unpack(packed.faces);
  const positions = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) positions[i] = packed.centre[i % 3] + q[i] * packed.step;
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', new THREE.BufferAttribute(positions, 3));
  geometry.setIndex(new THREE.BufferAttribute(faces, 1));
  geometry.computeBoundingBox();
  return geometry;
}

async function heightGrid(grid) {
  const top = await unpack(grid.top), bottom = await unpack(grid.bottom);
  const at = (a, i, j) => (a[j * grid.nx + i] === -32768 ? NaN : a[j * grid.nx + i] / 100);
  return { ...grid, top: (i, j) => at(top, i, j), bottom: (i, j) => at(bottom, i, j) };
}

function el(tag, attrs = {}, text = '') {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

class Viewer {
  constructor(scene) {
    this.scene = scene;
    this.canvas = document.getElementById('view');
    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setClearColor(0xffffff, 1);
    this.world = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(28, 1, 1, 20000);
    this.controls = new THREE.OrbitControls(this.camera, this.canvas);
    this.controls.addEventListener('change', () => this.requestRender());
    this.controls.addEventListener('start', () => { this.userMoved = true; });
    this.world.add(new THREE.HemisphereLight(0xffffff, 0x8a8f99, 1.6));
    const sun = new THREE.DirectionalLight(0xffffff, 1.5);
    sun.position.set(-0.5, 0.7, 1.0);
    this.world.add(sun);
    this.shown = scene.devices.length > 1 ? 'both' : 0;
    this.view = 'iso';
    this.colour = 'height';
    this.pending = false;
    this.firstFrame = true;
  }

  async build() {
    this.devices = [];
    for (const d of this.scene.devices) {
      const geometry = await meshGeometry(d.mesh);
      const thickness = await unpack(d.thickness);
      const material = new THREE.MeshStandardMaterial({ vertexColors: true, flatShading: true, roughness: 0.85, metalness: 0 });
      const group = new THREE.Group();
      group.add(new THREE.Mesh(geometry, material));
      let scan = null;
      if (d.scan) {
        const scanMaterial = new THREE.MeshStandardMaterial({ color: 0x8fa7cf, transparent: true, opacity: 0.22,
          depthWrite: false, side: THREE.DoubleSide, roughness: 1, metalness: 0 });
        scan = new THREE.Mesh(await meshGeometry(d.scan), scanMaterial);
        scan.renderOrder = 1;
        group.add(scan);
      }
      let liner = null;
      if (d.liner) {                                         // the shoe's sock-liner, on the ground under the device
        const points = d.liner.map(([x, y]) => new THREE.Vector3(x, y, -0.2));
        liner = new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(points),
          new THREE.LineBasicMaterial({ color: 0x5a6472 }));
        group.add(liner);
      }
      const box = geometry.boundingBox;
      const plane = new THREE.Mesh(new THREE.PlaneGeometry(1, 1),
        new THREE.MeshBasicMaterial({ color: 0xd0312d, transparent: true, opacity: 0.2, side: THREE.DoubleSide, depthWrite: false }));
      plane.rotation.y = Math.PI / 2;                          // the plane's normal along the foot
      plane.scale.set(box.max.z - box.min.z + 16, box.max.y - box.min.y + 16, 1);
      plane.position.set(0, (box.max.y + box.min.y) / 2, (box.max.z + box.min.z) / 2);
      plane.renderOrder = 2;
      group.add(plane);
      this.world.add(group);
      this.devices.push({ data: d, group, geometry, thickness, scan, liner, plane, box, grid: await heightGrid(d.grid) });
    }
    this.placeSideBySide();
    this.buildControls();
    this.buildLabels();
    this.buildPanel();
    this.setColour('height');
    new ResizeObserver(() => this.resize()).observe(this.canvas.parentElement);
    this.resize();
    this.setView('iso');
  }

  // Seen from above with the toes up, +y is the screen's left: the left device goes there, as a
  // patient's feet stand.
  placeSideBySide() {
    const order = [...this.devices].sort((a, b) => (a.data.side === 'left') - (b.data.side === 'left'));
    let offset = 0;
    order.forEach((d, k) => {
      if (k) offset += order[k - 1].box.max.y - d.box.min.y + GAP_MM;
      d.group.position.y = offset;
    });
  }

  focused() {
    if (this.shown !== 'both') return this.devices[this.shown];
    return this.devices.find(d => d.data.side === 'right') || this.devices[0];
  }

  buildControls() {
    const sides = document.getElementById('sides');
    const options = this.devices.length > 1 ? ['both', ...this.devices.keys()] : [0];
    this.sideButtons = options.map(option => {
      const name = option === 'both' ? 'both' : (this.devices[option].data.side || this.devices[option].data.label);
      const b = el('button', { type: 'button', 'data-side': String(option) }, name);
      b.addEventListener('click', () => this.setShown(option));
      sides.appendChild(b);
      return [option, b];
    });
    const views = document.getElementById('views');
    this.viewButtons = VIEWS.map(v => {
      const b = el('button', { type: 'button', 'data-view': v }, v);
      b.addEventListener('click', () => this.setView(v));
      views.appendChild(b);
      return [v, b];
    });
    document.getElementById('colour').addEventListener('change', e => this.setColour(e.target.value));
    document.getElementById('show-labels').addEventListener('change', () => this.requestRender());
    document.getElementById('show-landmarks').addEventListener('change', () => this.requestRender());
    if (this.devices.some(d => d.liner)) {
      document.getElementById('liner-toggle').hidden = false;
      document.getElementById('show-liner').addEventListener('change', e => {
        for (const d of this.devices) if (d.liner) d.liner.visible = e.target.checked;
        this.requestRender();
      });
    }
    if (this.devices.some(d => d.scan)) {
      document.getElementById('scan-toggle').hidden = false;
      document.getElementById('show-scan').addEventListener('change', e => {
        for (const d of this.devices) if (d.scan) d.scan.visible = e.target.checked;
        this.requestRender();
      });
    }
    this.markPressed();
  }

  markPressed() {
    for (const [option, b] of this.sideButtons) b.setAttribute('aria-pressed', String(option === this.shown));
    for (const [v, b] of this.viewButtons) b.setAttribute('aria-pressed', String(v === this.view));
  }

  setShown(option) {
    this.shown = option;
    this.devices.forEach((d, k) => { d.group.visible = option === 'both' || option === k; });
    this.setView(this.view);
    this.drawChecks();
    this.drawProfile();
  }

  // Whether the features and landmarks are labelled from this camera: they sit on the top, so
  // only a camera looking down on it sees them (from the side they would be written over the wall).
  labelsShown() {
    const dir = this.controls.target.clone().sub(this.camera.position).normalize();
    return dir.z < -0.3;
  }

  // The camera looks along `direction` at the visible devices, near enough that they fill the view.
  setView(view) {
    this.view = view;
    const medial = this.focused().data.side === 'left' ? -1 : 1;
    const [direction, up] = {
      top: [[0, 0, 1], [1, 0, 0]],
      medial: [[0, medial, 0], [0, 0, 1]],
      lateral: [[0, -medial, 0], [0, 0, 1]],
      posterior: [[-1, 0, 0], [0, 0, 1]],
      iso: [[-0.55, medial * 0.8, 0.75], [0, 0, 1]],
    }[view];
    this.userMoved = false;
    this.world.updateMatrixWorld(true);           // the devices' places beside each other, before the first frame
    const box = new THREE.Box3();
    // the device and the section's plane, which stands 8 mm proud of it all round
    for (const d of this.devices) if (d.group.visible) { box.expandByObject(d.group.children[0]); box.expandByObject(d.plane); }
    const centre = box.getCenter(new THREE.Vector3());
    // the box's corners seen along the view: the camera stands back until they all fit
    const dir = new THREE.Vector3(...direction).normalize();
    const upv = new THREE.Vector3(...up);
    const right = new THREE.Vector3().crossVectors(dir.clone().negate(), upv);
    let across = 0, high = 0, deep = 0;
    for (const x of [box.min.x, box.max.x]) for (const y of [box.min.y, box.max.y]) for (const z of [box.min.z, box.max.z]) {
      const p = new THREE.Vector3(x, y, z).sub(centre);
      across = Math.max(across, Math.abs(p.dot(right)));
      high = Math.max(high, Math.abs(p.dot(upv)));
      deep = Math.max(deep, p.dot(dir));
    }
    const vfov = THREE.MathUtils.degToRad(this.camera.fov);
    const hfov = 2 * Math.atan(Math.tan(vfov / 2) * this.camera.aspect);
    // the devices fill the middle of the view: a band above and below is left for the labels
    const labelled = dir.z > 0.3;
    const [fx, fy] = labelled ? FILL_LABELLED : FILL;
    const distance = deep + Math.max(high / Math.tan(vfov / 2) / fy, across / Math.tan(hfov / 2) / fx);
    this.camera.up.copy(upv);
    this.camera.position.copy(centre).addScaledVector(dir, distance);
    this.camera.near = Math.max(distance / 100, 0.1);
    this.camera.far = distance * 10;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(centre);
    this.controls.update();
    this.markPressed();
    this.requestRender();
  }

  setColour(mode) {
    this.colour = mode;
    const values = this.devices.map(d => {
      const pos = d.geometry.getAttribute('position');
      return Float32Array.from({ length: pos.count }, (_, i) => (mode === 'thickness' ? d.thickness[i] / 100 : pos.getZ(i)));
    });
    const max = mode === 'none' ? 1 : this.scene.legend[mode].max;       // the picture's range, from the page's data
    this.devices.forEach((d, k) => {
      const colours = new Float32Array(values[k].length * 3);
      values[k].forEach((v, i) => {
        colours.set(mode === 'none' ? [0.82, 0.7, 0.55] : viridis(v / max), 3 * i);
      });
      d.geometry.setAttribute('color', new THREE.BufferAttribute(colours, 3));
    });
    this.drawLegend(mode);
    this.requestRender();
  }

  drawLegend(mode) {
    const legend = document.getElementById('legend');
    legend.hidden = mode === 'none';
    const bar = document.getElementById('legend-bar').getContext('2d');
    for (let x = 0; x < 220; x++) {
      const [r, g, b] = viridis(x / 219);
      bar.fillStyle = `rgb(${r * 255},${g * 255},${b * 255})`;
      bar.fillRect(x, 0, 1, 12);
    }
    legend.title = mode === 'thickness' ? 'thickness, top minus bottom (mm)' : 'height above the ground (mm)';
    const ticks = document.getElementById('legend-ticks');
    if (mode === 'none') return;
    const labels = this.scene.legend[mode].ticks;
    ticks.replaceChildren(...labels.map((t, k) => el('span', {}, k === labels.length - 1 ? `${t} mm` : t)));
  }

  buildLabels() {
    const layer = document.getElementById('labels');
    this.labels = [];
    this.devices.forEach(d => {
      for (const l of d.data.labels) {
        const node = el('div', { class: `label ${l.kind}` }, l.text);
        layer.appendChild(node);
        this.labels.push({ device: d, node, kind: l.kind, at: new THREE.Vector3(...l.at) });
        if (l.sd) {
          // the landmark's 1-SD ellipse along and across the foot, drawn over the device's top
          const ring = [];
          for (let k = 0; k < 48; k++) {
            const t = 2 * Math.PI * k / 48;
            ring.push(new THREE.Vector3(l.at[0] + l.sd[0] * Math.cos(t), l.at[1] + l.sd[1] * Math.sin(t), l.at[2] + 0.3));
          }
          const line = new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(ring),
            new THREE.LineBasicMaterial({ color: 0x1f5fbf, depthTest: false, transparent: true, opacity: 0.9 }));
          line.renderOrder = 2;
          line.userData.landmarkRing = true;
          d.group.add(line);
        }
      }
    });
  }

  // Labels stand outside the devices, in a band above or below them, joined to their points by
  // a leader line, so no label covers the geometry; a label with no room is hidden (features are
  // placed before landmarks). Seen from the side, the top's points are not labelled at all.
  placeLabels() {
    const showFeatures = document.getElementById('show-labels').checked;
    const showLandmarks = document.getElementById('show-landmarks').checked;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    const devices = this.deviceRects();
    const all = devices.reduce((u, r) => ({ left: Math.min(u.left, r.left), right: Math.max(u.right, r.right),
      top: Math.min(u.top, r.top), bottom: Math.max(u.bottom, r.bottom) }), { left: w, right: 0, top: h, bottom: 0 });
    const leaders = document.getElementById('leaders');
    leaders.replaceChildren();
    const placed = [];
    const rowH = 24;                    // a label is 21 px tall at 12 px type
    const ordered = [...this.labels].sort((a, b) => (a.kind === 'feature' ? 0 : 1) - (b.kind === 'feature' ? 0 : 1));
    const fromAbove = this.labelsShown();
    for (const l of ordered) {
      l.node.style.display = 'none';
      const wanted = fromAbove && l.device.group.visible && (l.kind === 'feature' ? showFeatures : showLandmarks);
      if (!wanted) continue;
      const p = l.at.clone().add(l.device.group.position).project(this.camera);
      const ax = (p.x + 1) / 2 * w, ay = (1 - p.y) / 2 * h;
      if (p.z >= 1 || ax < 0 || ax > w || ay < 0 || ay > h) continue;
      l.node.style.display = 'block';
      const lw = l.node.offsetWidth, lh = l.node.offsetHeight;
      const above = ay <= (all.top + all.bottom) / 2;
      let spot = null;
      for (let row = 0; spot === null; row++) {
        const top = above ? all.top - 8 - (row + 1) * rowH : all.bottom + 8 + row * rowH;
        if (top < 2 || top + lh > h - 2) break;
        let left = Math.min(Math.max(ax - lw / 2, 4), w - lw - 4);
        for (const o of placed) {           // slide right past a label already in this row
          if (o.top === top && left < o.right + 6 && o.left < left + lw + 6) left = o.right + 6;
        }
        if (left + lw <= w - 4 && !placed.some(o => o.top === top && left < o.right + 6 && o.left < left + lw + 6)) {
          spot = { left, top, right: left + lw, bottom: top + lh };
        }
      }
      if (spot === null) { l.node.style.display = 'none'; continue; }
      placed.push(spot);
      l.node.style.left = `${spot.left}px`;
      l.node.style.top = `${spot.top}px`;
      const end = [Math.min(Math.max(ax, spot.left + 4), spot.right - 4), above ? spot.bottom : spot.top];
      leaders.appendChild(svgLine(ax, ay, ...end, l.kind));
    }
    // what is where on screen, for a lab's script or a test to check
    window.insolegenLayout = { width: w, height: h, devices, labels: placed };
  }

  // Each visible device's box on screen: the corners of its bounding box, projected.
  deviceRects() {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    return this.devices.filter(d => d.group.visible).map(d => {
      const r = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
      for (const x of [d.box.min.x, d.box.max.x]) for (const y of [d.box.min.y, d.box.max.y]) for (const z of [d.box.min.z, d.box.max.z]) {
        const p = new THREE.Vector3(x, y, z).add(d.group.position).project(this.camera);
        const sx = (p.x + 1) / 2 * w, sy = (1 - p.y) / 2 * h;
        r.left = Math.min(r.left, sx); r.right = Math.max(r.right, sx);
        r.top = Math.min(r.top, sy); r.bottom = Math.max(r.bottom, sy);
      }
      return r;
    });
  }

  buildPanel() {
    document.getElementById('title').textContent = this.scene.name;
    document.title = `${this.scene.name}: insolegen 3D view`;
    const slider = document.getElementById('station');
    const longest = Math.max(...this.devices.map(d => d.box.max.x));
    slider.max = String(Math.ceil(longest));
    const first = this.devices[0].data.sections.find(s => s.what === 'arch apex') || this.devices[0].data.sections[0];
    slider.value = String(Math.round(first ? first.x : longest / 2));
    slider.addEventListener('input', () => this.drawProfile());
    const jumps = document.getElementById('jumps');
    for (const s of this.devices[0].data.sections) {
      const b = el('button', { type: 'button' }, s.what);
      b.addEventListener('click', () => { slider.value = String(Math.round(s.x)); this.drawProfile(); });
      jumps.appendChild(b);
    }
    this.drawChecks();
    const list = document.getElementById('prescription');
    for (const line of this.scene.prescription) list.appendChild(el('li', {}, line));
    if (this.scene.shoe.length) {
      document.getElementById('shoe-head').hidden = false;
      const shoe = document.getElementById('shoe');
      shoe.hidden = false;
      for (const line of this.scene.shoe) shoe.appendChild(el('li', {}, line));
    }
    document.getElementById('about').textContent =
      `${this.scene.source ? this.scene.source + ' · ' : ''}insolegen ${this.scene.tool} · three.js ${document.getElementById('three-gz').dataset.version}`;
    this.drawProfile();
  }

  // The focused device's prescribed-vs-measured table: its rows arrive written (the record's
  // numbers, rounded once, the quantities by name), as the console and the report show them.
  drawChecks() {
    const checks = this.focused().data.checks;
    const table = document.getElementById('checks');
    document.getElementById('checks-none').hidden = Boolean(checks);
    table.hidden = !checks;
    const rule = document.getElementById('checks-rule');
    rule.hidden = !(checks && checks.rule);
    rule.textContent = checks && checks.rule ? checks.rule : '';
    if (!checks) return;
    document.getElementById('checks-device').textContent = `the ${checks.device} device, measured from its mesh`;
    table.querySelector('thead').replaceChildren(el('tr', {}, ''));
    const head = table.querySelector('thead tr');
    checks.headers.forEach(text => head.appendChild(el('th', {}, text)));
    const body = table.querySelector('tbody');
    body.replaceChildren();
    for (const row of checks.rows) {
      const tr = el('tr', { class: !row.compared ? 'not' : (row.ok ? 'ok' : 'fail') });
      row.cells.forEach((text, k) => tr.appendChild(el('td', k === row.cells.length - 1 ? { class: 'verdict' } : {}, text)));
      if (row.note) tr.title = row.note;
      body.appendChild(tr);
    }
  }

  // The section across the focused device at the slider's distance from the heel, seen from
  // behind, heights drawn exaggerated (the factor is printed on the plot).
  drawProfile() {
    const d = this.focused();
    const g = d.grid;
    const x = Number(document.getElementById('station').value);
    const i = Math.round((x - g.x0) / g.step);
    for (const dev of this.devices) dev.plane.position.x = x;
    this.requestRender();
    const canvas = document.getElementById('profile');
    const ratio = window.devicePixelRatio || 1;
    const W = canvas.clientWidth, H = canvas.clientHeight;
    canvas.width = Math.round(W * ratio);
    canvas.height = Math.round(H * ratio);
    const c = canvas.getContext('2d');
    c.setTransform(ratio, 0, 0, ratio, 0, 0);
    c.clearRect(0, 0, W, H);
    c.font = '12px system-ui, sans-serif';
    const readout = document.getElementById('readout');
    canvas.dataset.station = String(x);
    const points = [];
    if (i >= 0 && i < g.nx) {
      for (let j = 0; j < g.ny; j++) {
        const top = g.top(i, j);
        if (Number.isFinite(top)) points.push({ y: g.y0 + j * g.step, top, bottom: g.bottom(i, j) });
      }
    }
    if (!points.length) {
      c.fillStyle = '#5b6575';
      c.fillText(`${x} mm from the heel: past the device`, 12, H / 2);
      readout.textContent = '';
      return;
    }
    // seen from behind, the right device's medial side (+y) is on the left
    const medialLeft = d.data.side !== 'left';
    const ys = points.map(p => p.y);
    const yMin = Math.min(...ys), yMax = Math.max(...ys);
    const zMax = Math.max(...points.map(p => p.top));
    const margin = { left: 44, right: 14, top: 30, bottom: 34 };
    const plotW = W - margin.left - margin.right, plotH = H - margin.top - margin.bottom;
    const exaggeration = this.scene.exaggeration;           // the picture's: one factor, stated on the plot
    const s = Math.min(plotW / Math.max(yMax - yMin, 1), plotH / Math.max(zMax * exaggeration, 1));
    const sx = y => margin.left + (yMax - y) * s;            // from behind, +y is on the left
    const sz = z => H - margin.bottom - z * s * exaggeration;
    c.strokeStyle = '#d6dbe3';
    c.fillStyle = '#5b6575';
    c.textAlign = 'right';
    const tick = zMax > 20 ? 10 : 5;
    for (let z = 0; z <= zMax + 0.01; z += tick) {
      c.beginPath(); c.moveTo(margin.left, sz(z)); c.lineTo(W - margin.right, sz(z)); c.stroke();
      c.fillText(`${z}`, margin.left - 6, sz(z) + 4);
    }
    c.save(); c.translate(12, margin.top + plotH / 2); c.rotate(-Math.PI / 2); c.textAlign = 'center';
    c.fillText('height (mm)', 0, 0); c.restore();
    c.beginPath();
    points.forEach((p, k) => (k ? c.lineTo(sx(p.y), sz(p.top)) : c.moveTo(sx(p.y), sz(p.top))));
    for (let k = points.length - 1; k >= 0; k--) c.lineTo(sx(points[k].y), sz(points[k].bottom));
    c.closePath();
    c.fillStyle = 'rgba(36, 88, 179, 0.25)';
    c.fill();
    c.strokeStyle = '#2458b3';
    c.lineWidth = 1.5;
    c.stroke();
    const high = points.reduce((a, b) => (b.top > a.top ? b : a));
    c.fillStyle = '#1d2430';
    c.beginPath(); c.arc(sx(high.y), sz(high.top), 3, 0, 2 * Math.PI); c.fill();
    c.textAlign = sx(high.y) > W / 2 ? 'right' : 'left';
    c.fillText(`${high.top.toFixed(1)} mm`, sx(high.y) + (c.textAlign === 'left' ? 6 : -6), sz(high.top) - 6);
    c.textAlign = 'left';
    c.fillStyle = '#5b6575';
    c.fillText(medialLeft ? 'medial' : 'lateral', margin.left, H - 10);
    c.textAlign = 'right';
    c.fillText(medialLeft ? 'lateral' : 'medial', W - margin.right, H - 10);
    c.textAlign = 'center';
    canvas.dataset.exaggeration = `seen from behind · heights ×${exaggeration}`;
    c.fillText(canvas.dataset.exaggeration, margin.left + plotW / 2, H - 10);
    const thick = points.map(p => p.top - p.bottom).filter(Number.isFinite);
    const medialEdge = medialLeft ? yMax : yMin;
    const length = d.box.max.x - d.box.min.x;
    readout.textContent = `${x} mm from the heel (${Math.round(100 * (x - d.box.min.x) / length)} % of the ${d.data.side || d.data.label} device): `
      + `top ${high.top.toFixed(1)} mm high, ${Math.abs(medialEdge - high.y).toFixed(0)} mm from the medial edge; `
      + `thickness ${Math.min(...thick).toFixed(1)}–${Math.max(...thick).toFixed(1)} mm; width ${(yMax - yMin).toFixed(0)} mm`;
  }

  resize() {
    const parent = this.canvas.parentElement;
    const w = parent.clientWidth, h = parent.clientHeight;
    if (!w || !h) return;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    if (!this.userMoved && this.view) this.setView(this.view);     // a new size refits the view, unless the user has moved it
    this.requestRender();
  }

  requestRender() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      const rings = document.getElementById('show-landmarks').checked;
      this.devices.forEach(d => d.group.children.forEach(c => { if (c.userData.landmarkRing) c.visible = rings; }));
      this.renderer.render(this.world, this.camera);
      this.placeLabels();
      if (this.firstFrame) {
        this.firstFrame = false;
        window.insolegenFirstFrameMs = performance.now();
        document.documentElement.dataset.ready = '1';
      }
    });
  }
}

(async function main() {
  const scene = JSON.parse(document.getElementById('scene').textContent);
  try {
    await loadThree();
    await new Viewer(scene).build();
  } catch (err) {
    const box = document.getElementById('error');
    box.textContent = `This view could not be drawn: ${err.message}. It needs a browser with WebGL (Chrome, Edge, Firefox or Safari from 2023 on).`;
    box.style.display = 'block';
    throw err;
  }
})();
