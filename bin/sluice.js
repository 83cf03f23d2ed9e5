#!/usr/bin/env node
// Sluice runs from TypeScript sources (its own and the user's topology files) through tsx.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
