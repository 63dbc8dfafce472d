"""`kostack guard`: keep node ports right as nodes come and go (docs/guard.md).

The layer sits beside `kostack watch`, on top of collect, analyze, plan and
apply, and shares the exporter, the metrics registry and the Event sink
(`kostack.serve`):

- `ownership`: what guard added is marked (port tags, a rule description);
- `drift`: what the fix plan builder says the cluster needs, against what
  guard owns (one source of truth for "right");
- `breaker`: the circuit breaker and the write budget;
- `enforce`: conditional updates, ownership tags, the journal (`journal`);
- `source`: the reading of each pass (constant list calls);
- `lease`, `kwatch`: one leader per Lease; the Kubernetes watches that wake it;
- `loop`, `state`, `metrics`, `events`, `render`, `messages`, `run`.
"""
