"""Continuous mode: `kostack watch` collects, diagnoses and probes in a loop and serves metrics.

The layer sits on top of collect, analyze and probe, below the CLI:

- `assess`: the one place that reads the engine's Diagnosis (verdict, node classes, flows);
- `sources`: where each cycle's snapshot comes from (a file, or OpenStack + Kubernetes);
- `probing`: a probe round per cycle on a rotating sample, summarised by node class;
- `history`: transitions of root causes, verdict and sources, with flap detection;
- `metrics`: the Prometheus exposition (bounded cardinality, see `series_bound`);
- `events`: Kubernetes Events on transitions, rate-limited;
- `loop`: the cycle, its timing and its faults.
"""
