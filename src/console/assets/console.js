// The Sluice console's page: polls the application's /api and /stores endpoints and draws
// what it reads. No framework and nothing from elsewhere: the page must work offline.

const STATUS_EVERY_MS = 500
const SLOWER_EVERY_MS = 2000
const SVG = 'http://www.w3.org/2000/svg'

const $ = (selector) => document.querySelector(selector)

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'class') node.className = value
    // Through the CSSOM: the page's policy refuses style attributes.
    else if (name === 'style') node.style.cssText = value
    else node.setAttribute(name, String(value))
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child))
  return node
}

function svgElement(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) node.setAttribute(name, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } })
  const body = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }))
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`)
  return body
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
const fmt = (value) => (value === undefined || value === null ? '–' : number.format(value))
const time = (ms) => (ms === undefined || ms === null || ms < 0 ? '–' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))
const clock = (ms) => new Date(ms).toISOString().slice(11, 19)
/** A decoded key or value as text; a windowed key as `key [start–end)`. */
function text(value) {
  if (typeof value === 'string') return value
  if (value && typeof value === 'object' && 'window' in value && 'key' in value && value.window && typeof value.window.start === 'number') {
    return `${text(value.key)} [${clock(value.window.start)}–${clock(value.window.end)})`
  }
  return JSON.stringify(value)
}
const short = (value, length = 26) => (value.length > length ? `${value.slice(0, length - 1)}…` : value)

/** Polls `work` every `everyMs`, never two at once, and reports failures in the header. */
function every(everyMs, work) {
  let running = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      await work()
      $('#connection').textContent = ''
    } catch (error) {
      $('#connection').textContent = `not answering: ${error.message}`
    } finally {
      running = false
    }
  }
  void tick()
  setInterval(tick, everyMs)
}

// ---- topology ----------------------------------------------------------------------------

const NODE_W = 178
const NODE_H = 38
const GAP_X = 46
const GAP_Y = 12
const PAD = 14

/** Lays each sub-topology out left to right by depth, its topics at its edges, its stores under their processors. */
function drawTopology(topology) {
  const { picture } = topology
  const byId = new Map()
  for (const cluster of picture.clusters) for (const node of cluster.nodes) byId.set(node.id, node)
  for (const node of picture.topics) byId.set(node.id, node)
  const svg = svgElement('svg', { role: 'img', 'aria-label': `topology of ${picture.title}` })
  const positions = new Map()
  let top = 0
  let width = 0
  picture.clusters.forEach((cluster, index) => {
    const inCluster = new Set(cluster.nodes.map((node) => node.id))
    const dataEdges = picture.edges.filter((edge) => edge.kind === 'data' && inCluster.has(edge.to) && inCluster.has(edge.from))
    const depth = new Map()
    const depthOf = (id, seen = new Set()) => {
      if (depth.has(id)) return depth.get(id)
      if (seen.has(id)) return 0
      seen.add(id)
      const parents = dataEdges.filter((edge) => edge.to === id).map((edge) => edge.from)
      const value = parents.length === 0 ? 1 : Math.max(...parents.map((parent) => depthOf(parent, seen))) + 1
      depth.set(id, value)
      return value
    }
    const flowing = cluster.nodes.filter((node) => node.kind !== 'store')
    for (const node of flowing) depthOf(node.id)
    const maxDepth = Math.max(1, ...flowing.map((node) => depth.get(node.id)))
    // Topics feeding this cluster's sources sit in column 0, those its sinks write after the last column.
    const inTopics = picture.edges.filter((edge) => edge.kind === 'data' && inCluster.has(edge.to) && !inCluster.has(edge.from)).map((edge) => edge.from)
    const outTopics = picture.edges.filter((edge) => edge.kind === 'data' && inCluster.has(edge.from) && !inCluster.has(edge.to)).map((edge) => edge.to)
    const columns = new Map()
    const place = (key, column) => {
      if (!columns.has(column)) columns.set(column, [])
      columns.get(column).push(key)
    }
    for (const topic of new Set(inTopics)) place({ id: topic, slot: `in:${topic}` }, 0)
    for (const node of flowing) place({ id: node.id, slot: node.id }, depth.get(node.id))
    for (const topic of new Set(outTopics)) place({ id: topic, slot: `out:${topic}` }, maxDepth + 1)
    const storeEdges = picture.edges.filter((edge) => edge.kind === 'store' && inCluster.has(edge.from))
    for (const store of cluster.nodes.filter((node) => node.kind === 'store')) {
      const user = storeEdges.find((edge) => edge.to === store.id)
      place({ id: store.id, slot: store.id }, user ? depth.get(user.from) : 1)
    }
    const rows = Math.max(...[...columns.values()].map((list) => list.length))
    const height = PAD * 2 + 18 + rows * (NODE_H + GAP_Y)
    const clusterWidth = PAD * 2 + (maxDepth + 2) * (NODE_W + GAP_X) - GAP_X
    const group = svgElement('g', { class: 'cluster', 'data-subtopology': index, transform: `translate(0, ${top})` })
    group.append(svgElement('rect', { x: 0.5, y: 0.5, width: clusterWidth, height, rx: 6 }))
    group.append(svgElement('text', { x: PAD, y: PAD + 6, class: 'cluster-label' }, cluster.label))
    for (const [column, list] of columns) {
      list.forEach((entry, row) => {
        const x = PAD + column * (NODE_W + GAP_X)
        const y = PAD + 18 + row * (NODE_H + GAP_Y)
        positions.set(entry.slot, { x, y: y + top })
        const node = byId.get(entry.id)
        const box = svgElement('g', { class: `node ${node.kind}`, 'data-node': node.label, transform: `translate(${x}, ${y})` })
        box.append(svgElement('title', {}, node.label))
        box.append(svgElement('rect', { width: NODE_W, height: NODE_H, rx: node.kind === 'topic' ? 17 : 4 }))
        box.append(svgElement('text', { x: 8, y: 15 }, short(node.label)))
        box.append(svgElement('text', { x: 8, y: 30, class: 'rate' }, node.kind === 'topic' ? 'topic' : node.kind === 'store' ? 'store' : ''))
        group.append(box)
      })
    }
    const slotOf = (id, side) => (inCluster.has(id) ? id : `${side}:${id}`)
    const edgeGroup = svgElement('g', { class: 'edges' })
    for (const edge of picture.edges) {
      if (!inCluster.has(edge.from) && !inCluster.has(edge.to)) continue
      const from = positions.get(slotOf(edge.from, 'in'))
      const to = positions.get(slotOf(edge.to, edge.kind === 'data' && !inCluster.has(edge.to) ? 'out' : 'in'))
      if (!from || !to) continue
      const y1 = from.y - top + NODE_H / 2
      const y2 = to.y - top + NODE_H / 2
      const path =
        edge.kind === 'store'
          ? `M ${from.x + NODE_W / 2} ${from.y - top + NODE_H} L ${to.x + NODE_W / 2} ${to.y - top}`
          : `M ${from.x + NODE_W} ${y1} C ${from.x + NODE_W + GAP_X / 2} ${y1}, ${to.x - GAP_X / 2} ${y2}, ${to.x} ${y2}`
      edgeGroup.append(svgElement('path', { d: path, class: `edge ${edge.kind}` }))
    }
    group.prepend(edgeGroup)
    svg.append(group)
    top += height + 12
    width = Math.max(width, clusterWidth + 1)
  })
  svg.setAttribute('width', width)
  svg.setAttribute('height', top)
  svg.setAttribute('viewBox', `0 0 ${width} ${top}`)
  $('#topology').replaceChildren(svg)
}

function showNodeRates(rates) {
  for (const box of document.querySelectorAll('#topology .node')) {
    if (box.classList.contains('topic') || box.classList.contains('store')) continue
    const rate = rates[box.dataset.node]
    box.querySelector('.rate').textContent = rate === undefined ? '' : `${fmt(rate)} rec/s`
  }
}

// ---- status: header, totals, tasks ----------------------------------------------------------

function showStatus(status) {
  $('#application').textContent = status.applicationId
  document.title = `Sluice · ${status.applicationId}`
  const state = status.rebalancing && status.state === 'RUNNING' ? 'REBALANCING' : status.state
  const badge = $('#state')
  badge.textContent = state
  badge.className = `badge state-${state}`
  $('#instance').textContent = `${status.guarantee.replace(/_/g, '-')} · ${status.instance.host} pid ${status.instance.pid} · up ${fmt((status.nowMs - status.startedAtMs) / 1000)} s`
  const totals = status.totals
  const cells = [
    ['records processed', totals.recordsProcessed, 'recordsProcessed'],
    ['records produced', totals.recordsProduced, 'recordsProduced'],
    ['lag', totals.lag, 'lag'],
    ['late dropped', totals.lateRecordsDropped, 'lateRecordsDropped'],
    ['dead letters', totals.deadLetters, 'deadLetters'],
    ['duplicates dropped', totals.duplicatesDropped, 'duplicatesDropped'],
    ['commits', totals.commits, 'commits'],
    ['mean commit ms', totals.commits > 0 ? (1000 * totals.commitSeconds) / totals.commits : null, 'commitMs'],
    ['rebalances', totals.rebalances, 'rebalances'],
    ['tasks', status.tasks.length, 'tasks'],
  ]
  $('#totals').replaceChildren(...cells.map(([label, value, key]) => element('div', { class: 'total', 'data-total': key }, element('b', {}, fmt(value)), label)))
  const owner = `${status.instance.host}:${status.instance.pid}`
  const rows = status.tasks.map((task) => {
    const stateCell = element('td', { class: 'state' }, element('span', { class: `badge state-${task.state}` }, task.state))
    if (task.restore) {
      const percent = task.restore.totalOffsets > 0 ? (100 * task.restore.restoredOffsets) / task.restore.totalOffsets : 100
      stateCell.append(element('span', { class: 'progress', title: `${task.restore.restoredOffsets} of ${task.restore.totalOffsets} changelog offsets` }, element('span', { style: `width: ${percent.toFixed(0)}%` })))
      stateCell.append(element('span', { class: 'muted' }, ` ${percent.toFixed(0)}%`))
    }
    const partitions = task.partitions.map((partition) => `${partition.topic}-${partition.partition}`).join('\n')
    const committed = task.partitions.map((partition) => partition.committedOffset ?? '–').join('\n')
    const lag = task.partitions.map((partition) => fmt(partition.lag)).join('\n')
    return element(
      'tr',
      { 'data-task': task.taskId },
      element('td', { class: 'mono' }, task.taskId),
      stateCell,
      element('td', { class: 'mono' }, owner),
      element('td', { class: 'mono pre' }, partitions || '–'),
      element('td', { class: 'mono' }, committed || '–'),
      element('td', { class: 'mono' }, lag || '–'),
      element('td', {}, fmt(task.recordsProcessed)),
      element('td', { class: 'mono' }, time(task.streamTimeMs)),
    )
  })
  $('#tasks tbody').replaceChildren(...(rows.length > 0 ? rows : [element('tr', {}, element('td', { colspan: 8, class: 'muted' }, 'no tasks on this instance yet'))]))
  showNodeRates(status.nodeRates ?? {})
}

// ---- charts ---------------------------------------------------------------------------------

const CHARTS = [
  { key: 'records', title: 'records/s', lines: [['recordsInPerSecond', 'in', '#2463eb'], ['recordsOutPerSecond', 'out', '#1a7f37']] },
  { key: 'commit', title: 'commit latency (ms)', lines: [['commitLatencyMs', 'mean', '#7b4ad1']] },
  { key: 'lag', title: 'records lag', lines: [['lag', 'lag', '#b76e00']] },
  { key: 'drops', title: 'late drops and dead letters /s', lines: [['lateDropsPerSecond', 'late', '#b76e00'], ['deadLettersPerSecond', 'dead letters', '#c62828']] },
]

function drawCharts(samples) {
  const container = $('#charts')
  if (container.childElementCount === 0) {
    for (const chart of CHARTS) container.append(element('div', { class: 'chart', 'data-chart': chart.key }, element('h3', {}, chart.title), svgElement('svg', { viewBox: '0 0 300 110', preserveAspectRatio: 'none' }), element('div', { class: 'legend' })))
  }
  const width = 300
  const height = 100
  for (const chart of CHARTS) {
    const box = container.querySelector(`[data-chart="${chart.key}"]`)
    const svg = box.querySelector('svg')
    const values = chart.lines.flatMap(([field]) => samples.map((sample) => sample[field]).filter((value) => value !== null))
    const max = Math.max(1, ...values)
    const t0 = samples.length > 0 ? samples[0].atMs : 0
    const span = Math.max(1, samples.length > 0 ? samples[samples.length - 1].atMs - t0 : 1)
    const children = [svgElement('line', { x1: 0, y1: height, x2: width, y2: height, class: 'edge' }), svgElement('text', { x: 2, y: 10 }, fmt(max))]
    for (const [field, , color] of chart.lines) {
      const points = samples.filter((sample) => sample[field] !== null).map((sample) => `${(((sample.atMs - t0) / span) * width).toFixed(1)},${(height - (sample[field] / max) * (height - 12)).toFixed(1)}`)
      if (points.length > 0) children.push(svgElement('polyline', { points: points.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }))
    }
    svg.replaceChildren(...children)
    const last = samples[samples.length - 1]
    box.querySelector('.legend').replaceChildren(...chart.lines.map(([field, label, color]) => element('span', { style: `color: ${color}; margin-right: 10px` }, `${label}: ${fmt(last ? last[field] : null)}`)))
  }
}

// ---- windows and outputs ----------------------------------------------------------------------

function numericOf(value) {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  if (value && typeof value === 'object') for (const field of ['count', 'total', 'sum', 'value']) if (typeof value[field] === 'number') return value[field]
  return undefined
}

function drawWindows(latest) {
  const section = element('div', { class: 'bars', 'data-window-store': latest.store })
  if (!latest.window) section.append(element('h3', { class: 'muted' }, `${latest.store}: no window yet`))
  else section.append(drawWindow(`${latest.store}, newest window ${time(latest.window.start)} – ${clock(latest.window.end)}`, latest.entries, 'newest'))
  if (latest.previous) section.append(drawWindow(`the one before, ${time(latest.previous.window.start)} – ${clock(latest.previous.window.end)}`, latest.previous.entries, 'previous'))
  return section
}

function drawWindow(title, windowEntries, which) {
  const section = element('div', { 'data-window': which }, element('h3', { class: 'muted' }, title))
  const entries = windowEntries.map((entry) => ({ key: text(entry.key), value: entry.value, amount: numericOf(entry.value) })).sort((a, b) => (b.amount ?? 0) - (a.amount ?? 0) || a.key.localeCompare(b.key))
  const max = Math.max(1, ...entries.map((entry) => entry.amount ?? 0))
  for (const entry of entries) {
    const width = entry.amount === undefined ? 0 : (100 * entry.amount) / max
    section.append(element('div', { class: 'bar-row', 'data-key': entry.key }, element('span', { class: 'mono', title: entry.key }, short(entry.key, 22)), element('div', {}, element('div', { class: 'bar', style: `width: ${width.toFixed(1)}%` })), element('span', { class: 'value' }, entry.amount === undefined ? short(text(entry.value), 12) : fmt(entry.amount))))
  }
  return section
}

function drawOutputs(topics) {
  const container = $('#outputs')
  const names = Object.keys(topics)
  if (names.length === 0) return container.replaceChildren(element('p', { class: 'muted' }, 'nothing written to an output topic yet'))
  container.replaceChildren(
    ...names.map((topic) => {
      const list = element('ul', { class: 'feed', 'data-output-topic': topic })
      for (const entry of [...topics[topic]].reverse().slice(0, 30)) {
        const value = entry.value
        const level = value && typeof value === 'object' && typeof value.level === 'string' ? value.level : undefined
        const item = element('li', { class: 'output' })
        if (level) item.append(element('span', { class: `level level-${level}` }, level))
        item.append(element('span', { class: 'mono' }, `${short(text(entry.key), 40)} → ${short(text(value), 160)}`), element('span', { class: 'muted' }, ` ${time(entry.timestamp)}`))
        list.append(item)
      }
      return element('div', {}, element('h3', { class: 'muted' }, topic), list)
    }),
  )
}

// ---- dead letters ------------------------------------------------------------------------------

function drawDeadLetters(answer) {
  $('#dead-letter-topic').textContent = answer.topic ? `to ${answer.topic}, latest of this instance` : 'no dead-letter topic configured: a bad record stops the application'
  const rows = [...answer.deadLetters].reverse().map((letter) =>
    element(
      'tr',
      { class: 'dead-letter' },
      element('td', { class: 'mono' }, time(letter.atMs)),
      element('td', { class: 'mono' }, `${letter.headers['sluice.source.topic'] ?? letter.topic}-${letter.headers['sluice.source.partition'] ?? letter.partition}@${letter.headers['sluice.source.offset'] ?? letter.offset}`),
      element('td', {}, letter.headers['sluice.error.reason'] ?? ''),
      element('td', {}, letter.error),
      element('td', { class: 'mono' }, letter.key === undefined ? 'null' : short(letter.key, 60)),
      element('td', { class: 'mono' }, letter.value === undefined ? 'null' : short(letter.value, 120)),
    ),
  )
  $('#dead-letters tbody').replaceChildren(...(rows.length > 0 ? rows : [element('tr', {}, element('td', { colspan: 6, class: 'muted' }, 'none'))]))
}

// ---- store browser -----------------------------------------------------------------------------

const OPERATIONS = { keyValue: ['get', 'range', 'prefix', 'count'], window: ['fetch', 'count'], session: ['fetch', 'count'] }
const FIELDS = { get: ['key'], range: ['from', 'to'], prefix: ['prefix'], fetch: ['key', 'from', 'to'], count: [] }
let storeTypes = new Map()
let nextCursor

function setUpStoreBrowser(stores) {
  storeTypes = new Map(stores.map((store) => [store.name, store.type]))
  const name = $('#store-name')
  name.replaceChildren(...stores.map((store) => element('option', { value: store.name }, `${store.name} (${store.type})`)))
  const showOperations = () => {
    const operations = OPERATIONS[storeTypes.get(name.value)] ?? []
    $('#store-op').replaceChildren(...operations.map((op) => element('option', { value: op }, op)))
    showFields()
  }
  const showFields = () => {
    const fields = FIELDS[$('#store-op').value] ?? []
    for (const label of document.querySelectorAll('#store-form label[data-for]')) label.hidden = !fields.includes(label.dataset.for)
  }
  name.addEventListener('change', showOperations)
  $('#store-op').addEventListener('change', showFields)
  showOperations()
  $('#store-form').addEventListener('submit', (event) => {
    event.preventDefault()
    void queryStore(undefined)
  })
  $('#store-next').addEventListener('click', () => void queryStore(nextCursor))
}

async function queryStore(cursor) {
  const name = $('#store-name').value
  const op = $('#store-op').value
  const params = new URLSearchParams()
  for (const field of FIELDS[op] ?? []) {
    const value = $(`#store-${field}`).value
    if (value !== '') params.set(field, value)
  }
  params.set('limit', $('#store-limit').value || '50')
  if (cursor) params.set('cursor', cursor)
  const message = $('#store-message')
  message.textContent = 'querying…'
  try {
    const answer = await getJson(`/stores/${encodeURIComponent(name)}/${op}?${params}`)
    if ('count' in answer) {
      message.textContent = `${answer.count} entries`
      $('#store-results tbody').replaceChildren()
      $('#store-next').hidden = true
      return
    }
    const rows = answer.rows.map((row) => element('tr', { class: 'store-row' }, element('td', { class: 'mono' }, text(row.key)), element('td', { class: 'mono' }, row.window ? `${time(row.window.start)} – ${time(row.window.end)}` : ''), element('td', { class: 'mono' }, text(row.value)), element('td', { class: 'mono' }, row.task)))
    const tbody = $('#store-results tbody')
    if (cursor) tbody.append(...rows)
    else tbody.replaceChildren(...rows)
    nextCursor = answer.next
    $('#store-next').hidden = answer.next === undefined
    message.textContent = rows.length === 0 && !cursor ? 'no entries' : `${tbody.childElementCount} entries shown${answer.next ? ', more follow' : ''}`
  } catch (error) {
    message.textContent = `failed: ${error.message}`
  }
}

// ---- start -------------------------------------------------------------------------------------

async function start() {
  const topology = await getJson('/api/topology')
  drawTopology(topology)
  setUpStoreBrowser(topology.stores)
  const windowStores = topology.stores.filter((store) => store.type === 'window')
  every(STATUS_EVERY_MS, async () => showStatus(await getJson('/api/status')))
  every(SLOWER_EVERY_MS, async () => drawCharts((await getJson('/api/history')).samples))
  every(SLOWER_EVERY_MS, async () => drawOutputs((await getJson('/api/outputs')).topics))
  every(SLOWER_EVERY_MS, async () => drawDeadLetters(await getJson('/api/dead-letters')))
  every(SLOWER_EVERY_MS, async () => {
    if (windowStores.length === 0) return $('#windows').replaceChildren(element('p', { class: 'muted' }, 'this topology has no window store'))
    const latest = await Promise.all(windowStores.map((store) => getJson(`/api/windows/${encodeURIComponent(store.name)}`)))
    $('#windows').replaceChildren(...latest.map(drawWindows))
  })
}

start().catch((error) => {
  $('#connection').textContent = `the console could not start: ${error.message}`
})
