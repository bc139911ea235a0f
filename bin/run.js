#!/usr/bin/env node
import {execute} from '@oclif/core'

// React (bl browse, progress views) runs its production build: the development one is slower and warns.
process.env.NODE_ENV ??= 'production'

await execute({dir: import.meta.url})
