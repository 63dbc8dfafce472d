"""The wheel holds the product only, and `pip install kostack` (no extras) runs the product.

The wheel is built as a user would (`pip wheel --no-deps`, build isolation on)
from a copy of the project files, so the checkout gets no build/ or egg-info. The
network lab is its own distribution (kostack-lab, lab/): its wheel holds the lab only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest
from conftest_neutron import SeededNeutron

from kostack_testkit.importgraph import ImportGraph, entry_modules
from kostack_testkit.k8s_fixtures import seed_cluster
from kostack_testkit.kubeapi import KubeApiDouble

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Interim while this round's branches merge; the restructure (issue 12, part 2) sets the final
# budget. Tracked in the lead's merge notes: do not raise it again without a reason here.
# 45,000 -> 54,000: main measured 48,421 lines when the LoadBalancer path (issue 18) merged it
# (already over 45,000 after safety-redact and the splits), and that path adds 5,528 of its own
# (Octavia collector, model, the way-in engine in analyze/loadbalancer/, seven checks, report
# lines, `kostack lab way-in`).
# 54,000 -> 60,900: `kostack guard` (#15) adds 4,563 lines net (the guard package in 19
# modules under 400 lines, its CLI, Leases in the Kubernetes API double, and kostack.serve,
# which it shares with watch and which took watch's server and Event sink out of watch); main
# measured 56,243 (over its own 54,000) when guard last merged it, guard's branch 60,806.
# 60,900 -> 64,500: engine v2 (#11: decide by cases, aggregation, the engine package) and
# guard merged together: 64,191 measured. Issue 12's target (40,000) is not met: the new
# capabilities (watch, guard, the LoadBalancer path, engine v2) outgrew it; this budget only
# stops silent growth until the target is settled.
# 64,500 -> 65,000: splitting five god-files (#12 item 3) adds 635 lines of module
# docstrings, imports and re-exports: 64,826 measured.
# 65,000 -> 66,700: IPv6 and dual stack (#16): the per-family model and engine (branch
# dualstack) and the probe agent's ICMPv6/AAAA/IPv6 MTU, its split into per-kind modules,
# the lab's IPv6 port security and the per-family probe plan (dsprobe): 66,645 measured.
# 66,700 -> 69,600: complete Korean (#13 B: a catalogue entry per sentence in both languages,
# kostack/korean.py, the fix/preflight/release/error texts), the message and exit-code fixes
# (#13 B), splits of four more god-files (#12), and the merge of all of them with dual stack:
# 69,514 measured on main after the merges.
# 69,600 -> 71,000: `kostack lab` and `kostack probe` in Korean (#13 item 3, branch kolab):
# the lab's lines, errors, probe details, warnings and scenario descriptions in both languages
# (cli/lab_text.py, cli/lab_errors.py, cli/lab_shapes.py, report/probe_words.py): 70,943
# measured.
# 71,000 -> 71,325: dual stack per family (#16, branch ds2): the tunnel's underlay family,
# encapsulation and _path split into helpers, per-family services and the IPv6 tunnel root
# cause (+325 measured on ds2 before this merge).
# 71,325 -> 71,625: the lab's IPv6 router side and outside (lab/router6.py), dual-stack
# kubernetes service and per-family lab probes with ICMPv6 (#16 lab, branch ds4): +300.
# 71,625 -> 72,100: dual-stack preflight (#16, branch ds3: IPv4,IPv6 CIDR pairs, per-family
# rules, pairs, routes, MTU and outputs; the CLI split into helpers), per-family MTU probes and
# the linear probe plan (Families.partition, per-topology memos): +439 measured on ds3.
# 72,100 -> 72,740 (#13 ux13, +639 lines): the picture's flow lanes (report/topology_lanes.py
# and its words in both languages), one progress line per diagnosis phase (cli/console.py
# PhaseLines, analyze/diagnose.py Phases), `fix apply`/`rollback` bodies split into
# cli/fix_run.py with --no-verify's exit by the plan's own check.
# 72,740 -> 73,910: the rest of #13 item 3 in Korean (branch komsg): collection errors in
# collect/texts.py, Neutron error explanations, journal and file errors, release-plan errors,
# OS errors in kostack/oserror.py, script comments; +1,165 lines, nearly all of them the
# Korean (and English) texts of the message catalogues: 72,083 measured on komsg after its merge of main.
# 73,910 -> 74,020: four CLI functions split below 80 lines (#12, branch fnsplit: release
# check/reinstall with cli/release_run.py, diagnose, trace): +107 measured on fnsplit.
# 74,020 -> 74,160: dual-stack egress per family (#16, branch ds5: the router's IPv6 leg
# without NAT, net-pod-egress per family with its English and Korean texts, Cilium's
# enable-ipv6-masquerade, the pair-scope check per family): +145 lines (git diff
# --shortstat main -- src/kostack on ds5; 74,072 measured by this test).
# 74,160 -> 74,460: Korean for what stayed English (#13 item 3, branch ko6: preflight's overhead
# and mode names, Ctrl-C activities and in-flight texts, collect's summary/warning and Calico
# hints, the active diagnosis' probe gaps): +299 lines (git diff --shortstat main -- src/kostack
# on ko6), nearly all of them English and Korean message texts.
# 74,460 -> 74,300: one definition where the logic is the same (#12, branch dupsa: release
# checks' release_finding, one generic Check, rule_key, the shared-group choice, the lb
# NOT-APPLICABLE builder, one LANGS...): 74,378 -> 74,247 measured by this test's import
# graph on main and on dupsa (-131); the budget is the new count plus 53 lines of slack.
# 74,460 -> 74,400 (lowered): the lab's errors, problems, warnings and probe details keyed at
# their source (branch labkeys: kostack_lab.texts and texts_status hold the catalogue that
# cli/lab_errors.py had; cli/lab_shapes.py and the regex tables are gone): main measured 74,378
# by this test, labkeys 74,343 (-35); the budget is that plus slack.
# 74,460 -> 74,280: one definition where the logic is the same (#12, branch dupsb: report
# tables' columns and wrap, the long-running modes' logger, the lab's layout names without a
# re-export, kube-proxy tables, lab ICMP probes, the probe agent's imports): 74,378 -> 74,221
# measured by this test's count (ImportGraph over src/kostack), -157 lines; budget = 74,221 + 59.
# 74,460 -> 74,890: class pairs judged per relation of their subnets (branch classes:
# analyze/engine/relations.py super-classes, per-subnet counts and route classes; pairs.py's
# ordered facts and examples): +421 measured by this test (74,881), no message texts.
# All four merged (dupsa, labkeys, dupsb, classes): 74,560 measured by this test; budget = that + 60.
# 74,620 -> 75,450: every collection gap a catalogue message (#13, branch kogaps: Gap key/params,
# kostack.gap_words with ~90 gap texts in English and Korean, preflight's usage and spec errors
# as messages, collect --lang): +826 lines (git diff --shortstat on kogaps before merging main),
# nearly all of them English and Korean message texts; 75,392 measured by this test after
# merging main; budget = that + 60.
# 74,620 -> 74,723: issue 13's new-user walk (branch audit13: singular counts, particles after
# brackets, lab probe progress, usage hints naming the subcommand, trace hints naming what the
# snapshot has, a bare command's help): +103 lines (git diff --shortstat main -- src/kostack:
# +159 -56), mostly message texts in both languages; 74,663 measured by this test after
# merging main (74,560 + 103); budget = that + 60.
# kogaps, sigint and audit13 merged: 75,502 measured by this test; budget = that + 60.
# 75,549 -> 75,497: repeated blocks made one definition (branch dupsc: port actions, the missing
# parts of both check kinds, the kept OpenStack connection of guard and watch, one say_in, one
# breaks_lines, Octavia's states and JSON check, ...): -52 measured by this test after merging
# main; budget = that + 60.
# 75,560 -> 75,746: pod-to-pod of the watch's classes counted per relation, not per class pair
# (branch matrixrel: engine/tally.py, Matrix.pod_to_pod_tally and pod_to_pod_between): +186
# lines measured by this test (main 75,549, the branch after merging it 75,735).
# dupsc and matrixrel merged: 75,683 measured by this test; budget = that + 60.
# 75,743 -> 74,945: test support and dead code out of the product (#12, branch deadcode: the
# Kubernetes API double's faults, request log and kubeconfig files and the tests' NeutronServer
# to kostack_testkit, helpers only tests called to the tests, names nothing called): 75,683 ->
# 74,885 measured by this test (-798); budget = that + 60.
# 74,945 -> 75,050: `kostack --lang ko COMMAND` (the global options as one table) and a flow's
# ends named in the reader's language (endpoint labels as catalogue messages in both languages):
# +105 measured by this test after merging deadcode (74,990); budget = that + 60.
# 75,050 -> 75,183: the in-cluster probe runner's errors and hints as catalogue messages in
# both languages (kostack/probe/k8s_texts.py): 75,123 measured by this test; budget = that + 60.
# 75,183 -> 74,572: one piece of code where the logic is the same (#12, branches lbdedup,
# checksdedup, opsdedup: LBCheck for the lb-* findings, cluster_finding, shared hop builders,
# guard/watch metrics base, one --egress-target parser, fields nothing read), beside Korean
# for the CNI's mode and release check's errors (+~120): 74,512 measured; budget = that + 60.
# 74,572 -> 74,305: commands quoted in sentences (shell.as_code) and a second consolidation round
# (branches analyzededup2, labdedup2, reportplandedup: one @when_collected start for the network
# and release checks, the CNI readers' shared unread/version code, StatePaths.spawn, one nft table
# opening, Rule.cli_options/port_span, IncidentReport.checked): 74,245 measured; budget = that + 60.
# 74,305 -> 74,463: every progress line of fix apply/rollback and release reinstall, the reinstall
# plan and the release check's tags in Korean too (apply/release_texts.py, plan/release_texts.py,
# +~430), terminal text in cells (report/cells.py replaces three width helpers), and a third
# consolidation round (branches dedup3a, dedup3b: one generic Collected for the checks, one
# parse_time, one EndpointSlice reader, one reply leg per family, shared CLI option factories,
# re-exports and parameters nothing used: -320): 74,403 measured; budget = that + 60.
# 74,403 -> 74,700: plan files and journals said again in the reader's language (said/told),
# the live commands' Korean (guard, watch, probe, lab, collect, serve: +~240), wrapping at 100
# cells for fix plan, fix apply, preflight and release; a fourth consolidation round (dedup4a,
# dedup4b: -252): 74,639 measured; then the probe kinds and a broken snapshot said in Korean
# (kostack/snapshot_words.py, shared by the CLI, guard and watch): 74,717 measured; budget = that
# + 63.
# 74,717 -> 74,899: a fifth consolidation round (-244 in analyze, report, model and the live
# packages); safety fixes (guard scoped to its own cluster's marks and groups, reinstall checks
# each volume and each release's storage, two secret shapes) and engine fixes (each address
# family's pod-to-pod and pod-source rules, WireGuard's route, egress-rule fixes, a drop to the
# outside as its own cause, a deployed copy left alone, shared groups held by guard): +426;
# then Calico's WireGuard per family: 74,920 measured; budget = that + 40.
# 76,269 -> 77,308 (this round, each part measured on the same base): the lead's collect and
# safety fixes (registry logins and *_PWD redacted, Helm revisions cut as they are read, pod logs
# bounded, the legacy source-ranges annotation, the agent's nested plans): +67; the first-hour
# audit (branch audit: durations and particles after a quoted command as catalogue messages,
# hints that repeat --snapshot, the report's served port, a Korean reply hop, watch's "0
# node(s)"): +91; several Calico pools in every layer (branch mp2: the IPPool nodeSelector and
# its evaluator, pairs only where a pool can be, host NAT per family, probes per pool, the lab's
# second pool, the picture per pool, many pools said bounded): +600; the changing commands
# red-teamed (branch rt-apply: Neutron's pair limit said by plan and apply, the hand command
# that removes kostack's pairs only, resuming after the rule quota, guard not resending a
# refused change, verify and Octavia's monitor, a 412 in rollback): +175; watch red-teamed
# (branch rt-watch: gaps and first verdicts said, a healthy verdict withdrawn on a stale or
# crashed cycle, bent Neutron fields, rotating tokens remembered boundedly): +106. Budget = the
# measured 77,308 + 42. Next round: `fix plan` ends with the `fix apply` to paste, and /readyz
# of watch and guard counts turns of the loop (interval + the last turn's duration): +64;
# UNKNOWN rather than a false PASS (branch verdicts: no pod address known, a floating IP from
# inside, a pod named when pods were not collected, an undecided report): +203; everything
# printed exists in Korean (branch ko: the top-level help in Korean, the matcher's notes and
# the collector's skipped values as keyed messages, the plan file's, fix_run's and the values
# file's errors, the lab runner's problems, the Korean script's output): +480; release
# reinstall red-teamed (branch release: a volume is a claim's by its claimRef, a ready release
# is kept on a second run, claims a pod holds or unknown pods are never deleted, finalizers
# named, the rerun command keeps --from/--timeout): +155; security-group rules as Neutron has
# them (branch rules: Rule.key() as Neutron's duplicate check, a PING monitor's ICMP rule with
# no port, guard's quota-refused rule said once and retried every 10 passes): +94; fix plan
# verified with the collector paused, old snapshots upgraded in place (branch speed): +30; the
# amber summary of an undecided HTML report and the readiness limit shown rounded: +7; a PING
# health monitor said as a ping, not a port (lb-members-down): +17. Budget = the measured
# 78,357.
# 78,357 -> 65,541 (issue 12): the network lab is its own distribution, kostack-lab in lab/
# (12,581 lines; kostack finds it through entry points and never imports it): -12,401; four
# branches that looked for code longer than it needs to be in analyze/, report/+model/,
# collect/+plan/ and cli/+apply/+probe/+guard/+watch/ (dead fields and parameters, one-call
# wrappers, re-export shims; outputs byte-identical): -421; a message survives deepcopy: +5.
# Then three false verdicts fixed: a subnet on a router this account cannot list (another
# project's) is undecided naming that router, not "no router" (branch routers): +129; the same
# for a flat/VLAN provider network or another project's shared network, whose gateway kostack
# cannot see: +66; a pending-* Helm release younger than --pending-grace may be a helm command
# still running, so it is not "stuck" and release reinstall refuses it (branch pending): +217.
# Budget = the measured 65,953.
# The next stop added behaviour users were hurt by, +1,201: every command's --help in Korean
# (+508, the Korean text itself ~450); Neutron port admin state (an admin-down node port drops
# everything; +199 with the lab); VolumeSnapshots of the claims a reinstall deletes (+180); a
# release being uninstalled is not "stuck" and report takes --pending-grace (+59 and +10); SR-IOV
# and bare-metal ports Neutron's firewall may not filter (+99); an unseen network type as two
# cases, tenant or provider (+103); an ICMP rule's code, members on an admin-down port (+27);
# load-balancer members behind an undecided hop are undecided, not "nothing blocks" (+16).
# Budget = the measured 67,154.
# The next stop, +936, again for answers users would get wrong: stateless security groups (the
# reply is filtered like any packet: engine/stateless.py, check net-sg-stateless, fix plan's
# reply rules; +554); SR-IOV ports on overlay networks decided, with a case for an unseen
# network type (+117); VolumeSnapshots beside the advice of release check and report, per
# namespace (+106); Korean TAB completion, metavars and click's usage errors (+108); NAME/FILE
# read as words, the Helm 403 hint, two long functions split (+45); the not-planned 0.0.0.0/0
# rule said in Korean too (+5); one FactView.finding for three checks (+1). Budget = the measured
# 68,090.
# This stop: a node port's binding:vif_type (admin-only) decides whether it is filtered (+54);
# a node port whose binding failed has no data path under ML2/OVS (+102); guard's and watch's
# server modules and two unread parameters gone (branch dedupe, -53); security groups that
# differ on both sides of a flow judged per shape, not per super-class pair, so per-node
# stateless groups are linear (engine/shapes.py and its callers, branch pairsweep, +473).
# Budget = the measured 68,666. Then Korean and CLI leftovers: --version in Korean, usage errors
# hinting at their own command's help, every release-check claim with its VolumeSnapshots, the
# network-not-judged note and Helm decode gaps in Korean, PWD no longer taken for a password
# (branch cliko, +56); fix plan's verification shares the pod indexes and keeps the collector
# paused to the written plan (branch fixverify, +42). Budget = the measured 68,764. Then the
# watch's pod-to-pod tally per shape pair like diagnose, linear with per-node groups on both
# sides (branch tallyshape, +114); fix apply's typed confirmation in Korean, an unread
# parameter gone (+13); one Run.rep_flow for four copies of a lookup (+4: the helper's own
# signature and docstring); one Run._judged for the two relation judges' trace-once loops (+3).
# Budget = the measured 68,898.
# The next stop, +363: the source ports a masquerade with --random-fully picks in stateless
# replies (Calico's natOutgoing and flannel's ip-masq, Felix's featureDetectOverride collected
# and its switch proposed, kube-proxy's on the load balancer's inner leg; +151); probes predict
# such flows intermittent (+9); the cyclic collector paused around loading, diagnose and the
# release checks (kostack/collector.py, shared with fix plan; +18); shell.quote cached (+2);
# the severity words from one catalogue (0); a BGP session's replies under stateless groups
# (branch bgpreply, +86); the shape pairs' constant (branch shapecost, +97). Budget = the
# measured 69,261. Then dotted-quad IPv4 read by a strict pattern, a tenth off loading (+11).
# Budget = the measured 69,272. Then fix plan's verification naming the manual step that
# fixes a cause it still shows as remaining (+19); the review's mends (one name for Felix's
# feature, a reflowed docstring; +1). Budget = the measured 69,292.
# The next stop: Canal (flannel routes, Calico only enforces policy; RKE2's default CNI) read
# as flannel from the agent's mounted ConfigMap instead of as Calico routing by BGP (a false
# anti-spoofing cause) or as flannel without settings; FLANNELD_IP_MASQ from a ConfigMap key
# (+90). Budget = the measured 69,382. Then k3s, which runs flannel, kube-proxy and the
# control plane in its own process: its settings read from a server's k3s.io/node-args
# (collect/_k3s.py; +121); RKE2's kube-proxy mode from its static pods' flags (+11); a k3s
# server's --flannel-conf named in the gap's hint, English and Korean (+8). Budget = the
# measured 69,522. Then Calico's BGP sessions over IPv6 (BIRD6 peers over the nodes' IPv6
# addresses: the session judge per family, the families' TCP 179 sets per routed family,
# net-sg-bgp's IPv6 rule; branch bgp6, +69). Budget = the measured 69,591. Then the fix plan
# re-diagnosing with Felix's switch made, featureDetectOverride read as Felix reads it,
# flanneld's switch printed (branch felixlab, +84); Flannel.bundle for Canal and k3s, where
# that switch has no DaemonSet (+4); fix plan's verifying diagnoses judging the pod-source
# hypothesis on the snapshot itself, port actions rendered once (branch plancost, +14).
# Budget = the measured 69,693. Then flanneld's --ip-masq-fully-random-disable collected, so
# the switch once made is not proposed again (+13). Budget = the measured 69,706. Then no
# kubeconfig found on a k3s or RKE2 server: the hint names their file (+17). Budget = the
# measured 69,723. Then the watch says "probes: N passed" only once /metrics and /status show
# the round (a race a fresh-clone CI hit; -7). Budget = the measured 69,716. Then the review:
# one kube-proxy mode parser for the ConfigMap, the flags and k3s; one command-line helper
# for the static pods (+9). Budget = the measured 69,725.
# The stop after: a call's caller waits in slices, so a Ctrl-C the kernel handed to the
# worker's thread is raised at once (a fresh-clone CI saw a reinstall ignore it; +12).
# Budget = the measured 69,737. Then checks undecided for one reason on one line (+4); a CNI
# kostack does not model (kube-router, Antrea, Weave Net, Kube-OVN, OVN-Kubernetes) named in
# the gap, with what it needs of Neutron, English and Korean (+80). Budget = the measured
# 69,821. Then k0s's and MicroK8s' admin kubeconfigs named too (+3). Budget = the measured
# 69,824. Then Calico's node-to-node mesh off: BGP-routed pods' routes undecided (BGPPeers
# are not read) instead of passed, English and Korean (+20). Budget = the measured 69,844.
# Then per-node groups' cost: admitted sets per content of the rules a query reads, query
# tuples interned, a class's sets cut once per set, a remedy's command rendered once, Query a
# NamedTuple (branch statecost, +57). Budget = the measured 69,901. Then Calico's mesh
# session opened by the node with the greater address string (v3.4 on): the route hop, the
# families' split of a situation by that order, net-sg-bgp's openers, the watch's tally
# (branch bgpdir, +278); that order counted by spans and a merge-sort tree of address
# strings (engine/order.py, +135). Budget = the measured 70,314. Then the review: one helper
# for an end's address string, the undecided lines built without a shared dict for both
# modes, the unmodelled CNI picked without a one-element loop (0). Budget = the measured
# 70,314.
# The stop after: a watch round's probe agents called in daemon threads, so a stopped watch
# does not wait for agents that hold their answers (deadline.each, +39); OpenStack names and
# free texts kept on one line (model Label, Text; +31); Calico's one-way mesh sessions
# counted end by end, linear in the nodes (engine/mesh_order.py out of pairs.py; branch
# oneway, +226); kube-router modelled, collected and judged: native within a subnet,
# IPIP/FOU across, its two-way iBGP mesh, pod egress masquerade, preflight --cni
# kube-router, English and Korean (branch kuberouter, +632). Budget = the measured 71,242.
# Then the review: kube-router's headline in words as Calico's (+6); preflight's MTU note for
# kube-router says there is nothing to set (+8). Budget = the measured 71,256. Then the
# final review: kube-router's mesh flags read once (a flag not read is undecided, never "off"),
# its DaemonSet's name defined once (+18). Budget = the measured 71,274.
# The stop after: the fix script's checks read here-strings, not pipes, so `grep -q` under
# pipefail cannot fail a check by SIGPIPE (+9). Budget = the measured 71,283. Then Canal's
# pod egress from Felix's natOutgoing (Calico's pools read under Canal), MicroK8s's kube-proxy
# hint and the older k3s node-args forms (branch readers, +180); the watch tally of a split
# one-way mesh by bisection, linear (branch tally, +124); Calico's BGPPeers and route
# reflectors collected and judged per node and reflector (engine/peering.py, net-sg-bgp with
# the mesh off, root cause bgp-no-peer; branch rr, +866); then the review: a BGPPeer's selector
# evaluated once, over a label index where it requires a `k == 'v'` (+43); more configured
# sessions than 64 a node left undecided, not judged in the square of the nodes (+35). Budget =
# the measured 72,531. Then Calico selectors evaluated as libcalico-go does (`!=` and `not in`
# select a node without the label; contains, starts with, ends with, global()) (+13). Budget =
# the measured 72,544.
# The stop after: Calico's listings and gets made once per collection (Canal, branch canallab,
# +27); Calico's per-node labels, AS numbers and reflector cluster IDs read from the Nodes'
# annotations (KDD), an eBGP reflector session undecided, kube-router's sessions up when either
# node opens them (branch calnode, +378); then a fact's usual message fields said once
# (FactView.words, -14); a family judged once per diagnosis and settled per steps
# (engine/judging.py, branch stateless, +178; Constant flows in the kube-router session check,
# +1). Budget = the measured 73,114. Then Canal's pod MTU read as Calico gives it (canal-config
# veth_mtu, "0": the interface's), above flannel.1's a warning (+119). Budget = the measured
# 73,233. Then a fact names the ends of its failing pairs, not its classes whole
# (engine/drafts.py, +92). Budget = the measured 73,325. Then the report's warnings and empty
# sections, JSON texts in the chosen language (+389), and calico-node's own address
# (net-calico-node-address, engine/calico_moved.py: +556). Budget = the measured 74,270. Then
# the verdict's reasons each said once (+15) and the report's conditional causes (+280).
# Then the Markdown sections' shared heading and evidence (+2). Budget = the measured 74,567.
# The stop after: Antrea modelled (collect/_cni_antrea.py, engine/antrea.py, its checks and
# summary; branch antrea, +466) and its ClusterIP ping story and MTU probe (+15); Calico's
# traffic judged on a second NIC's port (branch secondnic, +262); fewer lines, no behaviour
# changed (branch lean, -144); `preflight --cni antrea` (branch antreapre, +291), kube-router's
# preflight rules in Korean (+3). Budget = the measured 75,461. Then the report's other cases
# of a cause and a conditional cause's fast alternative (branch reportcases, +91). Budget = the
# measured 75,552. Then net-mtu naming Antrea's unread setting (+4). Budget = the measured 75,556.
# Then the review: Antrea's wire facts defined once in the model, its MTU deduction computed
# once, an unreadable defaultMTU noted, ports by address built once per topology (+22).
# Budget = the measured 75,578.
# The stop after: Kube-OVN modelled (collect, model, engine/kubeovn.py, its checks, MTU and
# summary; branch kubeovn, +633); the JSON answer written faster, each remedy's text made once
# (report/jsonenc.py) and the collector paused around it (branch perf, +156); a conditional
# cause's fast alternative planned by --method disable-port-security, Antrea's GRE refused on
# IPv6 nodes, preflight's routes for every native mode across subnets, Calico's addresses split
# over two ports said so (branch loose, +242); the fast fix's pointers name that method (+16).
# Budget = the measured 76,625. Then fix plan's router routes for native-cross-subnet
# (analyze/checks/_native_routes.py; branch xsroutes, +187). Budget = the measured 76,812.
# Then `preflight --cni kube-ovn` (plan/preflight_kubeovn.py; branch ovnpre, +211). Budget =
# the measured 77,023. Then the review: every router on a subnet indexed once in the topology
# (-11). Budget = the measured 77,012.
# The stop after: small mends (IPIP as protocol 4 not applicable without IPIP, ClusterIP ping
# on Kube-OVN's OVN load balancers, native-cross-subnet's unrouted nodes in the root cause,
# Kube-OVN vlan preflight's subnet, Kube-OVN found by its Node annotation; branch leftovers,
# +135); virtual IPs (MetalLB pools, kube-vip, kubeadm's controlPlaneEndpoint: model/vip.py,
# collect/_kube_vip.py, check neutron-vip-pairs; branch vip, +980); set cuts and plan keys
# once per diagnosis (branch stateless, +18). Budget = the measured 78,145. Then the review:
# an Octavia VIP as controlPlaneEndpoint is no node's, MetalLB's gap hint quoted once (+6);
# Kube-OVN's services DNATed by OVN's load balancer or kube-proxy, per Subnet's enableLb
# (engine/kubeovn_lb.py; branch ovnhops, +212). Budget = the measured 78,363. Then a MetalLB
# selector with an operator no LabelSelector has leaves the advertisements unknown, not the
# collection failed (+13). Budget = the measured 78,376.
# The stop after: virtual IPs on a second NIC's port (checks/_vip_ports.py; branch vipnic,
# +123); egress IPs (Antrea Egress, Cilium egress gateway: model/egress.py,
# collect/_kube_egress.py, check neutron-egress-ip-pairs; branch egress, +673); six modules
# near 600 lines split, each new module's docstring and imports (branch splits, +175); egress
# IPs in allocation pools and Antrea's Service external IPs (checks/_allocation.py; branch
# extip, +202); collect/kubernetes.py and report/probes.py split (branch kubesplit, +67); the
# review: egress IPs no node may hold not a pass, one port said in the singular (+10).
# Budget = the measured 79,626. Then the two pair checks' UNKNOWNs for nodes they cannot
# judge said by one function (unplaced_findings; -4). Budget = the measured 79,622. Then
# whether a port lets an address out decided by one function (_vip_ports.pair_covers; -6).
# Budget = the measured 79,616.
# This stop: release_checks/ownership.py (553 lines) split: the evidence for one PVC and one
# release into ownership_evidence.py (its docstring and imports, +24). Budget = the measured
# 79,640. Then analyze/flows.py (553) split: the ends the families are judged between
# (ClusterEnds, PodsOnNodes) into flow_ends.py (+17). Budget = the measured 79,657. Then
# MetalLB in BGP mode (BGPPeers read; BGP-announced pools judged on the peering nodes' ports;
# branch bgpmode, +271); Antrea's proxyAll (engine/antrea_proxy.py) and the check
# net-sg-antrea-memberlist (branch antrea, +319); the check neutron-underlay-addresses
# (Kube-OVN's underlay against Neutron's ports and pools, checks/_spans.py; branch ovnrange,
# +554); its pool warning's one remedy (+36); kube-proxy absent and nothing replacing it
# (kube_proxy_absent; +60). Budget = the measured 80,897. Then the allocation-pool command
# built by one function for all three checks (_allocation.pool_command, on _spans.minus), and
# never one that empties the pools (-7). Budget = the measured 80,890. Then every check saying
# which remedies it drives, guard's hold sets derived from that, the service-port title
# (branch seams, +47); MetalLB's silent nodes, its own namespace and net-sg-metallb-bgp (branch
# metallb, +661); Calico's eBPF data plane: collect, proxy names, the VXLAN NodePort leg, DSR,
# net-sg-calico-ebpf and net-calico-ebpf-kube-proxy (branch ebpf, +446); the merge's REMEDIES
# lines and the kube-proxy warning's report title (+7). Budget = the measured 82,051. Then
# Calico eBPF DSR's pairs planned on the endpoints' nodes' ports and bpfDSROptoutCIDRs (branch
# ebpf2, +194); MetalLB's scope in the model, sessions judged on the port that carries them,
# the check inv-lb-two-controllers (branch mlb2, +234); each check's CAUSE_KINDS and diagnose's
# cause sets derived from them, guard's Lease name one constant (branch seams2, +99).
# Budget = the measured 82,578. Then guard leaving causes seen only in the cloud's state
# (Kind.OBSERVED: Calico eBPF DSR's pairs) to kostack fix (+16); net-sg-metallb-bgp's three
# rule remedies built from one set of arguments (-18). Budget = the measured 82,576. Then
# net-sg-bgp declaring native-cross-subnet, which it names for kube-router (+2). Budget = the
# measured 82,578.
# This stop: who serves NodePorts and on which node addresses (engine/node_ports.py,
# model/node_ports.py, checks/_node_port_fix.py; branch antrea3, +475); who owns a Service of
# type LoadBalancer (loadbalancer/owner.py, checks/_lb_unowned.py; branch mlb3, +392); checks
# declaring their role, critical path and lessons (branch seams3, +104); Calico eBPF settings
# from calico-node's env and per-node FelixConfigurations (collect/_cni_calico_felix.py;
# branch ebpf3, +432); a manual step's comment localised when printed (branch ko3, +42);
# symptoms, ClusterIP paths, pod-traffic causes and lessons declared (branch seams4, +53);
# net-service-proxy (engine/service_proxy.py; branch proxy4, +326); the review: the report's
# title from the causes, the ping story where nothing serves ClusterIPs (+46); a word ending
# in 'lb' takes the vowel's particle (+2, which the last stop's CI caught over its budget).
# Budget = the measured 84,452.
# This stop: who serves Services (MicroK8s, a ConfigMap alone undecided, members down nested
# under no-service-proxy, Antrea's hosts without proxyAll; branch proxy5, +325); the release
# chain judging causes that break some pods only (branch chain4, +137); who owns a LoadBalancer
# Service (the speaker's --lb-class, OCCM outside or disabled, ServiceLB, kube-vip-cloud-provider,
# lb-no-controller's fixes; branch own4, +659); each node's Felix from its own pod and Felix's
# config file (branch felix4, +220); the plan file's texts in Korean, the title naming the
# LoadBalancer Services (branch ko4, +213); the merge of two branches' ClusterIP hops (+4).
# Budget = the measured 86,010. Then lb-no-controller's two ways said as ways, not steps to
# paste in turn (findings.choice_line, a plan note; +48). Budget = the measured 86,058. Then
# the probe agent's control port counting a plan's nesting before it parses it (+29).
# Budget = the measured 86,087. Then the ping story's node list through the one `nodes_label`
# (engine/node_names.py) instead of a copy in calico_ebpf.py (-2); the report title reusing the
# topology's load balancer index (+1). Budget = the measured 86,086.
# This stop: one Korean reading per word (korean.py: R, CIDR, MAC, IPv6, IPsec; +31); Calico's
# eBPF rollout, selector-scoped FelixConfigurations, two calico-node pods per node (branch
# felix5, +305); OCCM's owner, MetalLB's --lb-class fix, Cilium LB IPAM, ServiceLB from k3s's
# node-args, initialised nodes (branch own5, +554); antispoof / calico-address / sg-node
# scoped in the release chain, Kube-OVN IPPools (branch chain5, +271); Service proxy undecided
# -> DNS and API UNKNOWN, Antrea's ways, Kube-OVN NodePorts (branch proxy6, +211); the JSON's
# remedies table (branch perf5, +13); Reused gone (-16); DNS pods in the release chain (+25);
# a Kube-OVN Subnet without OVN's load balancer (+15). Budget = the measured 87,495.
# This stop: the ClusterIP hop per class of source pod, kube-proxy unseen off kubeadm
# (branch svc7, +304); Calico eBPF DSR against Neutron's pair cap, NodePorts reached directly,
# the DaemonSet's rollout, TigeraStatus (branch dsr7, +~600); Cilium pools read one by one,
# default-lb-service-ipam, L2 and BGP announcements, the ways of a fix plan (branch lb7,
# +~640); helm kept from the terminal's Ctrl-C, sg-node scoped by Typha's nodes and BGP
# sessions, BGPPeers' localASNumber (branch chain7, +325); Kube-OVN's static addresses,
# underlay ranges narrowed by IPPools, u2oInterconnection (branch kovn7, +356).
# Budget = the measured 89,756. Then the three Calico eBPF checks' shared start (ebpf_on;
# +3). Budget = the measured 89,759. Then a Kube-OVN Subnet's pods left to an unseen
# kube-proxy said as the Subnet's, not the CNI's (+13). Budget = the measured 89,772. Then
# a pod's class keyed before its Endpoint is built (+4). Budget = the measured 89,776.
# This stop: four modules over 500 lines split (chain_network, redact_shapes, plan/rules, the
# OpenStack records' consistency; +43); OVN-Kubernetes read and judged (branch ovnk, +591);
# selector node sets once per distinct selector, Cilium BGP announcing nodes (branch cbgp,
# +556); Kube-OVN draws indexed by Subnet, overlay to underlay masqueraded, static addresses
# in Neutron's pools, endpoints per class (branch kovn8, +43 as it measured); a remote group's
# union once per combination, classes read per node (branch lin8, +55); DSR's answers against
# egress rules, Felix's kernel, bgp-blocked scoped, guard naming DSR's pairs (branch calico8,
# +448); their merges together (+~200). Budget = the measured 91,711. Then what the Nodes
# said kept whole when the pod listing fails (ClusterFacts.nodes_only; +8). Budget = the
# measured 91,719. This stop: a pod's traffic to another node through Kube-OVN's tunnel and
# Cilium's (host firewall), Cilium IPsec native undecided, three modules over 500 lines split,
# the Ctrl-C notice on its own line (mine, +175); selectors Cilium refuses, announcements
# computed once, BGP v2 advertisements as peer configs select them (branch cilium9, +240);
# admitted sets carrying their shared part, MetalLB coverage by groups (branch shape9, +154);
# OpenShift's Network operator config, IPsec modes, preflight for OVN-Kubernetes (branch ovnk9,
# +338); an unread kernel, bpfExcludeCIDRsFromNAT, guard's DSR consent, the ingress node's
# invalid ACKs (branch calico9, +231); the verifying diagnoses' pod index (branch fixplan9,
# +68); proxy classes joined through one helper (+8); the unread kernel's command quoted
# where it is filled (+3). Budget = the measured 92,936.
SHIPPED_LINES_BUDGET = 92_936
# What test support is called: none of it may ship.
TEST_SUPPORT = re.compile(
    r"fixture|fake|builder|faultproxy|fault_proxy|harness|testing|testkit|conftest|"
    r"neutron_control|(^|/)tests?(/|_)|_test\.py$",
    re.IGNORECASE,
)
LAB_PACKAGES = {"aiohttp", "dnslib"}  # kostack-lab's own dependencies


def build_wheel(source: Path, name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel --no-deps` of a copy of ``source``'s pyproject.toml, README.md and packages."""
    tree = tmp_path_factory.mktemp("tree")
    for entry in source.iterdir():
        if entry.name in ("pyproject.toml", "README.md"):
            shutil.copy2(entry, tree / entry.name)
        elif entry.name in ("src", "kostack_lab"):
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(entry, tree / entry.name, ignore=ignore)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(tree)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    (built,) = out.glob(f"{name}-*.whl")
    return built


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(ROOT, "kostack", tmp_path_factory)


@pytest.fixture(scope="module")
def unpacked(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_the_wheel_holds_no_test_support(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    modules = sorted(n for n in names if n.endswith(".py"))
    assert modules, "the wheel has no Python modules"
    assert [m for m in modules if TEST_SUPPORT.search(m)] == []
    assert {n.split("/", 1)[0] for n in names} == {"kostack", "kostack-0.1.0.dist-info"}
    # Exactly the product's modules: nothing from testkit/ or tests/, nothing lost.
    product = sorted(
        str(p.relative_to(ROOT / "src"))
        for p in (ROOT / "src" / "kostack").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert modules == product


def test_every_shipped_module_is_reachable_from_an_entry_point(unpacked: Path) -> None:
    """Imports (late ones too), `python -m` module names and files a module runs count."""
    graph = ImportGraph.scan(unpacked, ["kostack"])
    starts = entry_modules(PYPROJECT["project"]["scripts"])
    assert starts == {"kostack.cli.main", "kostack.cli.completion", "kostack.probe.agent_daemon"}
    unreached = sorted(set(graph.files) - graph.reachable(starts))
    assert unreached == [], f"shipped but no entry point reaches them: {unreached}"


def test_shipped_python_stays_within_its_budget(unpacked: Path) -> None:
    graph = ImportGraph.scan(unpacked, ["kostack"])
    lines = graph.lines(graph.files)
    biggest = sorted(graph.files, key=lambda m: graph.lines([m]), reverse=True)[:10]
    print(f"shipped Python: {lines} lines in {len(graph.files)} modules")
    assert lines <= SHIPPED_LINES_BUDGET, (
        f"{lines} lines shipped (budget {SHIPPED_LINES_BUDGET}); the biggest: "
        + ", ".join(f"{m} {graph.lines([m])}" for m in biggest)
    )


def _requires(wheel: Path, dist_info: str) -> tuple[list[str], list[str]]:
    """The wheel's Requires-Dist and Provides-Extra."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
    return metadata.get_all("Requires-Dist") or [], metadata.get_all("Provides-Extra") or []


def _names(requires: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requires}


def test_the_lab_packages_are_no_requirement_of_kostack(wheel: Path) -> None:
    requires, extras = _requires(wheel, "kostack-0.1.0.dist-info")
    assert _names(requires).isdisjoint(LAB_PACKAGES)  # not even in an extra
    assert not any(name.startswith("kostack") for name in _names(requires))
    assert "lab" not in extras
    (openstacksdk,) = [r for r in requires if r.startswith("openstacksdk")]
    assert ">=" in openstacksdk and "<" in openstacksdk.replace("<=", "")  # a tested range


@pytest.fixture(scope="module")
def lab_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(ROOT / "lab", "kostack_lab", tmp_path_factory)


def test_the_lab_wheel_holds_the_lab_and_no_test_support(lab_wheel: Path) -> None:
    with zipfile.ZipFile(lab_wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read("kostack_lab-0.1.0.dist-info/entry_points.txt").decode()
    modules = sorted(n for n in names if n.endswith(".py"))
    assert [m for m in modules if TEST_SUPPORT.search(m)] == []
    assert {n.split("/", 1)[0] for n in names} == {"kostack_lab", "kostack_lab-0.1.0.dist-info"}
    lab = sorted(
        str(p.relative_to(ROOT / "lab"))
        for p in (ROOT / "lab" / "kostack_lab").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert modules == lab
    assert "kostack_lab/py.typed" in names
    # how kostack finds it (kostack.cli.parts): the command group and the probe side
    assert "[kostack.commands]\nlab = kostack_lab.cli.lab:lab" in entry_points
    assert "[kostack.parts]\nlab-probe = kostack_lab.cli.probe" in entry_points
    requires, _ = _requires(lab_wheel, "kostack_lab-0.1.0.dist-info")
    assert _names(requires) == {"kostack", *LAB_PACKAGES}
    target = lab_wheel.parent / "unpacked"
    with zipfile.ZipFile(lab_wheel) as archive:
        archive.extractall(target)
    graph = ImportGraph.scan(target, ["kostack_lab"])
    print(f"the lab (kostack-lab): {graph.lines(graph.files)} lines in {len(graph.files)} modules")


# -- the wheel installed in a fresh venv, without extras ------------------------------


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with `pip install kostack` from the wheel (its dependencies from the index)."""
    target = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(target, with_pip=True)
    subprocess.run(
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=1200,
    )  # fmt: skip
    return target


@pytest.fixture
def seed_api() -> Iterator[KubeApiDouble]:
    with KubeApiDouble(seed_cluster()) as api:
        yield api


def run(
    venv_dir: Path, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv_dir / "bin" / "kostack"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
        check=False,
    )


@pytest.mark.neutron
def test_pip_install_kostack_without_extras_runs_the_product(
    fresh_venv: Path, seeded_neutron: SeededNeutron, seed_api: KubeApiDouble, tmp_path: Path
) -> None:
    """diagnose, collect (help and a live run), fix plan and report; lab up names the extra."""
    python = str(fresh_venv / "bin" / "python")
    # (aiohttp may come anyway: the kubernetes client 37 requires it itself.)
    for module in ("dnslib", "kostack_lab", "kostack_testkit"):
        absent = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, timeout=60, cwd=tmp_path
        )
        assert absent.returncode != 0, f"{module} is importable in a venv without extras"
    home = tmp_path / "home"
    home.mkdir()
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(
        "clouds:\n  seed:\n    auth_type: none\n"
        f"    network_endpoint_override: {seeded_neutron.endpoint}\n    region_name: RegionOne\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "KUBECONFIG": str(seed_api.write_kubeconfig(tmp_path / "kubeconfig")),
        "OS_CLIENT_CONFIG_FILE": str(clouds),
        "OS_CLOUD": "seed",
    }

    def kostack(*args: str) -> subprocess.CompletedProcess[str]:
        return run(fresh_venv, *args, env=env, cwd=tmp_path)

    example = str(ROOT / "examples" / "seed-incident.json")
    diagnosed = kostack("diagnose", "--snapshot", example)
    assert diagnosed.returncode == 1, diagnosed.stderr  # the seed's critical root cause
    assert "Neutron anti-spoofing drops pod traffic" in diagnosed.stdout

    helped = kostack("collect", "--help")
    assert helped.returncode == 0 and "Usage: kostack collect" in helped.stdout

    snapshot = tmp_path / "snap.json"
    collected = kostack("collect", "-o", str(snapshot), "--neutron-backend", "ml2/ovs")
    assert (collected.returncode, collected.stderr) == (0, "")
    live = kostack("diagnose", "--snapshot", str(snapshot))
    assert live.returncode == 1 and "Neutron anti-spoofing drops pod traffic" in live.stdout

    planned = kostack("fix", "plan", "--snapshot", str(snapshot))
    assert planned.returncode == 0, planned.stderr
    assert "allowed" in planned.stdout.lower()

    report = tmp_path / "incident.md"
    reported = kostack("report", "--snapshot", str(snapshot), "-o", str(report), "--lang", "en")
    assert reported.returncode == 0, reported.stderr
    assert report.read_text(encoding="utf-8").startswith("#")

    # the lab is another distribution (kostack-lab): the command says what to install
    lab = kostack("lab", "up", "--scenario", "seed", "--state-dir", str(tmp_path / "lab"))
    assert (lab.returncode, lab.stdout) == (2, "")
    assert lab.stderr.splitlines() == [
        "error: `kostack lab up` needs the kostack-lab package, which is not installed (the "
        "network lab ships apart from kostack)",
        "hint: install it from a checkout of kostack: `pip install ./lab`",
    ]
    assert not (tmp_path / "lab").exists()
    korean = kostack("lab", "up", "--lang", "ko", "--scenario", "seed")
    assert korean.returncode == 2
    assert korean.stderr.splitlines() == [
        "오류: `kostack lab up`에는 kostack-lab 패키지가 필요한데 설치되어 있지 않습니다 "
        "(네트워크 랩은 kostack과 따로 배포됩니다)",
        "힌트: kostack 체크아웃에서 설치하세요: `pip install ./lab`",
    ]
    probed = kostack("probe", "--lab", "--snapshot", example)
    assert probed.returncode == 2 and "`kostack probe --lab` needs the kostack-lab" in probed.stderr
    listed = kostack("--help")
    assert listed.returncode == 0 and "\n  lab " in listed.stdout
