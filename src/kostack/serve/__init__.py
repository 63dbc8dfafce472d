"""What kostack's long-running modes share: the HTTP exporter, the metrics registry, Events.

`kostack watch` and `kostack guard` serve their endpoints with one server
(`kostack.serve.http`), build their Prometheus registries the same way
(`kostack.serve.metrics`) and post Kubernetes Events through one
rate-limited sink (`kostack.serve.events`). The layer sits below watch and
guard and above report: it knows HTTP, prometheus-client and the Event
format, nothing about diagnoses or ports.
"""
