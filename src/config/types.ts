// The Config types every stage may import (and nothing else from config/).
import type { ConfigShape } from './schema.js';

export type Config = Readonly<ConfigShape>;
export type CaptureConfig = Config['capture'];
export type FlowsConfig = Config['flows'];
export type LimitsConfig = Config['limits'];
export type OutputConfig = Config['output'];
export type WorkersConfig = Config['workers'];
