/** Sum of the samples of one metric in a Prometheus text exposition whose labels include every label given. */
export function metricTotal(text: string, name: string, labels: { [label: string]: string } = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const labelText = line.slice(name.length + 1, line.indexOf('}'))
    if (Object.entries(labels).every(([label, value]) => labelText.includes(`${label}="${value}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}
