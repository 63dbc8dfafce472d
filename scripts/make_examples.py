"""Write the generated files: examples/*.json from the builders, docs/snapshot.schema.json
from the model and docs/checks.md from the check modules. Tests check all are in sync."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kostack.model import Snapshot
from kostack_testkit import checks_doc
from kostack_testkit.antrea import ANTREA_EXAMPLES, antrea_example_doc
from kostack_testkit.builders import EXAMPLES, example_doc
from kostack_testkit.calico_address import CALICO_ADDRESS_EXAMPLES, calico_address_example_doc
from kostack_testkit.calico_ebpf import CALICO_EBPF_EXAMPLES, calico_ebpf_example_doc
from kostack_testkit.dualstack import DUALSTACK_EXAMPLES, dualstack_example_doc
from kostack_testkit.egress import EGRESS_EXAMPLES, egress_example_doc
from kostack_testkit.kubeovn import KUBE_OVN_EXAMPLES, kube_ovn_example_doc
from kostack_testkit.kuberouter import KUBE_ROUTER_EXAMPLES, kube_router_example_doc
from kostack_testkit.lb_fixtures import LB_EXAMPLES, lb_example_doc
from kostack_testkit.metallb import METALLB_EXAMPLES, metallb_example_doc
from kostack_testkit.multipool import MULTIPOOL_EXAMPLES, multipool_example_doc
from kostack_testkit.node_ports import NODE_PORT_EXAMPLES, node_port_example_doc
from kostack_testkit.ovnk import OVNK_EXAMPLES, ovnk_example_doc
from kostack_testkit.reflectors import REFLECTOR_EXAMPLES, reflector_example_doc
from kostack_testkit.service_proxy import SERVICE_PROXY_EXAMPLES, service_proxy_example_doc

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    registries = (
        (EXAMPLES, example_doc),
        (DUALSTACK_EXAMPLES, dualstack_example_doc),
        (REFLECTOR_EXAMPLES, reflector_example_doc),
        (MULTIPOOL_EXAMPLES, multipool_example_doc),
        (KUBE_ROUTER_EXAMPLES, kube_router_example_doc),
        (ANTREA_EXAMPLES, antrea_example_doc),
        (KUBE_OVN_EXAMPLES, kube_ovn_example_doc),
        (LB_EXAMPLES, lb_example_doc),
        (CALICO_ADDRESS_EXAMPLES, calico_address_example_doc),
        (METALLB_EXAMPLES, metallb_example_doc),
        (EGRESS_EXAMPLES, egress_example_doc),
        (CALICO_EBPF_EXAMPLES, calico_ebpf_example_doc),
        (NODE_PORT_EXAMPLES, node_port_example_doc),
        (SERVICE_PROXY_EXAMPLES, service_proxy_example_doc),
        (OVNK_EXAMPLES, ovnk_example_doc),
    )
    for registry, make in registries:
        for name in registry:
            path = ROOT / "examples" / f"{name}.json"
            text = json.dumps(make(name), indent=2, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
            print(path.relative_to(ROOT))
    schema = ROOT / "docs" / "snapshot.schema.json"
    schema.write_text(json.dumps(Snapshot.model_json_schema(), indent=2) + "\n", encoding="utf-8")
    print(schema.relative_to(ROOT))
    checks = ROOT / "docs" / "checks.md"
    checks.write_text(checks_doc.render(), encoding="utf-8")
    print(checks.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
