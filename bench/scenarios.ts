/** Every benchmark scenario `helmsman bench` runs: how to run it, its targets, its default runs. */
import { ACTORS_TARGETS, benchActors } from './actors.js';
import { API_TARGETS, benchApi } from './api.js';
import { benchChurn, CHURN_TARGETS } from './churn.js';
import { benchCluster, CLUSTER_TARGETS } from './cluster.js';
import { benchDocker, DOCKER_TARGETS } from './docker.js';
import { benchLoad, LOAD_TARGETS } from './load-bench.js';
import { benchSoak, SOAK_TARGETS } from './soak.js';
import { benchProxy, PROXY_TARGETS } from './proxy.js';
import { benchRecovery, RECOVERY_TARGETS } from './recovery.js';
import { benchRemote, REMOTE_TARGETS } from './remote.js';
import { benchUi, UI_TARGETS, uiUnavailable } from './ui.js';
import type { Distribution, Series } from './results.js';
import type { Figure, Target } from './stats.js';
import { dockerAnswers, dockerSocket } from '../src/runtimes/docker.js';

/** What every scenario is given (each uses what applies to it). */
export interface ScenarioOptions {
  runs: number;
  scale: number;
  minions?: number;
  pods?: number;
  rate?: number;
  durationSec?: number;
  /** Tells what the scenario is doing now (one line). */
  progress: (line: string) => void;
}

/** What a scenario returns: its `--json` keys, its figures, and what the report charts. */
export interface ScenarioOutput {
  figures: Record<string, Figure>;
  distributions?: Record<string, Distribution>;
  series?: Record<string, Series>;
  /** What was not measured, and why (printed under the scenario's table, and in `--json`). */
  notes?: string[];
}

/** A scenario. */
export interface Scenario {
  run: (opts: ScenarioOptions) => Promise<ScenarioOutput>;
  targets: Record<string, Target>;
  defaultRuns: number;
  /** Why it cannot run here, if it cannot. */
  unavailable?: () => Promise<string | undefined>;
}

/** The scenarios, in the order `all` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  actors: { run: benchActors, targets: ACTORS_TARGETS, defaultRuns: 5 },
  api: { run: benchApi, targets: API_TARGETS, defaultRuns: 3 },
  cluster: { run: benchCluster, targets: CLUSTER_TARGETS, defaultRuns: 3 },
  churn: { run: benchChurn, targets: CHURN_TARGETS, defaultRuns: 3 },
  recovery: { run: benchRecovery, targets: RECOVERY_TARGETS, defaultRuns: 3 },
  proxy: { run: benchProxy, targets: PROXY_TARGETS, defaultRuns: 5 },
  load: { run: benchLoad, targets: LOAD_TARGETS, defaultRuns: 1 },
  soak: { run: benchSoak, targets: SOAK_TARGETS, defaultRuns: 1 },
  remote: { run: benchRemote, targets: REMOTE_TARGETS, defaultRuns: 1 },
  ui: { run: benchUi, targets: UI_TARGETS, defaultRuns: 3, unavailable: uiUnavailable },
  docker: {
    run: benchDocker,
    targets: DOCKER_TARGETS,
    defaultRuns: 3,
    unavailable: async () => ((await dockerAnswers()) ? undefined : `no Docker engine answers at ${dockerSocket()}`),
  },
};
