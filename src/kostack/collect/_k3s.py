"""k3s: one process runs the control plane, kube-proxy and flannel, so none of them has a pod
or a ConfigMap to read. Each node says how k3s was started in its `k3s.io/node-args`
annotation (k3s pkg/nodeconfig `getNodeArgs`: the command line with the config file's
flags, `--flag=value` split in two, secrets replaced by "********"); a server's holds the
network flags (k3s pkg/cli/cmds/server.go): `--cluster-cidr` (default 10.42.0.0/16),
`--service-cidr` (10.43.0.0/16), `--flannel-backend` ('none', 'vxlan' (default),
'host-gw', 'wireguard-native'), `--flannel-conf` (a net-conf.json of one's own),
`--flannel-ipv6-masq`, `--kube-proxy-arg` (kube-proxy's flags, e.g. proxy-mode=ipvs) and
`--disable-kube-proxy`. k3s writes flannel's net-conf.json from fixed templates
(pkg/agent/flannel/setup.go, setup_linux.go: vxlan `{"Type": "vxlan"}`, so flannel's
Linux port 8472; wireguard-native `{"Type": "wireguard"}`, port 51820) and its flannel
masquerades IPv4 always.

Older releases wrote node-args differently. The first (v1.17.3, k3s PR #1383) split every
argument holding "=", so `--kube-proxy-arg proxy-mode=ipvs` became three entries
("--kube-proxy-arg", "proxy-mode", "ipvs"); later ones split only `--flag=value`. And before
v1.21.1 (k3s PR #3290, issue #3289, not backported) node-args held the command line only, not
the flags of /etc/rancher/k3s/config.yaml (read since v1.19.1): on such a server a flag missing
from node-args may be set there, so kostack takes no default for it. Sources in
docs/facts.md.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kostack.collect._kube_config import proxy_mode
from kostack.collect._kube_objects import annotations_of, as_dict, flag_value, parse_cidrs
from kostack.model.snapshot import Flannel, IPNetwork, KubeProxyMode

NODE_ARGS: Final = "k3s.io/node-args"
SOURCE: Final = "k3s server flags (node annotation k3s.io/node-args)"
# --flannel-backend -> flannel's backend type (what flanneld's backend-type annotation says)
_BACKENDS: Final[Mapping[str, Any]] = {
    "vxlan": ("vxlan", 8472),
    "host-gw": ("host-gw", None),
    "wireguard-native": ("wireguard", 51820),
}


@dataclass(frozen=True)
class K3sServer:
    """The network settings of a k3s server, from its node-args."""

    args: tuple[str, ...]
    # k3s before v1.21.1: node-args leaves out the config file's flags, so a flag it does not
    # hold is not known (no default is taken for it).
    partial: bool = False

    @staticmethod
    def of(node: Mapping[str, Any]) -> K3sServer | None:
        """A server's settings; None for an agent or a node k3s did not start."""
        text = annotations_of(node).get(NODE_ARGS)
        try:
            args = json.loads(text) if isinstance(text, str) and len(text) < 65536 else None
        except ValueError:
            return None
        if not isinstance(args, list) or not args or args[0] != "server":
            return None
        info = as_dict(as_dict(node.get("status")).get("nodeInfo"))
        release = re.match(r"v?(\d+)\.(\d+)\.(\d+)", str(info.get("kubeletVersion") or ""))
        older = release is not None and tuple(map(int, release.groups())) < (1, 21, 1)
        return K3sServer(tuple(str(a) for a in args), partial=older)

    @property
    def servicelb(self) -> bool | None:
        """Whether k3s runs its ServiceLB: off when ``--disable`` or ``--no-deploy`` names
        ``servicelb`` (each value comma-split, k3s pkg/cli/server/server.go: such a Skip sets
        DisableServiceLB), on otherwise; None for an older server that did not name it (its
        config file may)."""
        for index, arg in enumerate(self.args):
            name, eq, value = arg.partition("=")
            if name not in ("--disable", "--no-deploy"):
                continue
            said = value if eq else (self.args[index + 1] if index + 1 < len(self.args) else "")
            if "servicelb" in (v.strip() for v in said.split(",")):
                return False
        return None if self.partial else True

    def _value(self, flag: str, default: str) -> str | None:
        return flag_value(self.args, flag) or (None if self.partial else default)

    @property
    def cluster_cidrs(self) -> tuple[IPNetwork, ...] | None:
        return parse_cidrs(self._value("--cluster-cidr", "10.42.0.0/16") or "")

    @property
    def service_cidrs(self) -> tuple[IPNetwork, ...] | None:
        return parse_cidrs(self._value("--service-cidr", "10.43.0.0/16") or "")

    @property
    def proxy_mode(self) -> KubeProxyMode | None:
        """kube-proxy's mode (its default iptables); "none" with --disable-kube-proxy; None
        when the mode given is not one kostack knows, or none is given to an older server
        (its config file may set one)."""
        if "--disable-kube-proxy" in self.args:
            return "none"
        mode: str | None = None
        args = self.args
        for index, argument in enumerate(args[:-1]):
            value = args[index + 1].lstrip("-")
            if argument != "--kube-proxy-arg":
                continue
            if value.startswith("proxy-mode="):
                mode = value.split("=", 1)[1]
            elif value == "proxy-mode" and index + 2 < len(args):  # v1.17.3's split value
                mode = args[index + 2]
        if mode is None:
            return None if self.partial else "iptables"
        return proxy_mode(mode)

    def flannel(self) -> Flannel | None:
        """The flannel k3s runs; None when k3s runs none, or with a net-conf.json of one's
        own (--flannel-conf), or a backend kostack does not model."""
        backend = _BACKENDS.get((self._value("--flannel-backend", "vxlan") or "").strip().lower())
        cidrs = self.cluster_cidrs
        if backend is None or "--flannel-conf" in self.args or not cidrs:
            return None
        v4 = [c for c in cidrs if isinstance(c, ipaddress.IPv4Network)]
        v6 = [c for c in cidrs if isinstance(c, ipaddress.IPv6Network)]
        return Flannel(
            network=v4[0] if v4 else None,
            backend_type=backend[0],
            port=backend[1],
            ip_masq=True,
            mtu_auto=True,
            kube_subnet_mgr=True,
            enable_ipv4=bool(v4),
            enable_ipv6=bool(v6),
            ipv6_network=v6[0] if v6 else None,
            ipv6_subnet_len=64 if v6 else None,
            bundle="k3s",
        )
