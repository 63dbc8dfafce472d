"""What a flow family's evaluation works on and yields (engine/families.py `Families`).

Its ends (`End`: a node's pod, node address or an outside address), the classes they are
grouped into (`EndClass`), the failing flows at one hop (`Fact`, `hop_id`, `side_of`) and
the result of judging every pair (`FamilyResult`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kostack.analyze.engine.addrsets import Admitted
from kostack.analyze.engine.secgroups import Query
from kostack.analyze.engine.stateless import REPLY_STEPS, TARGET_EGRESS
from kostack.analyze.engine.types import Endpoint, FlowResult, Hop
from kostack.analyze.topology import NodeView
from kostack.model.snapshot import IPAddress


@dataclass(frozen=True)
class End:
    """One end of a family's flows: a node (None for outside), the endpoint traced, its address."""

    view: NodeView | None
    endpoint: Endpoint
    ip: IPAddress
    # read on every lookup of the engine: attributes, not properties
    node_ip: IPAddress | None = field(init=False, repr=False, compare=False)
    name: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        view = self.view
        # the node's address of this end's family (a dual-stack node has one per family)
        node_ip = view.ip_of(self.ip.version) or view.ip if view is not None else None
        object.__setattr__(self, "node_ip", node_ip)
        object.__setattr__(self, "name", view.name if view is not None else str(self.ip))


# (source rep, target rep) -> the flow's protocol and port, or None when the pair is not in it
FlowOf = Callable[[End, End], tuple[str, int | None] | None]

HopId = tuple[str, str, str, str]  # step, direction, cause, disposition
Plan = list[list[tuple[Query, str, bool]]]  # per world: queries, whose address, the source's
# the source super-class's shape and the target's static key (relations.py `supers`), their
# relation, which sets are undecided, and the source's and target's membership patterns
SituationKey = tuple[int, object, str, tuple[bool, ...], tuple[bool, ...], tuple[bool, ...]]


def hop_id(hop: Hop) -> HopId:
    return (hop.step, hop.direction, hop.cause, str(hop.disposition))


@dataclass
class EndClass:
    id: int
    key: tuple[object, ...]
    members: list[End]
    # per world: (direction, query) -> the admitted set of this side's port
    sets: tuple[dict[Query, Admitted], ...]

    @property
    def rep(self) -> End:
        return self.members[0]


@dataclass
class Fact:
    """Flows of a family that fail, in one world, at one hop (their attributed cause)."""

    world: int
    hop: HopId
    pairs: int = 0
    src_classes: set[int] = field(default_factory=set)
    dst_classes: set[int] = field(default_factory=set)
    examples: list[FlowResult] = field(default_factory=list)
    # the members of those classes that can be in one of its pairs: of the membership
    # patterns its situations were judged with (drafts.py), a superset of the
    # failing ends, never missing one
    src_ends: list[End] = field(default_factory=list)
    dst_ends: list[End] = field(default_factory=list)


@dataclass
class FamilyResult:
    worlds: int
    sources: list[EndClass]
    targets: list[EndClass]
    total: int
    ok: list[int]  # per world
    facts: list[list[Fact]]  # per world
    traced: int  # representative traces run
    failed_sources: list[set[int]] = field(default_factory=list)  # per world: source classes
    # per situation judged (`SituationKey`: the shape and static key of relations.py `supers` of
    # the source and target classes, the relation, the undecided sets, the patterns): its
    # outcome in every world
    situations: dict[SituationKey, tuple[FlowResult, ...]] = field(default_factory=dict)
    # split by who opens the mesh session (mesh_order.py `MeshOrder.split`; ``openers`` in `evaluate`)
    ordered: dict[SituationKey, dict[int, tuple[FlowResult, ...]]] = field(default_factory=dict)

    def members(self, side: str, class_ids: set[int]) -> list[End]:
        classes = self.sources if side == "src" else self.targets
        return [m for i in sorted(class_ids) for m in classes[i].members]


SRC_STEPS = frozenset(
    {
        "pod-egress",
        "kube-proxy",
        "nat-outgoing",
        "route",
        "bgp-route",
        "port-down",
        "antispoof",
        "sg-egress",
    }
)


def side_of(step: str) -> str:
    """Where a hop's cause sits: the source port, the target port, or the path between."""
    if step in SRC_STEPS:
        return "src"
    if step in ("port-down-ingress", "sg-ingress", "reply-antispoof", "deliver", "reply"):
        return "dst"
    if step in REPLY_STEPS:  # a stateless reply: at the server's egress or the client's ingress
        return "dst" if step == TARGET_EGRESS else "src"
    return "path"
