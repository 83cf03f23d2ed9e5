// `npm run bench -- <name>`: runs one benchmark (or all of them without a name).
const benchmarks: { [name: string]: () => Promise<{ run(): Promise<void> }> } = {
  driver: () => import('./driver.js'),
  kafka: () => import('./kafka.js'),
  eos: () => import('./eos.js'),
  peers: () => import('./peers.js'),
}

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'))
const names = requested.length > 0 ? requested : Object.keys(benchmarks)
for (const name of names) {
  const load = benchmarks[name]
  if (!load) {
    console.error(`Unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}`)
    process.exit(1)
  }
  console.log(`== ${name}`)
  await (await load()).run()
}
