"""The Cisco VSG HA pair, as the configuration guide ("Configuring High Availability")
describes it.  Every rule of the guide is one row here; everything else derives from it.

Two nodes, module 1 and module 2, each with five machines (redundancy, role, two
services that System Manager restarts: one statefully, one statelessly, and the compute
nodes' side of its port group), and a global link machine.  Config contents are
abstracted to the equalities that matter (is the running config saved? do the two nodes
hold the same configs?), which is exact for two nodes and needs no bound; the bounds are
the Start_cnt counter (MAX_RESTARTS) and how many more processes of a policy can be down
besides the model's one (MORE_DOWN).
"""

from __future__ import annotations

ACTIVES = "('active_no_standby', 'active_ha_standby')"
STANDBYS = "('standby_syncing', 'ha_standby')"
UP = "('active_no_standby', 'active_ha_standby', 'standby_syncing', 'ha_standby')"

# A node that stops (powered off, or rebooting): its services' runtime state is gone (what
# they hold, their PSS checkpoints, MTS queues, Start_cnt, the flows); they start afresh.
SERVICES_FRESH = {
    "self.stateful": "'running'",
    "self.stateless": "'running'",
    "self.stateful_data": "'none'",
    "self.stateless_data": "'none'",
    "self.pss_checkpoint": "False",
    "self.restarts": "0",
    "self.stateful_mts": "False",
    "self.stateless_mts": "False",
    "self.flows": "False",
    "self.stateful_more_down": "0",
    "self.stateless_more_down": "0",
}
# A node that reboots: the administrative role becomes operational (the guide: a change
# to secondary takes effect at reload), services start afresh.
REBOOT = {"self.role": "self.admin_role", **SERVICES_FRESH}
# The active that had this node as its HA standby sees it go.
PEER_LOSES_STANDBY = {
    "peer.state": "'active_no_standby' if peer.state == 'active_ha_standby' else peer.state",
}
# running-config := startup-config, when a booting node finishes loading.
LOAD_STARTUP = {
    "self.saved": "True",
    "run_eq": "peer.run_is_peer_start",
    "self.run_is_peer_start": "start_eq",
}
# Traffic through the active: a new flow in its session table (the runtime state a
# stateful failover keeps), mirrored at once to an HA standby.
FLOW_OWN = {"self.flows": "True", "peer.flows": "False"}
FLOW_MIRRORED = {"self.flows": "True", "peer.flows": "True"}
# A configuration line typed on the active (the running config gets a fresh value).
EDIT_OWN = {"self.saved": "False", "run_eq": "False", "self.run_is_peer_start": "False"}
# ... mirrored at once to an HA standby (the guide: the standby "has synchronized its
# configuration with the active Cisco VSG so that it is continuously ready to take over").
EDIT_MIRRORED = {
    "self.saved": "False", "peer.saved": "False", "run_eq": "True",
    "self.run_is_peer_start": "False", "peer.run_is_peer_start": "False",
}
# copy running-config startup-config.
COPY_OWN = {"self.saved": "True", "start_eq": "self.run_is_peer_start",
            "peer.run_is_peer_start": "run_eq"}
COPY_MIRRORED = {"self.saved": "True", "peer.saved": "True", "start_eq": "True",
                 "self.run_is_peer_start": "True", "peer.run_is_peer_start": "True"}
# A fresh VSG: the default role (standalone, the guide: "This role is the default"), its
# own configuration, saved, equal to nothing the peer holds, and an HA pair ID that is
# not the pair's until the operator sets it on the VSG's own console.
FRESH = {"self.saved": "True", "run_eq": "False", "start_eq": "False",
         "self.run_is_peer_start": "False", "peer.run_is_peer_start": "False",
         "same_pair_id": "False", "self.role": "'standalone'",
         "self.admin_role": "'standalone'"}
# The new standby copies configuration (running and startup) from the active.
SYNC_FROM_PEER = {
    "self.saved": "peer.saved", "run_eq": "True", "start_eq": "True",
    "self.run_is_peer_start": "peer.saved", "peer.run_is_peer_start": "peer.saved",
}

# ... and its running services take the active's state (the guide: applications "are
# synchronized and updated on the active"); its PSS takes the active's checkpoints, so
# that a failed one restarts from the checkpoint the active would.
SYNC_SERVICES = {
    # (A service down on the standby keeps what it had.  The active's, down, has no state
    # to give: a stateful one takes the checkpoint the active's restarts from, as its
    # mirrored restart would; a stateless one keeps what it had.)
    "self.stateful_data": "(peer.stateful_data if peer.stateful == 'running' else "
                          "'checkpoint' if peer.pss_checkpoint else 'none') "
                          "if self.stateful == 'running' else self.stateful_data",
    "self.pss_checkpoint": "peer.pss_checkpoint",
    "self.stateless_data": "peer.stateless_data if self.stateless == 'running' "
                           "and peer.stateless == 'running' else self.stateless_data",
    # The MTS queues become one, held on both supervisors (see MTS_ROWS).
    **{f"{n}.{kind}_mts": f"self.{kind}_mts or peer.{kind}_mts"
       for kind in ("stateful", "stateless") for n in ("self", "peer")},
}


def _each_node(template: str) -> dict:
    return {f"n{n}.state": template.format(n=f"n{n}") for n in (1, 2)}


REDUNDANCY = {
    "name": "redundancy",
    "scope": "node",
    "variable": "state",
    "initial": "off",
    "states": ["off", "booting", "active_no_standby", "active_ha_standby",
               "standby_syncing", "ha_standby"],
    "transitions": [
        # Power, from the vSphere client.
        {"trigger": "power_on", "source": "off", "dest": "booting", "effects": REBOOT,
         "ops": ["reboot"]},
        # Replacing a VSG (the guide's two procedures): a fresh VSG is installed, powered
        # off, in place of one.  (After the failover it causes: not while the peer is
        # still this one's standby.)
        {"trigger": "install", "source": "off", "dest": "=", "ops": ["fresh"],
         "conditions": f"peer.state not in {STANDBYS}", "effects": FRESH},
        {"trigger": "power_off", "source": ["booting", "active_no_standby",
                                            "active_ha_standby", "standby_syncing",
                                            "ha_standby"],
         "dest": "off", "effects": {**PEER_LOSES_STANDBY, **SERVICES_FRESH}, "ops": ["stop"]},
        # Boot negotiation: a node that finds an active peer becomes standby; the
        # primary takes precedence when both negotiate; a secondary waits for the
        # primary; nobody finishes booting beside a standby (it takes over first).
        {"trigger": "boot", "source": "booting", "dest": "active_no_standby",
         "conditions": f"not visible or (not pairable and peer.state not in {STANDBYS})",
         "effects": LOAD_STARTUP,
         "ops": ["load_startup"]},
        {"trigger": "boot", "source": "booting", "dest": "standby_syncing",
         "conditions": "visible and pairable and peer_active", "effects": LOAD_STARTUP,
         "ops": ["load_startup"]},
        {"trigger": "boot", "source": "booting", "dest": "active_no_standby",
         "conditions": "visible and pairable and self.role == 'primary' "
                       "and peer.state == 'booting'",
         "effects": LOAD_STARTUP, "ops": ["load_startup"]},
        # Synchronisation: the standby copies the active, then is stable.
        {"trigger": "sync_done", "source": "standby_syncing", "dest": "ha_standby",
         "conditions": "visible and pairable and peer.state == 'active_no_standby'",
         "effects": {**SYNC_FROM_PEER, **SYNC_SERVICES, "peer.state": "'active_ha_standby'",
                     "self.flows": "peer.flows", "failover_lock": "False"},
         "ops": ["sync_from_peer"]},
        # Automatic failover: a stable standby that loses its active takes over; an
        # unstable one restarts instead ("tries to restart the pair").
        {"trigger": "takeover", "source": "ha_standby", "dest": "active_no_standby",
         "conditions": "standby_lost_active and not failover_lock",
         "effects": {"failover_lock": "True"}, "ops": ["log_takeover"]},
        {"trigger": "restart_pair", "source": "standby_syncing", "dest": "booting",
         "conditions": "not (visible and pairable and peer_active)", "effects": REBOOT,
         "ops": ["reboot"]},
        # A standalone VSG told to become secondary, with the pair's ID, beside an active
        # primary: "The secondary Cisco VSG is reloaded and added to the system."
        {"trigger": "join_reload", "source": "active_no_standby", "dest": "booting",
         "conditions": "self.role == 'standalone' and self.admin_role == 'secondary' "
                       "and same_pair_id and visible and peer.role == 'primary' "
                       "and peer_active",
         "effects": REBOOT, "ops": ["reboot"]},
        # Dual active: the primary is reset.
        {"trigger": "resolve_dual_active", "source": "active_no_standby", "dest": "booting",
         "conditions": "self.role == 'primary' and visible and pairable and peer_active",
         "effects": REBOOT, "ops": ["reboot"]},
        # Manual failover, only to an HA standby and only one at a time.
        {"trigger": "system_switchover", "source": "active_ha_standby", "dest": "booting",
         "conditions": "visible and peer.state == 'ha_standby' and not failover_lock",
         "effects": {**REBOOT, "peer.state": "'active_no_standby'",
                     "failover_lock": "True"}, "ops": ["reboot", "log_switchover"]},
        {"trigger": "reload", "source": ["active_no_standby", "active_ha_standby"],
         "dest": "booting", "effects": {**REBOOT, **PEER_LOSES_STANDBY}, "ops": ["reboot"]},
        # A failed native process (policy_engine, inspect) causes a failover.
        {"trigger": "fail_native", "source": ["active_no_standby", "active_ha_standby",
                                              "standby_syncing", "ha_standby"],
         "dest": "booting", "effects": {**REBOOT, **PEER_LOSES_STANDBY}, "ops": ["reboot"]},
        # Traffic: a new flow on the active; an HA standby mirrors it.
        {"trigger": "new_flow", "source": "active_no_standby", "dest": "=",
         "conditions": "self.compute == 'connected'", "effects": FLOW_OWN,
         "ops": ["new_flow"]},
        {"trigger": "new_flow", "source": "active_ha_standby", "dest": "=",
         "conditions": "self.compute == 'connected'", "effects": FLOW_MIRRORED,
         "ops": ["new_flow", "mirror"]},
        # Configuration, on the active only; an HA standby mirrors it.
        {"trigger": "config_edit", "source": "active_no_standby", "dest": "=",
         "effects": EDIT_OWN, "ops": ["edit"]},
        {"trigger": "config_edit", "source": "active_ha_standby", "dest": "=",
         "effects": EDIT_MIRRORED, "ops": ["edit", "mirror"]},
        {"trigger": "copy_rs", "source": "active_no_standby", "dest": "=",
         "effects": COPY_OWN, "ops": ["copy"]},
        {"trigger": "copy_rs", "source": "active_ha_standby", "dest": "=",
         "effects": COPY_MIRRORED, "ops": ["copy", "mirror"]},
        # ha-pair id N: the same ID as the peer, or another one.  A standby mirrors it.
        {"trigger": "ha_pair_id_same", "source": ["active_no_standby", "active_ha_standby"],
         "dest": "=", "effects": {"same_pair_id": "True"}},
        {"trigger": "ha_pair_id_other", "source": "active_no_standby", "dest": "=",
         "conditions": f"not (visible and peer.state in {STANDBYS})",
         "effects": {"same_pair_id": "False"}},
    ],
}

ROLE = {
    "name": "role",
    "scope": "node",
    "variable": "role",
    "initial": "standalone",
    "states": ["standalone", "primary", "secondary"],
    "transitions": [
        # standalone -> primary takes effect at once; every other change is stored in
        # the administrative role and takes effect at the next reload (REBOOT).
        {"trigger": "role_primary", "source": "standalone", "dest": "primary",
         "conditions": "self_active", "effects": {"self.admin_role": "'primary'"}},
        {"trigger": "role_primary", "source": ["primary", "secondary"], "dest": "=",
         "conditions": "self_active", "effects": {"self.admin_role": "'primary'"}},
        {"trigger": "role_secondary", "source": "*", "dest": "=",
         "conditions": "self_active", "effects": {"self.admin_role": "'secondary'"}},
        {"trigger": "role_standalone", "source": "*", "dest": "=",
         "conditions": "self_active", "effects": {"self.admin_role": "'standalone'"}},
    ],
}

# The services System Manager restarts: one with a stateful HA policy (it checkpoints its
# state in PSS, private scope, and reads it back when restarted), one with a stateless
# policy (it starts from nothing).  Each stands for every process of its policy in
# specs/vsg/ha_policies.tsv; a failure of one touches nothing else (the guide: "A failure in a
# service instance does not affect any other services").  Restarts count in Start_cnt.
_RESTARTED = {"self.restarts": "min(self.restarts + 1, MAX_RESTARTS)"}


# MTS keeps the messages (persistent or logged) for a service while it is down, and
# delivers them, all at once, when it runs again (the guide: "The MTS can maintain
# persistent messages and logged messages in queues for access even after a service
# restart"): the model keeps whether the queue holds any, which is exact for a queue
# delivered whole.  On an HA pair the queue is held on both supervisors (the guide: MTS
# handles "queuing ... between supervisors", and its messages include "synchronization"),
# so a failover loses none; the active delivers them, for both.
PAIRED = "self.state == 'active_ha_standby' or (self.state == 'ha_standby' " \
         "and peer.state == 'active_ha_standby')"


def _mts_rows(kind: str) -> tuple:
    queue, up = f"self.{kind}_mts", f"self.state in {UP}"
    return (
        {"trigger": f"mts_message_{kind}", "source": "failed", "dest": "=",
         "conditions": PAIRED, "effects": {queue: "True", f"peer.{kind}_mts": "True"},
         "ops": [f"mts_queue_{kind}", "mirror"]},
        {"trigger": f"mts_message_{kind}", "source": "failed", "dest": "=",
         "conditions": up, "effects": {queue: "True"}, "ops": [f"mts_queue_{kind}"]},
        {"trigger": f"mts_deliver_{kind}", "source": "running", "dest": "=",
         "conditions": f"self.state == 'active_ha_standby' and {queue}",
         "effects": {queue: "False", f"peer.{kind}_mts": "False"},
         "ops": [f"mts_deliver_{kind}", "mirror"]},
        {"trigger": f"mts_deliver_{kind}", "source": "running", "dest": "=",
         "conditions": f"{up} and {queue} and not ({PAIRED})",
         "effects": {queue: "False"}, "ops": [f"mts_deliver_{kind}"]})


def _service(kind: str, update: str, held: str, recovered: str, *, checkpoint: tuple = (),
             synchronised: tuple = (), synchronised_others: tuple = ()) -> dict:
    """A service machine: its state changes on the active (``update``: what it then
    holds), and an HA standby's running service is updated along; it fails, and what it
    held in memory is gone; System Manager restarts it with ``recovered`` (unless one of
    the ``synchronised`` restart rows comes first)."""
    data, more = f"self.{kind}_data", f"self.{kind}_more_down"
    mirrored = {f"peer.{kind}_data": f"{held} if peer.{kind} == 'running' "
                                     f"else peer.{kind}_data"}
    up = f"self.state in {UP}"
    return {
        "name": kind, "scope": "node", "variable": kind, "initial": "running",
        "states": ["running", "failed"],
        "transitions": [
            {"trigger": update, "source": "running", "dest": "=",
             "conditions": "self.state == 'active_no_standby'",
             "effects": {data: held}, "ops": [f"update_{kind}"]},
            {"trigger": update, "source": "running", "dest": "=",
             "conditions": "self.state == 'active_ha_standby'",
             "effects": {data: held, **mirrored}, "ops": [f"update_{kind}", "mirror"]},
            *checkpoint,
            {"trigger": f"fail_{kind}", "source": "running", "dest": "failed",
             "conditions": up, "effects": {data: "'none'"}, "ops": [f"fail_{kind}"]},
            *synchronised,
            {"trigger": f"restart_{kind}", "source": "failed", "dest": "running",
             "conditions": up, "effects": {**_RESTARTED, data: recovered},
             "ops": [f"restart_{kind}"]},
            # The other processes of the same policy (the model's service is one of them;
            # their rows are its rows): any number of them can be down at once, each
            # restarted on its own (a stateful one synchronised as the model's is).  The
            # model counts them up to MORE_DOWN, which stands for "MORE_DOWN or more":
            # a failure beyond leaves the count at its bound, and a restart there either
            # brings it down (restart_another: the last one beyond) or leaves it
            # (restart_more: more were down); every concrete run is a run of the model.
            {"trigger": f"fail_another_{kind}", "source": ["running", "failed"], "dest": "=",
             "conditions": up, "effects": {more: f"min({more} + 1, MORE_DOWN)"},
             "ops": [f"fail_another_{kind}"]},
            *({"trigger": f"restart_more_{kind}", "source": ["running", "failed"],
               "dest": "=", "conditions": f"{up} and {more} == MORE_DOWN and {context}",
               "effects": dict(_RESTARTED), "ops": [f"restart_another_{kind}", sync]}
              for context, sync in synchronised_others),
            {"trigger": f"restart_more_{kind}", "source": ["running", "failed"], "dest": "=",
             "conditions": f"{up} and {more} == MORE_DOWN", "effects": dict(_RESTARTED),
             "ops": [f"restart_another_{kind}"]},
            *({"trigger": f"restart_another_{kind}", "source": ["running", "failed"],
               "dest": "=", "conditions": f"{up} and {more} > 0 and {context}",
               "effects": {**_RESTARTED, more: f"max({more} - 1, 0)"},
               "ops": [f"restart_another_{kind}", sync]}
              for context, sync in synchronised_others),
            {"trigger": f"restart_another_{kind}", "source": ["running", "failed"], "dest": "=",
             "conditions": f"{up} and {more} > 0",
             "effects": {**_RESTARTED, more: f"max({more} - 1, 0)"},
             "ops": [f"restart_another_{kind}"]},
            *_mts_rows(kind),
        ],
    }


# A checkpoint: the active's stateful service stores its state in PSS; an HA standby's
# PSS takes the same checkpoint (its running service, updated along, see _service, then
# holds what is checkpointed).
CHECKPOINT = {"self.stateful_data": "'checkpoint'", "self.pss_checkpoint": "True"}
STANDBY_HOLDS = "peer.stateful == 'running' and peer.stateful_data != 'none'"
# A stateful restart on a pair is synchronised too (the guide: "The two Cisco VSGs
# constantly synchronize the state"): on the HA standby the service takes the active's
# state and checkpoint; on the active, the HA standby's running service goes back to the
# same checkpoint, from its own PSS (which holds the active's checkpoints).
FROM_CHECKPOINT = "'checkpoint' if {n}.pss_checkpoint else 'none'"
STATEFUL_RESTARTS = (
    {"trigger": "restart_stateful", "source": "failed", "dest": "running",
     "conditions": "self.state == 'ha_standby' and peer.state == 'active_ha_standby' "
                   "and peer.stateful == 'running'",
     "effects": {**_RESTARTED, "self.stateful_data": "peer.stateful_data",
                 "self.pss_checkpoint": "peer.pss_checkpoint"},
     "ops": ["restart_stateful", "follow"]},
    {"trigger": "restart_stateful", "source": "failed", "dest": "running",
     "conditions": "self.state == 'active_ha_standby'",
     "effects": {**_RESTARTED, "self.stateful_data": FROM_CHECKPOINT.format(n="self"),
                 "peer.stateful_data": f"({FROM_CHECKPOINT.format(n='peer')}) "
                                       "if peer.stateful == 'running' else peer.stateful_data"},
     "ops": ["restart_stateful", "mirror"]})
STATEFUL = _service(
    "stateful", "service_update", "'newer'", FROM_CHECKPOINT.format(n="self"),
    synchronised=STATEFUL_RESTARTS,
    # The model does not track the other processes' state; the lab and the node
    # synchronise them as these ops say (HA standby: take the active's; active: mirror).
    synchronised_others=(("self.state == 'ha_standby' and peer.state == 'active_ha_standby'",
                          "follow"),
                         ("self.state == 'active_ha_standby'", "mirror")),
    # It checkpoints its state in PSS when it needs to; PSS keeps it across a failure.
    checkpoint=({"trigger": "pss_checkpoint", "source": "running", "dest": "=",
                 "conditions": "self.state == 'active_no_standby' "
                               "and self.stateful_data == 'newer'",
                 "effects": CHECKPOINT, "ops": ["checkpoint"]},
                {"trigger": "pss_checkpoint", "source": "running", "dest": "=",
                 "conditions": "self.state == 'active_ha_standby' "
                               "and self.stateful_data == 'newer'",
                 "effects": {**CHECKPOINT,
                             "peer.stateful_data": f"'checkpoint' if {STANDBY_HOLDS} "
                                                   "else peer.stateful_data",
                             "peer.pss_checkpoint": "True"},
                 "ops": ["checkpoint", "mirror"]}))
STATELESS = _service("stateless", "stateless_update", "'some'", "'none'")

LINK_LOST = _each_node("'active_no_standby' if {n}.state == 'active_ha_standby' else {n}.state")
LINK = {
    "name": "link",
    "scope": "global",
    "variable": "link",
    "initial": "up",
    "states": ["up", "down"],
    "transitions": [
        # A partition: each active loses its HA standby at once; the standby's own
        # reaction (take over) is its next internal step.
        # (Also how a port group isolates one VSG of the two from the other.)
        {"trigger": "link_down", "source": "up", "dest": "down", "effects": LINK_LOST},
        # When the link heals, a standby whose active dropped it must synchronise again.
        {"trigger": "link_up", "source": "down", "dest": "up",
         "effects": _each_node("'standby_syncing' if {n}.state == 'ha_standby' "
                               "else {n}.state")},
        # What the pair's VMs run on, when both share it (the guide: "Although primary and
        # secondary Cisco VSGs can reside in the same host, you can improve redundancy by
        # installing them in separate hosts and, if possible, connecting them to different
        # upstream switches"): a shared host's failure powers both off at once; a shared
        # upstream switch's failure cuts the link and the compute nodes from both.  With
        # separate hosts and switches the same failures are a power-off, or a link down and
        # one VSG's compute nodes lost, which the other rows already are.
        {"trigger": "host_fail", "source": ["up", "down"], "dest": "=",
         "conditions": "n1.state != 'off' and n2.state != 'off'",
         "effects": {f"{n}.{k.removeprefix('self.')}": v for n in ("n1", "n2")
                     for k, v in {"self.state": "'off'", **SERVICES_FRESH}.items()},
         "ops": ["stop_both"]},
        {"trigger": "switch_fail", "source": "up", "dest": "down",
         "effects": {**LINK_LOST, "n1.compute": "'isolated'", "n2.compute": "'isolated'"}},
    ],
}

# The compute nodes' side of a VSG's port group (vSphere): while it is isolated, no compute
# node reaches the VSG, so no traffic goes through it (the guide's replace-the-active
# procedure isolates the new VSG "from the secondary Cisco VSG and the compute nodes"; the
# secondary's side is the link).
COMPUTE = {
    "name": "compute",
    "scope": "node",
    "variable": "compute",
    "initial": "connected",
    "states": ["connected", "isolated"],
    "transitions": [
        {"trigger": "compute_isolate", "source": "connected", "dest": "isolated"},
        {"trigger": "compute_connect", "source": "isolated", "dest": "connected"},
    ],
}

TRIGGERS = {
    "power_on": {"kind": "physical", "doc": "power the VSG on (vSphere client)"},
    "power_off": {"kind": "physical", "doc": "power the VSG off (vSphere client)"},
    "link_down": {"kind": "physical", "doc": "the link between the pair fails, or a port "
                                             "group isolates one VSG from the other"},
    "link_up": {"kind": "physical", "doc": "the link between the pair is restored (the VSGs "
                                           "can communicate)"},
    "host_fail": {"kind": "physical", "doc": "the host both VSGs reside in fails"},
    "switch_fail": {"kind": "physical", "doc": "the upstream switch both VSGs connect to "
                                               "fails"},
    "compute_isolate": {"kind": "physical", "doc": "a port group keeps the compute nodes from "
                                                   "reaching the VSG (vSphere client)"},
    "compute_connect": {"kind": "physical", "doc": "the port group lets the compute nodes "
                                                   "reach the VSG again"},
    "boot": {"kind": "internal", "doc": "boot negotiation ends",
             "tags": ["negotiation", "pairing"]},
    "sync_done": {"kind": "internal", "doc": "the standby is synchronised (stable)",
                  "tags": ["pairing"]},
    "takeover": {"kind": "internal", "doc": "automatic failover by a stable standby",
                 "tags": ["failover"]},
    "restart_pair": {"kind": "internal", "doc": "an unstable standby restarts"},
    "join_reload": {"kind": "internal", "doc": "a VSG made secondary beside its primary is "
                                               "reloaded and added to the pair",
                    "tags": ["pairing"]},
    "resolve_dual_active": {"kind": "internal", "doc": "dual active: the primary is reset",
                            "tags": ["dual_active_reset"]},
    "system_switchover": {"kind": "operator", "doc": "system switchover",
                          "tags": ["failover"],
                          "refusal": "Failed to switchover (standby not ready to takeover "
                                     "in vdc 1)",
                          # The command is taken on an active VSG: refused with the
                          # device's message there, "not allowed" elsewhere.
                          "refused_when": "self_active"},
    "reload": {"kind": "operator", "doc": "reload"},
    "fail_native": {"kind": "fault", "doc": "a native process (policy engine, inspect, "
                                            "the data path) fails"},
    "fail_stateful": {"kind": "fault", "doc": "a borrowed process with a stateful HA policy "
                                              "fails", "tags": ["service_failure"]},
    "fail_stateless": {"kind": "fault", "doc": "a borrowed process with a stateless HA "
                                               "policy fails", "tags": ["service_failure"]},
    "restart_stateful": {"kind": "internal", "doc": "System Manager restarts it statefully "
                                                    "(from its PSS checkpoint)",
                         "tags": ["service_restart"]},
    "restart_stateless": {"kind": "internal", "doc": "System Manager restarts it statelessly",
                          "tags": ["service_restart"]},
    **{f"fail_another_{kind}": {"kind": "fault", "doc": f"another borrowed process with a "
                                                        f"{kind} HA policy fails while one is "
                                                        "down", "tags": ["service_failure"]}
       for kind in ("stateful", "stateless")},
    **{f"restart_another_{kind}": {"kind": "internal", "doc": f"System Manager restarts "
                                                             f"that other one ({kind})",
                                   "tags": ["service_restart"]}
       for kind in ("stateful", "stateless")},
    **{f"restart_more_{kind}": {"kind": "internal", "doc": f"System Manager restarts one "
                                                          f"of more than MORE_DOWN others "
                                                          f"down ({kind}): as many as the "
                                                          "bound are still down",
                                "tags": ["service_restart"]}
       for kind in ("stateful", "stateless")},
    "service_update": {"kind": "traffic", "doc": "the stateful service's operating state "
                                                 "changes"},
    "pss_checkpoint": {"kind": "traffic", "doc": "the stateful service checkpoints its state "
                                                 "in PSS"},
    "stateless_update": {"kind": "traffic", "doc": "the stateless service's state changes"},
    **{f"mts_message_{kind}": {"kind": "traffic", "doc": f"an MTS message (persistent or "
                                                         f"logged) for the failed {kind} "
                                                         "service"}
       for kind in ("stateful", "stateless")},
    **{f"mts_deliver_{kind}": {"kind": "internal", "doc": f"MTS delivers the {kind} "
                                                         "service's queued messages"}
       for kind in ("stateful", "stateless")},
    "new_flow": {"kind": "traffic", "doc": "traffic opens a new flow through the active"},
    "config_edit": {"kind": "operator", "doc": "a configuration line (configure mode)",
                    "tags": ["configuration"]},
    "copy_rs": {"kind": "operator", "doc": "copy running-config startup-config",
                "tags": ["configuration"]},
    "ha_pair_id_same": {"kind": "operator", "doc": "ha-pair id N, N the peer's ID",
                        "tags": ["configuration"]},
    "ha_pair_id_other": {"kind": "operator", "doc": "ha-pair id N, N not the peer's ID",
                         "tags": ["configuration"]},
    "install": {"kind": "physical",
                "doc": "install a fresh VSG (standalone, its own configuration) in place of a "
                       "powered-off one"},
    "role_standalone": {"kind": "operator", "doc": "system redundancy role standalone",
                        "tags": ["role_change"]},
    "role_primary": {"kind": "operator", "doc": "system redundancy role primary",
                     "tags": ["role_change"]},
    "role_secondary": {"kind": "operator", "doc": "system redundancy role secondary",
                       "tags": ["role_change"]},
}

MACROS = {
    "visible": "link == 'up' and peer.state != 'off'",
    # Pairing is by HA pair ID, between a primary and a secondary (symmetric, so it is
    # written for the pair, not for one node).
    "pairable": "same_pair_id and n1.role != 'standalone' and n2.role != 'standalone' "
                "and n1.role != n2.role",
    "peer_active": f"peer.state in {ACTIVES}",
    "self_active": f"self.state in {ACTIVES}",
    # An HA standby's active is there only while it counts this node as its standby.
    "standby_lost_active": "not (visible and pairable and peer.state == 'active_ha_standby')",
    "n1_active": f"n1.state in {ACTIVES}",
    "n2_active": f"n2.state in {ACTIVES}",
    # Both see each other as active: the conflict the guide's Caution describes.
    "dual_active": "n1_active and n2_active and link == 'up' and pairable",
    "ha_pair": "link == 'up' and pairable and ((n1.state == 'ha_standby' and n2_active) "
               "or (n2.state == 'ha_standby' and n1_active))",
}

ASSUMPTIONS = {
    "no_partition": {"doc": "the link between the pair never fails",
                     "without": ["link_down", "switch_fail"]},
    "fixed_pairing": {"doc": "nobody changes a role or an HA pair ID, installs a VSG, or "
                             "cuts one off from the compute nodes (a port group, or the "
                             "failure of an upstream switch both share)",
                      "without": ["role_standalone", "role_primary", "role_secondary",
                                  "ha_pair_id_same", "ha_pair_id_other",
                                  "install", "compute_isolate", "compute_connect",
                                  "switch_fail"]},
}

BECOMES_ACTIVE = "not pre.{n}_active and post.{n}_active"


def _transitive(a: str, b: str, c: str) -> str:
    """Three equalities over a triangle of configs: never exactly one of them false."""
    return (f"not ((not {a} and {b} and {c}) or ({a} and not {b} and {c}) "
            f"or ({a} and {b} and not {c}))")


def _syncing_with_active(n: str, o: str) -> str:
    return (f"({n}.state == 'standby_syncing' and link == 'up' and pairable "
            f"and {o}.state == 'active_no_standby')")

PROPERTIES = [
    {"name": "NoDualActive", "kind": "always", "assume": ["no_partition", "fixed_pairing"],
     "guide": "The pair operates in an active/standby capacity in which only one is active at any "
              "given time",
     "meaning": "never two actives at all, when the link never fails and no one changes a "
                "role or HA pair ID, installs a VSG or isolates one (without fixed_pairing an "
                "installed VSG comes up standalone and active beside the pair)",
     "expr": "not (n1_active and n2_active)"},
    {"name": "DualActiveOnPartition", "kind": "always", "assume": ["fixed_pairing"],
     "guide": "the conflict between two Cisco VSGs in the active state",
     "expect": "violated",
     "meaning": "a partition does make two actives (expected: the checker must show it)",
     "expr": "not (n1_active and n2_active)"},
    {"name": "DualActiveResetsPrimary", "kind": "action", "on": ["dual_active_reset"],
     "guide": "If both the primary and secondary VSG instances see each other as active at the same"
              " time, the system resolves this problem by resetting the primary Cisco VSG.",
     "meaning": "a detected dual active is resolved by resetting the primary, and only it",
     "require": "pre.dual_active and pre.self.role == 'primary' "
                "and post.self.state == 'booting' and not post.dual_active "
                "and post.peer.state == pre.peer.state"},
    {"name": "DualActiveResolved", "kind": "leads_to",
     "guide": "If both the primary and secondary VSG instances see each other as active at the "
              "same time, the system resolves this problem",
     "meaning": "every dual active is eventually resolved",
     "p": "dual_active", "q": "not dual_active"},
    {"name": "SwitchoverOnlyToHAStandby", "kind": "action", "on": ["system_switchover"],
     "guide": "If the standby Cisco VSG is not in a stable state (the state must be ha-standby), a "
              "manually initiated failover cannot be done.",
     "meaning": "a manual switchover starts only when the peer is HA standby",
     "require": "pre.link == 'up' and pre.peer.state == 'ha_standby' "
                "and post.peer_active"},
    {"name": "PrimaryPrecedence", "kind": "action", "on": ["negotiation"],
     "guide": "That is, if the secondary Cisco VSG does not have the active role at bootup, the "
              "primary Cisco VSG takes the active role.",
     "meaning": "at boot, the primary becomes active unless the secondary already is",
     "require": "(not (pre.self.role == 'primary' and pre.visible and pre.pairable "
                "and not pre.peer_active) or post.self_active) "
                "and not (pre.self.role == 'secondary' and pre.visible and pre.pairable "
                "and pre.peer.state == 'booting')"},
    {"name": "OneFailoverAtATime", "kind": "action", "on": ["failover"],
     "guide": "When a failover begins, another failover cannot be started until a stable standby "
              "Cisco VSG is available.",
     "meaning": "after a failover starts, no other starts until a stable standby exists",
     "require": "not pre.failover_lock and post.failover_lock"},
    {"name": "LockHeldUntilStableStandby", "kind": "always",
     "guide": "until a stable standby Cisco VSG is available",
     "meaning": "while a failover is in progress there is no HA standby",
     "expr": "not (failover_lock and ha_pair)"},
    {"name": "UnstableStandbyRestarts", "kind": "action", "on": ["*"],
     "guide": "If a standby Cisco VSG that is not stable detects that an active Cisco VSG has "
              "failed, then instead of initiating a failover",
     "meaning": "a standby that is not stable never takes over",
     "require": "not (pre.n1.state == 'standby_syncing' and post.n1_active) "
                "and not (pre.n2.state == 'standby_syncing' and post.n2_active)"},
    {"name": "PairingNeedsSameId", "kind": "action", "on": ["pairing"],
     "guide": "The configuration state synchronization between the active and standby Cisco VSGs "
              "occurs between those Cisco VSG pairs that share the same HA pair ID.",
     "meaning": "a VSG becomes a standby only of a peer with the same HA pair ID",
     "require": f"post.self.state not in {STANDBYS} or pre.same_pair_id"},
    {"name": "StandaloneNeverPairs", "kind": "action", "on": ["pairing"],
     "guide": "Standalone—This role does not interact with other Cisco VSGs.",
     "meaning": "a standalone VSG never pairs (it does wait at boot beside a standby)",
     "require": f"post.self.state not in {STANDBYS} "
                "or (pre.n1.role != 'standalone' and pre.n2.role != 'standalone')"},
    {"name": "StandbyInSync", "kind": "always",
     "guide": "This state indicates that the Cisco VSG has synchronized its configuration with the"
              " active Cisco VSG",
     "meaning": "an HA standby's running and startup config equal the active's",
     "expr": "not ha_pair or (run_eq and start_eq)"},
    {"name": "UnsavedConfigSurvivesFailover", "kind": "action", "on": ["failover"],
     "guide": "Any unsaved running configuration that was available in the active Cisco VSG is "
              "still unsaved in the new active Cisco VSG.",
     "meaning": "the new active is the HA standby and keeps its config (the active's, by "
                "StandbyInSync), unsaved if it was",
     "require": " and ".join(
         f"(not ({BECOMES_ACTIVE.format(n=n)}) or (pre.{n}.state == 'ha_standby' "
         f"and post.{n}.saved == pre.{n}.saved "
         f"and post.{n}.run_is_peer_start == pre.{n}.run_is_peer_start))"
         for n in ("n1", "n2"))},
    {"name": "StatusConsistent", "kind": "always",
     "guide": "If the output of the show system redundancy status command indicates that the "
              "operational redundancy mode of the active Cisco VSG is none, the active and standby "
              "Cisco VSGs are not synchronized.",
     "meaning": "operational redundancy mode is HA exactly when the active has an HA "
                "standby",
     "expr": "((n1.state == 'active_ha_standby') == (n2.state == 'ha_standby' "
             "and link == 'up' and pairable and n1_active)) and "
             "((n2.state == 'active_ha_standby') == "
             "(n1.state == 'ha_standby' and link == 'up' and pairable and n2_active))"},
    *({"name": f"PersistentMessagesSurvive{prefix}Restart", "kind": "action",
       "on": [f"restart_{kind}"],
       "guide": "The MTS can maintain persistent messages and logged messages in queues for "
                "access even after a service restart.",
       "meaning": f"MTS keeps the messages (persistent or logged) queued for the {kind} "
                  "service across its restart",
       "require": f"post.self.{kind}_mts == pre.self.{kind}_mts"}
      for kind, prefix in (("stateful", ""), ("stateless", "Stateless"))),
    {"name": "BootLoadsStartup", "kind": "action", "on": ["negotiation"],
     "guide": "Saves the running configuration persistently through reboots and restarts",
     "meaning": "a VSG that finishes booting runs its startup config",
     "require": "post.self.saved and post.self.run_is_peer_start == pre.start_eq"},
    {"name": "ConfigEqualitiesConsistent", "kind": "always",
     "meaning": "the configuration equalities the model keeps are those of four real "
                "configs (equality is transitive): the model's own consistency, of which the "
                "guide says nothing",
     "expr": " and ".join(_transitive(*t) for t in (
         ("n1.saved", "n2.run_is_peer_start", "run_eq"),
         ("n1.saved", "start_eq", "n1.run_is_peer_start"),
         ("run_eq", "n2.saved", "n1.run_is_peer_start"),
         ("n2.run_is_peer_start", "n2.saved", "start_eq")))},
    {"name": "RoleChangeRule", "kind": "action", "on": ["role_change"],
     "guide": "A change from a standalone to a primary Cisco VSG takes effect immediately.",
     "meaning": "standalone -> primary takes effect at once; any other role change only "
                "at the next reload",
     "require": "(pre.self.role == 'standalone' and post.self.admin_role == 'primary' "
                "and post.self.role == 'primary') or (not (pre.self.role == 'standalone' "
                "and post.self.admin_role == 'primary') and post.self.role == pre.self.role)"},
    {"name": "RoleAppliedAtReload", "kind": "action", "on": ["*"],
     "guide": "To activate a change from a primary to a secondary Cisco VSG, you must reload the "
              "primary Cisco VSG",
     "meaning": "a VSG that reloads comes back with its administrative role",
     "require": "not (pre.self.state != 'booting' and post.self.state == 'booting') "
                "or post.self.role == pre.self.admin_role"},
    {"name": "SwitchoverReloadsOldActive", "kind": "action", "on": ["system_switchover"],
     "guide": "Initiates a manual failover from the active Cisco VSG to the standby Cisco VSG.",
     "meaning": "after a manual switchover the old active reloads, its services afresh",
     "require": "post.self.state == 'booting' and post.self.stateful == 'running' "
                "and not post.self.stateful_mts"},
    {"name": "FailoverNeedsStableStandby", "kind": "action", "on": ["failover"],
     "guide": "Before you can initiate a manual failover from the active to the standby Cisco VSG,"
              " the standby Cisco VSG must be stable.",
     "meaning": "a failover starts only from an HA standby, and leaves none until a new "
                "standby is stable",
     "require": "(pre.self.state == 'ha_standby' or pre.peer.state == 'ha_standby') "
                "and post.n1.state != 'ha_standby' and post.n2.state != 'ha_standby'"},
    {"name": "AtMostOneHAStandby", "kind": "always",
     "guide": "Redundancy is provided by one active Cisco VSG and one standby Cisco VSG.",
     "meaning": "there is never more than one HA standby",
     "expr": "not (n1.state == 'ha_standby' and n2.state == 'ha_standby')"},
    {"name": "InternalStepsNeverPowerOff", "kind": "action",
     "on": [t for t, meta in TRIGGERS.items() if meta["kind"] == "internal"],
     "meaning": "only the environment powers a VSG off; its own steps restart it (the guide "
                "is silent on it: our reading of its power-off instructions)",
     "require": "pre.self.state == 'off' or post.self.state != 'off'"},
    {"name": "StandbyBecomesStable", "kind": "leads_to",
     "guide": "The active and standby Cisco VSGs automatically synchronize when the internal state "
              "of one is active and the internal state of the other is standby.",
     "meaning": "a standby synchronising with a healthy active becomes HA standby",
     "p": " or ".join(_syncing_with_active(n, o) for n, o in (("n1", "n2"), ("n2", "n1"))),
     "q": " and ".join(f"({n}.state in ('ha_standby', 'off') or not (link == 'up' "
                       f"and pairable and {o}_active))"
                       for n, o in (("n1", "n2"), ("n2", "n1")))},
    *({"name": f"Queued{prefix}MessagesDelivered", "kind": "leads_to",
       "guide": "The MTS can maintain persistent messages and logged messages in queues for access",
       "meaning": f"on module 1, the MTS messages (persistent or logged) queued for the {kind} "
                  "service are delivered once it runs again (on an HA standby, by its active, "
                  "for both), unless the VSG stops first (powered off or rebooted, which "
                  "clears them)",
       "p": f"n1.{kind}_mts", "q": f"not n1.{kind}_mts or n1.state == 'off'"}
      for kind, prefix in (("stateful", ""), ("stateless", "Stateless"))),
    *({"name": f"StableStandbyTakesOver_m{n}", "kind": "leads_to",
       "guide": "When a stable standby Cisco VSG detects that the active Cisco VSG has failed, "
                "it initiates a failover and transitions to active.",
       "meaning": f"module {n} as HA standby without a healthy active in view becomes active "
                  "(or stops being HA standby: powered off, restarted)",
       "p": f"n{n}.state == 'ha_standby' and not (link == 'up' and pairable "
            f"and n{3 - n}.state == 'active_ha_standby')",
       "q": f"n{n}_active or n{n}.state != 'ha_standby'"}
      for n in (1, 2)),
    {"name": "EventuallyActive", "kind": "leads_to",
     "guide": "The Cisco VSG HA pair configuration allows uninterrupted traffic forwarding",
     "meaning": "while some node is powered, some node eventually is active (that it is the "
                "standby which takes over is StableStandbyTakesOver)",
     "p": "n1.state != 'off' or n2.state != 'off'",
     "q": "n1_active or n2_active or (n1.state == 'off' and n2.state == 'off')"},
]

# -- What a step must leave alone, what must be possible, and the guide's procedures --------

# A VSG's own data (what it keeps in its own memory and disks): its state and configs,
# and its services (two groups, so that each property explores a smaller product).
NODE_LOCAL = ("state", "role", "admin_role", "saved")
POWER = ("power_on", "install")
CONFIG_COMMANDS = ["configuration", "role_change"]
# The pair as the guide's synchronised example shows it ("Active with HA standby" and
# "HA standby"), with module 1 or module 2 active.
PAIR_1 = "n1.state == 'active_ha_standby' and n2.state == 'ha_standby'"
PAIR_2 = "n2.state == 'active_ha_standby' and n1.state == 'ha_standby'"
BOTH_ON = ["n1.power_on", "n2.power_on", {"until": PAIR_1}]
SEPARATE_HOSTS = ("Although primary and secondary Cisco VSGs can reside in the same host, you "
                  "can improve redundancy by installing them in separate hosts and, if "
                  "possible, connecting them to different upstream switches.")
SAME_PORT_GROUPS = ("Set up the port groups for the dual Cisco VSG VMs with the same parameters "
                    "in both hosts.")
ISOLATE_FROM_COMPUTE = ("You must configure the port groups so that the new primary Cisco VSG "
                        "cannot communicate with the secondary Cisco VSG or any of the compute "
                        "nodes during the setup.")
# The port group of module 1 changed to prevent (permit) communication with the secondary
# Cisco VSG (the link) and the compute nodes: one step of the guide, two of the model.
ISOLATE_N1 = ["link_down", "n1.compute_isolate"]
CONNECT_N1 = ["n1.compute_connect", "link_up"]


def _untouched(who: str, variables: tuple = NODE_LOCAL) -> str:
    return (f"(pre.{who}.state != 'off' or ("
            + " and ".join(f"post.{who}.{v} == pre.{who}.{v}" for v in variables) + "))")


def _unchanged(*names: str) -> str:
    return " and ".join(f"post.{v} == pre.{v}" for v in names)


def _each_module(decl: dict) -> list[dict]:
    """``decl`` for module 1 and for module 2 (``{n}``: the module, ``{o}``: the other)."""
    out = []
    for n, o in (("n1", "n2"), ("n2", "n1")):
        d = {k: v.format(n=n, o=o) if k in ("require", "expr", "p", "q", "when") else v
             for k, v in decl.items()}
        d["name"] = f"{decl['name']}_m{n[1]}"
        d["meaning"] = f"module {n[1]}: {decl['meaning']}"
        out.append(d)
    return out


def _changes(n: str, var: str, a: str, b: str) -> str:
    return f"(pre.{n}.{var} == '{a}' and post.{n}.{var} == '{b}')"


def _service_properties() -> list[dict]:
    """The services' properties, written once per module (``_each_module``): a property
    over both modules' services would explore the product of both, and the services of
    one module never read the other's."""
    sf_fails, sl_fails = _changes("{n}", "stateful", "running", "failed"), \
        _changes("{n}", "stateless", "running", "failed")
    sf_back, sl_back = _changes("{n}", "stateful", "failed", "running"), \
        _changes("{n}", "stateless", "failed", "running")
    isolated = ("A failure in a service instance does not affect any other services that are "
                "running at that time.")
    others_back = " or ".join(f"post.{{n}}.{svc}_more_down < pre.{{n}}.{svc}_more_down"
                              for svc in ("stateful", "stateless"))
    decls = [
        *({"name": f"{name}FreshWhileDown", "kind": "always",
           "guide": "The SM is responsible for launching, stopping, monitoring, restarting a "
                    "service",
           "meaning": f"a VSG that is powered off or booting holds {what}: its services start "
                      "afresh when it boots (our reading: PSS holds runtime state, which a "
                      "reboot clears)",
           "expr": "{n}.state not in ('off', 'booting') or (" + fresh + ")"}
          for name, what, fresh in (
              ("StatefulService", "no stateful service state, PSS checkpoint or queued MTS "
               "message", "{n}.stateful == 'running' and {n}.stateful_data == 'none' "
               "and not {n}.pss_checkpoint and not {n}.stateful_mts"),
              ("StatelessService", "no stateless service state, a Start_cnt of 0 and no "
               "process down", "{n}.stateless == 'running' and {n}.stateless_data == 'none' "
               "and {n}.restarts == 0 and {n}.stateful_more_down == 0 "
               "and {n}.stateless_more_down == 0"),
              ("StatelessQueue", "no MTS message queued for the stateless service",
               "not {n}.stateless_mts"),
              ("Flows", "no flow", "not {n}.flows"))),
        {"name": "StatefulFailureIsolated", "kind": "action", "on": ["fail_stateful"],
         "guide": isolated,
         "meaning": "when the stateful service fails, the stateless one (its state, its MTS "
                    "queue) is as it was",
         "require": f"not {sf_fails} or ("
                    + _unchanged("{n}.stateless", "{n}.stateless_data", "{n}.stateless_mts")
                    + ")"},
        # (One property per service: each has the cone of one of the two above.)
        {"name": "AnotherFailureLeavesTheStatefulService", "kind": "action",
         "on": ["fail_another_stateful", "fail_another_stateless",
                "restart_another_stateful", "restart_another_stateless",
                "restart_more_stateful", "restart_more_stateless"],
         "guide": isolated,
         "meaning": "when another process than the model's fails or is restarted, the "
                    "stateful service (its state, its PSS checkpoint, its MTS queue) is as it "
                    "was",
         "require": _unchanged("{n}.stateful", "{n}.stateful_data", "{n}.pss_checkpoint",
                               "{n}.stateful_mts")},
        {"name": "AnotherFailureLeavesTheStatelessService", "kind": "action",
         "on": ["fail_another_stateful", "fail_another_stateless",
                "restart_another_stateful", "restart_another_stateless",
                "restart_more_stateful", "restart_more_stateless"],
         "guide": isolated,
         "meaning": "when another process than the model's fails or is restarted, the "
                    "stateless service (its state, its MTS queue) is as it was",
         "require": _unchanged("{n}.stateless", "{n}.stateless_data", "{n}.stateless_mts")},
        {"name": "StatelessFailureIsolated", "kind": "action", "on": ["fail_stateless"],
         "guide": isolated,
         "meaning": "when the stateless service fails, the stateful one (its state, its PSS "
                    "checkpoint, its MTS queue) is as it was",
         "require": f"not {sl_fails} or ("
                    + _unchanged("{n}.stateful", "{n}.stateful_data", "{n}.pss_checkpoint",
                                 "{n}.stateful_mts") + ")"},
        {"name": "StatefulRestartRecoversCheckpoint", "kind": "action",
         "on": ["restart_stateful"],
         "guide": "A restarting service can recover the last known operating state that "
                  "preceded a failure.",
         "meaning": "a stateful restart gives the service back its last PSS checkpoint "
                    "(nothing if it never made one), and PSS keeps the checkpoint; or, on an "
                    "HA standby that reaches its active, the running active's state and "
                    "checkpoint (see "
                    "StatefulServiceStateMirroredOnHAStandby)",
         "require": f"not {sf_back} or (post.{{n}}.pss_checkpoint == pre.{{n}}.pss_checkpoint "
                    "and ((pre.{n}.pss_checkpoint and post.{n}.stateful_data == 'checkpoint') "
                    "or (not pre.{n}.pss_checkpoint and post.{n}.stateful_data == 'none'))) "
                    "or (pre.{n}.state == 'ha_standby' and pre.link == 'up' "
                    "and pre.{o}.stateful == 'running' "
                    "and post.{n}.stateful_data == pre.{o}.stateful_data "
                    "and post.{n}.pss_checkpoint == pre.{o}.pss_checkpoint)"},
        {"name": "StatelessRestartStartsFromNothing", "kind": "action",
         "on": ["restart_stateless"],
         "guide": "a stateless restart",
         "meaning": "a stateless restart recovers nothing: the service starts without state",
         "require": f"not {sl_back} or post.{{n}}.stateless_data == 'none'"},
        {"name": "CheckpointKeepsState", "kind": "action", "on": ["pss_checkpoint"],
         "guide": "It functions as a database of state and run-time information, which "
                  "allows services to make a checkpoint of their state information whenever "
                  "needed.",
         "meaning": "a checkpoint stores the service's current state in PSS",
         "require": "pre.{n}.stateful_data == post.{n}.stateful_data or "
                    "(post.{n}.pss_checkpoint and post.{n}.stateful_data == 'checkpoint')"},
        {"name": "PssOutlivesTheService", "kind": "action", "on": ["fail_stateful"],
         "guide": "The PSS component works with system services to recover states if a "
                  "service restart occurs.",
         "meaning": "when the stateful service fails, PSS keeps its checkpoint",
         "require": "post.{n}.pss_checkpoint == pre.{n}.pss_checkpoint"},
        {"name": "StartCntCounts", "kind": "action", "on": ["service_restart"],
         "guide": "This example shows how to display the state and start count of all "
                  "processes",
         "meaning": "every restart of a failed borrowed process (stateful or stateless, the "
                    "model's or another) counts in Start_cnt",
         "require": f"not ({sf_back} or {sl_back} or {others_back}) or "
                    "post.{n}.restarts == min(pre.{n}.restarts + 1, MAX_RESTARTS)"},
    ]
    return [d for decl in decls for d in _each_module(decl)]


def _role_stored(role: str) -> dict:
    return {"name": f"Role{role.capitalize()}Stored", "kind": "action",
            "on": [f"role_{role}"],
            "guide": "Specifies the HA role of a Cisco VSG.",
            "meaning": f"'system redundancy role {role}' stores {role} as the administrative "
                       "role",
            "require": f"post.self.admin_role == '{role}'"}


PROPERTIES += [
    # What a step must leave alone.
    {"name": "ConfigCommandsKeepRedundancyState", "kind": "action", "on": CONFIG_COMMANDS,
     "meaning": "a configuration command (a configuration line, copy running-config "
                "startup-config, ha-pair id, a role command) changes no redundancy state, "
                "no link and no failover in progress"
                " (the guide is silent on it: our reading)",
     "require": _unchanged("n1.state", "n2.state", "link", "failover_lock")},
    {"name": "CommandsNeedARunningVSG", "kind": "action",
     "on": [t for t, meta in TRIGGERS.items() if meta["kind"] == "operator"],
     "guide": "You are logged into the CLI in EXEC mode.",
     "meaning": "a command is typed on a VSG that runs (not powered off, not booting)",
     "require": "pre.self.state not in ('off', 'booting')"},
    {"name": "ConfigCommandsOnlyOnActive", "kind": "action", "on": CONFIG_COMMANDS,
     "guide": "configuration is not allowed",
     "meaning": "configuration commands are accepted only on an active VSG",
     "require": "pre.self_active"},
    {"name": "RoleCommandsKeepConfiguration", "kind": "action", "on": ["role_change"],
     "meaning": "a role command changes the role and nothing of the configurations or the "
                "HA pair ID"
                " (the guide is silent on it: our reading)",
     "require": _unchanged("n1.saved", "n2.saved", "run_eq", "start_eq", "same_pair_id",
                           "n1.run_is_peer_start", "n2.run_is_peer_start",
                           "peer.admin_role", "peer.role")},
    _role_stored("standalone"), _role_stored("primary"), _role_stored("secondary"),
    {"name": "HaPairIdSameStored", "kind": "action", "on": ["ha_pair_id_same"],
     "guide": "vsg(config)# ha-pair id {number} Assigns an ID to an HA pair.",
     "meaning": "'ha-pair id N' with the peer's ID gives the two the same HA pair ID",
     "require": "post.same_pair_id"},
    {"name": "HaPairIdOtherStored", "kind": "action", "on": ["ha_pair_id_other"],
     "guide": "vsg(config)# ha-pair id {number} Assigns an ID to an HA pair.",
     "meaning": "'ha-pair id N' with another ID than the peer's gives the two different HA "
                "pair IDs",
     "require": "not post.same_pair_id"},
    {"name": "CopySavesRunningConfig", "kind": "action", "on": ["copy_rs"],
     "guide": "by copying it to the startup configuration",
     "meaning": "after copy running-config startup-config the startup config is the running "
                "one (on an HA standby too, which mirrors the active), and no running config "
                "changes",
     "require": "post.self.saved and post.run_eq == pre.run_eq "
                "and (post.peer.saved if pre.self.state == 'active_ha_standby' else "
                "(post.peer.saved == pre.peer.saved "
                "and post.start_eq == pre.self.run_is_peer_start "
                "and post.peer.run_is_peer_start == pre.run_eq))"},
    {"name": "ConfigLineChangesRunningConfig", "kind": "action", "on": ["config_edit"],
     "guide": "Saves the running configuration persistently through reboots and restarts by "
              "copying it to the startup configuration.",
     "meaning": "a configuration line makes the running config differ from the startup "
                "config (until it is copied), and leaves the startup configs alone",
     "require": "not post.self.saved and post.start_eq == pre.start_eq"},
    {"name": "PoweredOffVSGUntouched", "kind": "action",
     "on": [t for t in TRIGGERS if t not in POWER],
     "guide": "Power the Cisco VSG off and then on from the vSphere Client.",
     "meaning": "only powering it on or installing a VSG in its place changes a powered-off "
                "VSG",
     "require": f"{_untouched('self')} and {_untouched('peer')}"},
    {"name": "PowerActsOnOneVSG", "kind": "action", "on": list(POWER),
     "meaning": "powering a VSG on, or installing one, leaves a powered-off peer as it is"
                " (the guide is silent on it: our reading)",
     "require": _untouched("peer")},
    {"name": "PowerOffPowersOff", "kind": "action", "on": ["power_off"],
     "guide": "Power the Cisco VSG off and then on from the vSphere Client.",
     "meaning": "a running VSG powered off is off, and its peer stays powered as it was",
     "require": "pre.self.state != 'off' and post.self.state == 'off' "
                "and (post.peer.state == 'off') == (pre.peer.state == 'off')"},
    {"name": "PowerOnOnlyWhenOff", "kind": "action", "on": ["power_on"],
     "guide": "Power the Cisco VSG off and then on from the vSphere Client.",
     "meaning": "only a powered-off VSG is powered on",
     "require": "pre.self.state == 'off'"},
    {"name": "OnlyPowerOffPowersOff", "kind": "action",
     "on": [t for t in TRIGGERS if t not in ("power_off", "host_fail")],
     "meaning": "no step but powering it off (or the failure of the host it resides in) "
                "turns a running VSG off"
                " (the guide is silent on it: our reading)",
     "require": " and ".join(f"(pre.{n}.state == 'off' or post.{n}.state != 'off')"
                             for n in ("n1", "n2"))},
    {"name": "RestartsComeBackThroughBooting", "kind": "action",
     "on": ["power_on", "reload", "restart_pair", "resolve_dual_active", "fail_native",
            "system_switchover", "join_reload"],
     "guide": "you must reload the primary Cisco VSG by doing one of the following",
     "meaning": "a power-up, a reload, a pair restart, the reset of a dual active's primary, "
                "a failed native process, a switchover (on the old active) and the reload of "
                "a secondary joining its primary all bring the VSG back through booting",
     "require": "post.self.state == 'booting'"},
    {"name": "StableStandbyTransitionsToActive", "kind": "action", "on": ["failover"],
     "guide": "When a stable standby Cisco VSG detects that the active Cisco VSG has failed, "
              "it initiates a failover and transitions to active.",
     "meaning": "a failover makes the HA standby active",
     "require": "(pre.n1.state == 'ha_standby' and post.n1_active) "
                "or (pre.n2.state == 'ha_standby' and post.n2_active)"},
    {"name": "BootNegotiationOnlyWhileBooting", "kind": "action", "on": ["negotiation"],
     "meaning": "boot negotiation ends a boot"
                " (the guide is silent on it: our reading)",
     "require": "pre.self.state == 'booting'"},
    {"name": "StandbyOnlyOfAnActive", "kind": "action", "on": ["negotiation"],
     "guide": "An active Cisco VSG is paired with a standby Cisco VSG.",
     "meaning": "a VSG that finishes booting as standby has an active peer",
     "require": "post.self.state not in ('standby_syncing', 'ha_standby') "
                "or pre.peer.state in ('active_no_standby', 'active_ha_standby')"},
    {"name": "OnlyUnstableStandbyRestartsPair", "kind": "action", "on": ["restart_pair"],
     "guide": "If a standby Cisco VSG that is not stable detects that an active Cisco VSG "
              "has failed, then instead of initiating a failover, it tries to restart the "
              "pair.",
     "meaning": "the pair is restarted by a standby that is not stable",
     "require": "pre.self.state == 'standby_syncing'"},
    {"name": "StandbyBecomesActiveOnlyByFailover", "kind": "action", "on": ["*"],
     "guide": "When a failover begins, another failover cannot be started until a stable "
              "standby Cisco VSG is available.",
     "meaning": "an HA standby becomes active only by a failover, which blocks the next one",
     "require": " and ".join(f"(not (pre.{n}.state == 'ha_standby' and post.{n}_active) "
                             "or post.failover_lock)" for n in ("n1", "n2"))},
    {"name": "SynchronizeWithActive", "kind": "action", "on": ["sync_done"],
     "guide": "The active and standby Cisco VSGs automatically synchronize when the internal "
              "state of one is active and the internal state of the other is standby.",
     "meaning": "a standby becomes HA standby only beside an active peer, which then has an "
                "HA standby",
     "require": "pre.self.state in ('standby_syncing', 'ha_standby') and pre.peer_active "
                "and post.self.state == 'ha_standby' "
                "and post.peer.state == 'active_ha_standby'"},
    {"name": "ActiveOnlyByBootOrFailover", "kind": "action", "on": ["*"],
     "guide": "When a stable standby Cisco VSG detects that the active Cisco VSG has failed, "
              "it initiates a failover and transitions to active.",
     "meaning": "a VSG that is not active becomes active only by finishing its boot "
                "negotiation or by taking over from an active as its HA standby",
     "require": " and ".join(
         f"(not (not pre.{n}_active and post.{n}_active) or "
         f"pre.{n}.state in ('booting', 'ha_standby'))" for n in ("n1", "n2"))},
    {"name": "BootingEndsOnlyByNegotiation", "kind": "action",
     "on": [t for t in TRIGGERS if t != "boot"],
     "guide": "when negotiating the active/standby mode",
     "meaning": "a booting VSG leaves booting only by its boot negotiation (or powered off)",
     "require": " and ".join(f"(pre.{n}.state != 'booting' or post.{n}.state in "
                             "('booting', 'off'))" for n in ("n1", "n2"))},
    *({"name": f"OnlyFailed{svc.capitalize()}ServiceRestarts", "kind": "action",
       "on": [f"restart_{svc}"],
       "guide": "restarting a service",
       "meaning": f"System Manager restarts the {svc} service after it failed, and it then "
                  "runs",
       "require": f"pre.self.{svc} == 'failed' and post.self.{svc} == 'running'"}
      for svc in ("stateful", "stateless")),
    *({"name": f"MessagesDeliveredTo{kind.capitalize()}Service", "kind": "action",
       "on": [f"mts_deliver_{kind}"],
       "guide": "The MTS can maintain persistent messages and logged messages in queues for "
                "access even after a service restart.",
       "meaning": f"MTS delivers the queued messages to the {kind} service when it runs",
       "require": f"pre.self.{kind}_mts and not post.self.{kind}_mts "
                  f"and pre.self.{kind} == 'running' and post.self.{kind} == 'running'"}
      for kind in ("stateful", "stateless")),
    *({"name": f"MtsQueuesFor{kind.capitalize()}Service", "kind": "action",
       "on": [f"mts_message_{kind}"],
       "guide": "The MTS handles message routing and queuing between services",
       "meaning": f"a message (persistent or logged) for the restarting {kind} service is "
                  "queued",
       "require": f"post.self.{kind}_mts and post.self.{kind} == 'failed'"}
      for kind in ("stateful", "stateless")),
    *({"name": f"{prefix}MtsQueueHeldByBothSupervisors", "kind": "always",
       "guide": "The MTS handles message routing and queuing between services on and across "
                "modules and between supervisors.",
       "meaning": f"on an HA pair, the active and its HA standby hold the same MTS queue for "
                  f"the {kind} service (our reading, with 'The two Cisco VSGs constantly "
                  "synchronize the state': a message queued on one is queued on both, and "
                  "delivered for both)",
       "expr": " and ".join(f"(not ({a}.state == 'active_ha_standby' and {b}.state == "
                            f"'ha_standby') or {a}.{kind}_mts == {b}.{kind}_mts)"
                            for a, b in (("n1", "n2"), ("n2", "n1")))}
      for kind, prefix in (("stateful", ""), ("stateless", "Stateless"))),
    {"name": "InstalledVSGIsStandalone", "kind": "action", "on": ["install"],
     "guide": "This role is the default.",
     "meaning": "a freshly installed VSG has the default role, standalone, and is not running "
                "until it is powered up",
     "require": "post.self.role == 'standalone' and post.self.admin_role == 'standalone' "
                "and post.self.state == 'off'"},
    # The services.
    # The runtime state that a stateful failover keeps.
    {"name": "FlowsMirroredOnHAStandby", "kind": "always",
     "guide": "The two Cisco VSGs constantly synchronize the state and configuration to "
              "provide a stateful failover of most services.",
     "meaning": "an HA standby holds the same flows as its active",
     "expr": "not ha_pair or n1.flows == n2.flows"},
    {"name": "StatefulServiceStateMirroredOnHAStandby", "kind": "always",
     "guide": "The two Cisco VSGs constantly synchronize the state and configuration to "
              "provide a stateful failover of most services.",
     "meaning": "while both run it, an HA standby's stateful service holds the same state "
                "and PSS checkpoint as its active's, also after either of them restarts "
                "(a stateless service is not synchronised when it restarts: it starts from "
                "nothing, and the active's next update reaches it)",
     "expr": "not ha_pair or n1.stateful != 'running' or n2.stateful != 'running' or "
             "(n1.stateful_data == n2.stateful_data and n1.pss_checkpoint == n2.pss_checkpoint)"},
    {"name": "FailoverKeepsTheControlPlane", "kind": "action", "on": ["failover"],
     "guide": "It is stateful or nondisruptive because control traffic is not affected.",
     "meaning": "a failover leaves the new active's stateful services as they were on the "
                "standby: their state, PSS checkpoint and MTS queue (our reading of 'control "
                "traffic': the messages these services exchange and the state they work "
                "on, which the standby kept in sync; see "
                "StatefulServiceStateMirroredOnHAStandby and MtsQueueHeldByBothSupervisors)",
     "require": " and ".join(
         f"(not ({BECOMES_ACTIVE.format(n=n)}) or ("
         + _unchanged(*(f"{n}.{v}" for v in ("stateful", "stateful_data", "pss_checkpoint",
                                              "stateful_mts"))) + "))"
         for n in ("n1", "n2"))},
    {"name": "FailoverKeepsTheStatelessQueue", "kind": "action", "on": ["failover"],
     "guide": "It is stateful or nondisruptive because control traffic is not affected.",
     "meaning": "a failover leaves the MTS messages queued for the new active's stateless "
                "service as they were on the standby (see FailoverKeepsTheControlPlane)",
     "require": " and ".join(f"(not ({BECOMES_ACTIVE.format(n=n)}) or "
                             f"post.{n}.stateless_mts == pre.{n}.stateless_mts)"
                             for n in ("n1", "n2"))},
    {"name": "StatefulFailoverKeepsFlows", "kind": "action", "on": ["failover"],
     "assume": ["no_partition"],
     "guide": "by using a stateful failover",
     "meaning": "the new active holds the flows the pair held (when the link never fails: a "
                "partition is a dual active, not a failover)",
     "require": " and ".join(
         f"(not ({BECOMES_ACTIVE.format(n=n)}) or "
         f"post.{n}.flows == (pre.n1.flows or pre.n2.flows))" for n in ("n1", "n2"))},
    {"name": "UnstableRestartLosesFlows", "kind": "action", "on": ["restart_pair"],
     "assume": ["no_partition"],
     "guide": "If a standby Cisco VSG that is not stable detects that an active Cisco VSG has "
              "failed, then instead of initiating a failover, it tries to restart the pair.",
     "meaning": "without a stable standby there is no stateful failover: after the restart "
                "no VSG holds the flows",
     "require": "not post.n1.flows and not post.n2.flows"},
    # The hazards the guide's cautions name (expected: the checker must show them).
    {"name": "RoleChangeConflict", "kind": "always", "assume": ["no_partition"],
     "expect": "violated",
     "guide": "Changing the role of a Cisco VSG can result in a conflict between the pair.",
     "meaning": "a role change can leave two VSGs of the same role (two primaries, or two "
                "secondaries) both active with the same HA pair ID, each not pairing with "
                "the other",
     "expr": "not (n1_active and n2_active and n1.role == n2.role "
             "and n1.role != 'standalone' and same_pair_id)"},
    *_service_properties(),
    # What must be possible.
    {"name": "SwitchoverAcceptedWithHAStandby", "kind": "enabled",
     "guide": "If the output indicates the following, you can proceed with a system failover, if "
              "needed:",
     "meaning": "system switchover is accepted on an active whose peer it sees as HA standby",
     "when": "self_active and peer.state == 'ha_standby' and visible",
     "on": ["system_switchover"]},
    {"name": "ConfigAcceptedOnActive", "kind": "enabled",
     "guide": "You can change the role of a Cisco VSG to one of the following after it is "
              "already in service",
     "meaning": "an active VSG accepts the role commands, configuration lines, copy "
                "running-config startup-config, ha-pair id with its peer's ID, and reload "
                "(ha-pair id with another ID is refused beside a visible standby: our choice)",
     "when": "self_active",
     "on": ["role_standalone", "role_primary", "role_secondary", "config_edit", "copy_rs",
            "ha_pair_id_same", "reload"]},
    {"name": "UnstableStandbyRestartsWhenActiveLost", "kind": "enabled",
     "guide": "If a standby Cisco VSG that is not stable detects that an active Cisco VSG "
              "has failed, then instead of initiating a failover, it tries to restart the "
              "pair.",
     "meaning": "a standby that is not stable and sees no active restarts the pair",
     "when": "self.state == 'standby_syncing' and (link == 'down' or not peer_active)",
     "on": ["restart_pair"]},
    {"name": "ProcessesCanFail", "kind": "enabled",
     "guide": "When a process fails on a device",
     "meaning": "on a running VSG (active or standby) a native process, or a borrowed one "
                "that runs, can fail",
     "when": f"self.state in {UP} and self.stateful == 'running' "
             "and self.stateless == 'running'",
     "on": ["fail_native", "fail_stateful", "fail_stateless"]},
    *({"name": f"Failed{svc.capitalize()}ServiceRestarted", "kind": "enabled",
       "guide": "When a process fails on a device, System Manager either performs a stateful "
                "restart, a stateless restart, or a failover.",
       "meaning": f"on a running VSG a failed {svc} service can be restarted",
       "when": f"self.state in {UP} and self.{svc} == 'failed'",
       "on": [f"restart_{svc}"]}
      for svc in ("stateful", "stateless")),
    *({"name": f"OnlyFailedOther{svc.capitalize()}ProcessesRestart", "kind": "action",
       "on": [f"restart_another_{svc}"],
       "guide": "The SM is responsible for launching, stopping, monitoring, restarting a "
                "service",
       "meaning": f"System Manager restarts another {svc} process only after it failed: "
                  "one fewer is down",
       "require": f"post.self.{svc}_more_down == pre.self.{svc}_more_down - 1"}
      for svc in ("stateful", "stateless")),
    *({"name": f"RestartBeyondTheBoundKeeps{svc.capitalize()}Count", "kind": "action",
       "on": [f"restart_more_{svc}"],
       "meaning": f"with more {svc} processes down than the model counts, a restart of one "
                  "leaves as many as the bound down (the others stay down); that it comes "
                  "only after a failure is the row's own condition (a property saying it "
                  "would slice over both modules' Start_cnt: 925,384 states)"
                  " (the guide is silent on it: our reading)",
       "require": f"post.self.{svc}_more_down == pre.self.{svc}_more_down"}
      for svc in ("stateful", "stateless")),
    # (Start_cnt counting these restarts too is not a property: over both modules'
    # counters it is a slice of 925,384 states, whose reference BFS needs over 20 GB;
    # the lab and the node count every restart, and StartCntCounts holds the others.)
    *({"name": f"Another{svc.capitalize()}ProcessRestartedBeyondTheBound", "kind": "enabled",
       "guide": "When a process fails on a device, System Manager either performs a stateful "
                "restart, a stateless restart, or a failover.",
       "meaning": f"on a running VSG with as many other {svc} processes down as the model "
                  "counts (or more), one of them can be restarted, whatever the model's "
                  "one does",
       "when": f"self.state in {UP} and self.{svc}_more_down == MORE_DOWN",
       "on": [f"restart_more_{svc}"]}
      for svc in ("stateful", "stateless")),
    *({"name": f"Another{svc.capitalize()}ProcessRestarted", "kind": "enabled",
       "guide": "When a process fails on a device, System Manager either performs a stateful "
                "restart, a stateless restart, or a failover.",
       "meaning": f"on a running VSG, another failed process of the {svc} policy can be "
                  "restarted, whatever the model's one does",
       "when": f"self.state in {UP} and self.{svc}_more_down > 0",
       "on": [f"restart_another_{svc}"]}
      for svc in ("stateful", "stateless")),
    *({"name": f"Another{svc.capitalize()}ProcessCanFail", "kind": "enabled",
       "meaning": f"another {svc} process than the model's can fail, whether the model's "
                  "runs or is down, however many others are down"
                  " (the guide is silent on it: our reading)",
       "when": f"self.state in {UP}",
       "on": [f"fail_another_{svc}"]}
      for svc in ("stateful", "stateless")),
    *({"name": f"MessageQueuedForRestarting{kind.capitalize()}Service", "kind": "enabled",
       "guide": "The MTS handles message routing and queuing between services on and across "
                "modules and between supervisors.",
       "meaning": f"on a running VSG, messages (persistent or logged) can come for the "
                  f"restarting {kind} service, one after another",
       "when": f"self.state in {UP} and self.{kind} == 'failed'",
       "on": [f"mts_message_{kind}"]}
      for kind in ("stateful", "stateless")),
    *({"name": f"Queued{kind.capitalize()}MessagesDeliverable", "kind": "enabled",
       "guide": "The MTS can maintain persistent messages and logged messages in queues for "
                "access even after a service restart.",
       "meaning": f"an active's queued messages can be delivered once the {kind} service "
                  "runs",
       "when": f"self.state in {ACTIVES} and self.{kind} == 'running' and self.{kind}_mts",
       "on": [f"mts_deliver_{kind}"]}
      for kind in ("stateful", "stateless")),
    {"name": "PowerAlwaysAvailable", "kind": "enabled",
     "guide": "Power the Cisco VSG off and then on from the vSphere Client.",
     "meaning": "a running VSG can always be powered off",
     "when": "self.state != 'off'", "on": ["power_off"]},
    {"name": "PowerOnWhenOff", "kind": "enabled",
     "guide": "Power the Cisco VSG off and then on from the vSphere Client.",
     "meaning": "a powered-off VSG can always be powered on",
     "when": "self.state == 'off'", "on": ["power_on"]},
    {"name": "TwoProcessesOfAPolicyDownAtOnce", "kind": "reachable",
     "guide": "each instance of a service can run as an independent process",
     "meaning": "on an active VSG two stateful processes can be down at once, and two "
                "stateless ones",
     "expr": "n1_active and n1.stateful == 'failed' and n1.stateful_more_down > 0 "
             "and n1.stateless == 'failed' and n1.stateless_more_down > 0"},
    {"name": "TwoServicesDownAtOnce", "kind": "reachable",
     "guide": "Each service and service instance runs as an independent, protected process.",
     "meaning": "on an active VSG the stateful and the stateless service can be down at once",
     "expr": "n1_active and n1.stateful == 'failed' and n1.stateless == 'failed'"},
    {"name": "StandaloneStatusShown", "kind": "reachable",
     "guide": "This example shows how to display the system redundancy status of a "
              "standalone Cisco VSG:",
     "meaning": "the guide's standalone example: a standalone VSG, active with no standby, "
                "its peer not present",
     "expr": "n1.role == 'standalone' and n1.admin_role == 'standalone' "
             "and n1.state == 'active_no_standby' and n2.state == 'off'"},
    {"name": "NotReadyExampleShown", "kind": "reachable",
     "guide": "This example shows how to verify that a Cisco VSG pair is ready for a "
              "failover:",
     "meaning": "the guide's example (module 1 primary, both active with no standby, the "
                "link up: an unresolved dual active) is a state of the model",
     "expr": "n1.state == 'active_no_standby' and n2.state == 'active_no_standby' "
             "and link == 'up' and n1.role == 'primary'"},
    # The guide's procedures, ending in the example's state.
    {"name": "PairingSecondVSG", "kind": "scenario",
     "guide": "The secondary Cisco VSG negotiates with the primary Cisco VSG and becomes the "
              "standby Cisco VSG.",
     "meaning": "power up the primary, then the secondary: the synchronised pair of the "
                "guide's example (Active with HA standby, HA standby)",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n2.power_on"], "expr": PAIR_1},
    {"name": "StandaloneToPrimary", "kind": "scenario",
     "guide": "Changes the standalone Cisco VSG to a primary Cisco VSG. The role change "
              "occurs immediately.",
     "meaning": "make the primary standalone (at its reload), then primary again: the role "
                "is primary at once, administrative and operational",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n1.role_standalone", "n1.reload",
               {"until": "n1_active"}, "n1.role_primary"],
     "expr": "n1.role == 'primary' and n1.admin_role == 'primary' and n1_active"},
    {"name": "StandaloneToSecondaryAtReload", "kind": "scenario",
     "guide": "Change a standalone Cisco VSG to a secondary Cisco VSG.",
     "meaning": "system redundancy role secondary, then reload: the VSG comes back secondary",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n1.role_standalone", "n1.reload",
               {"until": "n1_active and n1.role == 'standalone'"}, "n1.role_secondary",
               "n1.reload"],
     "expr": "n1.role == 'secondary' and n1_active"},
    {"name": "ManualSwitchoverKeepsUnsavedConfig", "kind": "scenario",
     "guide": "Any unsaved running configuration that was available in the active Cisco VSG "
              "is still unsaved in the new active Cisco VSG. You can verify this unsaved "
              "running configuration by using the show running-config diff command. Save "
              "that configuration by entering the copy running-config startup-config command.",
     "meaning": "a configuration line, system switchover: the new active shows the line "
                "unsaved; copy running-config startup-config saves it",
     "steps": [*BOTH_ON, "n1.config_edit", "n1.system_switchover",
               {"until": "n2_active and not n2.saved"}, "n2.copy_rs"],
     "expr": "n2_active and n2.saved"},
    {"name": "SwitchoverThenPairAgain", "kind": "scenario",
     "guide": "You can manually switch an active Cisco VSG to standby in an HA pair.",
     "meaning": "after a switchover the old active reloads and becomes the HA standby",
     "steps": [*BOTH_ON, "n1.system_switchover"], "expr": PAIR_2},
    {"name": "AssignSameHaPairId", "kind": "scenario",
     "guide": "Two Cisco VSGs that are assigned the identical ID are automatically paired.",
     "meaning": "two VSGs with different HA pair IDs both run active; given the same ID, "
                "they pair (the primary is reset and becomes the standby)",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n1.ha_pair_id_other", "n2.power_on",
               {"until": "n2_active"}, "n1.ha_pair_id_same"],
     "expr": PAIR_2},
    {"name": "ReplaceStandby", "kind": "scenario",
     "guide": "Install the new Cisco VSG as a standby, with the same domain ID as the "
              "existing Cisco VSG. After the new Cisco VSG is added to the system, it "
              "synchronizes with the existing Cisco VSG.",
     "meaning": "power off the standby, install a new VSG, power it up, make it secondary "
                "with the pair's ID on its console: it is reloaded and becomes the HA "
                "standby, never a second active of the pair",
     "steps": [*BOTH_ON, "n2.power_off", "n2.install", "n2.power_on", {"until": "n2_active"},
               "n2.role_secondary", "n2.ha_pair_id_same"],
     "avoids": "dual_active", "expr": PAIR_1},
    {"name": "AddSecondaryIsReloaded", "kind": "scenario",
     "guide": "The secondary Cisco VSG is reloaded and added to the system.",
     "meaning": "a standalone VSG beside an active primary, told to be secondary with the "
                "pair's ID, is reloaded and becomes the HA standby",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n2.install", "n2.power_on",
               {"until": "n2_active"}, "n2.ha_pair_id_same", "n2.role_secondary"],
     "avoids": "dual_active", "expr": f"{PAIR_1} and run_eq and start_eq"},
    {"name": "ReplaceActive", "kind": "scenario",
     "guide": "Because the existing Cisco VSG is active, the new primary Cisco VSG becomes "
              "the standby Cisco VSG and receives all configuration data from the existing "
              "active Cisco VSG.",
     "meaning": "power off the active (the secondary becomes active), isolate the new VSG "
                "(port group), install and power it up, make it primary with the pair's ID, "
                "power it off, reconnect, power it up: it becomes the HA standby that the "
                "compute nodes reach, and the dual-active mechanism never acts",
     "steps": [*BOTH_ON, "n1.power_off", {"until": "n2_active"}, *ISOLATE_N1, "n1.install",
               "n1.power_on", {"until": "n1_active"}, "n1.role_primary",
               "n1.ha_pair_id_same", "n1.power_off", *CONNECT_N1, "n1.power_on"],
     "avoids": "dual_active",
     "expr": f"{PAIR_2} and run_eq and start_eq and n1.compute == 'connected'"},
    {"name": "ReplaceActiveWithoutIsolation", "kind": "scenario", "expect": "violated",
     "guide": "Cisco VSGs with a primary or secondary redundancy role have built-in "
              "mechanisms for detecting and resolving the conflict between two Cisco VSGs "
              "in the active state. To avoid these mechanisms during the configuration of "
              "the new primary Cisco VSG, you must isolate the new primary Cisco VSG from "
              "the secondary Cisco VSG.",
     "meaning": "the hazard: the same procedure without the port-group isolation makes the "
                "new primary and the secondary both active (expected: the checker shows it)",
     "steps": [*BOTH_ON, "n1.power_off", {"until": "n2_active"}, "n1.install",
               "n1.power_on", {"until": "n1_active"}, "n1.role_primary",
               "n1.ha_pair_id_same"],
     "avoids": "dual_active", "expr": PAIR_2},
    {"name": "ReconnectWithoutPowerOff", "kind": "scenario", "expect": "violated",
     "guide": "Power the Cisco VSG off before reconnecting it as standby.",
     "meaning": "the hazard: reconnecting the new primary while it runs makes it and the "
                "secondary both active (expected: the checker shows it)",
     "steps": [*BOTH_ON, "n1.power_off", {"until": "n2_active"}, *ISOLATE_N1, "n1.install",
               "n1.power_on", {"until": "n1_active"}, "n1.role_primary",
               "n1.ha_pair_id_same", *CONNECT_N1],
     "avoids": "dual_active", "expr": PAIR_2},
    {"name": "IsolatedNewVSGTakesNoTraffic", "kind": "scenario", "expect": "violated",
     "guide": ISOLATE_FROM_COMPUTE,
     "meaning": "while the new primary is set up behind its isolated port group, no compute "
                "node's traffic goes through it: a run with a new flow through it is not "
                "admitted (expected: the checker refutes it)",
     "steps": [*BOTH_ON, "n1.power_off", {"until": "n2_active"}, *ISOLATE_N1, "n1.install",
               "n1.power_on", {"until": "n1_active"}, "n1.new_flow"],
     "expr": "n1.flows"},
    {"name": "NewVSGTakesTrafficWithoutComputeIsolation", "kind": "scenario",
     "guide": ISOLATE_FROM_COMPUTE,
     "meaning": "the hazard: isolated from the secondary only, the new VSG being set up is "
                "active beside the secondary and takes compute nodes' traffic, which the "
                "secondary's flow table then lacks",
     "steps": [*BOTH_ON, "n1.power_off", {"until": "n2_active"}, "link_down", "n1.install",
               "n1.power_on", {"until": "n1_active"}, "n1.new_flow"],
     "expr": "n1_active and n2_active and n1.flows and not n2.flows"},
    {"name": "NoTrafficThroughAnIsolatedPortGroup", "kind": "action", "on": ["new_flow"],
     "guide": ISOLATE_FROM_COMPUTE,
     "meaning": "no traffic goes through a VSG whose port group keeps the compute nodes away",
     "require": "pre.self.compute == 'connected'"},
    # Hosts, upstream switches and port groups: the guide's advice, as runs.
    {"name": "SeparateHostFailureLeavesAnActive", "kind": "scenario",
     "guide": "Although primary and secondary Cisco VSGs can reside in the same host, you can "
              "improve redundancy by installing them in separate hosts",
     "meaning": "in separate hosts, the failure of the active's host powers off only the "
                "active (for the model a separate host's failure is its one VSG's power "
                "off; host_fail is the shared host's): the HA standby takes over",
     "steps": [*BOTH_ON, "n1.power_off"], "expr": "n2_active"},
    {"name": "SharedHostCanFail", "kind": "enabled",
     "guide": "Although primary and secondary Cisco VSGs can reside in the same host, you can "
              "improve redundancy by installing them in separate hosts",
     "meaning": "while both VSGs run in the one host they can share, that host can fail",
     "when": "n1.state != 'off' and n2.state != 'off'", "on": ["host_fail"]},
    {"name": "SharedHostFailureLeavesAnActive", "kind": "scenario", "expect": "violated",
     "guide": "Although primary and secondary Cisco VSGs can reside in the same host, you can "
              "improve redundancy by installing them in separate hosts",
     "meaning": "the hazard of one host: its failure powers off both VSGs at once, and "
                "neither is active until one is powered up again (expected: the checker "
                "refutes the run)",
     "steps": [*BOTH_ON, "host_fail"], "expr": "n1_active or n2_active"},
    {"name": "SeparateSwitchFailureFailsOverTraffic", "kind": "scenario",
     "guide": "if possible, connecting them to different upstream switches",
     "meaning": "with different upstream switches, the failure of the active's switch cuts "
                "it from the standby and from its compute nodes: the standby takes over and "
                "the compute nodes' new traffic goes through it",
     "steps": [*BOTH_ON, "link_down", "n1.compute_isolate", {"until": "n2_active"},
               "n2.new_flow"],
     "expr": "n2.flows"},
    {"name": "SharedSwitchFailureFailsOverTraffic", "kind": "scenario", "expect": "violated",
     "guide": "if possible, connecting them to different upstream switches",
     "meaning": "the hazard of one upstream switch: its failure cuts the link and the compute "
                "nodes from both VSGs; the standby takes over, but no traffic reaches it "
                "(expected: the checker refutes the run)",
     "steps": [*BOTH_ON, "switch_fail", {"until": "n2_active"}, "n2.new_flow"],
     "expr": "n2.flows"},
    {"name": "SharedSwitchCanFail", "kind": "enabled",
     "guide": "if possible, connecting them to different upstream switches",
     "meaning": "while the link runs through it, the upstream switch both VSGs can share can "
                "fail",
     "when": "link == 'up'", "on": ["switch_fail"]},
    {"name": "SharedSwitchFailureKeepsTrafficOnTheActive", "kind": "scenario",
     "expect": "violated",
     "guide": "if possible, connecting them to different upstream switches",
     "meaning": "the hazard of one upstream switch, on the active's side: after its failure no "
                "compute node's traffic reaches the active either (expected: the checker "
                "refutes the run)",
     "steps": [*BOTH_ON, "switch_fail", "n1.new_flow"],
     "expr": "n1.flows"},
    {"name": "SamePortGroupsFailOverTraffic", "kind": "scenario",
     "guide": SAME_PORT_GROUPS,
     "meaning": "with the same port-group parameters on both VSGs, after the active fails "
                "the compute nodes' new traffic goes through the new active",
     "steps": [*BOTH_ON, "n1.new_flow", "n1.power_off", {"until": "n2_active"}, "n2.new_flow"],
     "expr": "n2.flows"},
    {"name": "MismatchedPortGroupFailsOverTraffic", "kind": "scenario", "expect": "violated",
     "guide": SAME_PORT_GROUPS,
     "meaning": "the hazard of port groups set up differently: the standby's does not reach "
                "the compute nodes, so after the active fails no new traffic goes through "
                "the new active (expected: the checker refutes the run)",
     "steps": [*BOTH_ON, "n2.compute_isolate", "n1.new_flow", "n1.power_off",
               {"until": "n2_active"}, "n2.new_flow"],
     "expr": "n2.flows"},
    {"name": "StandaloneToSecondaryIsolated", "kind": "scenario",
     "guide": "If you are changing a standalone Cisco VSG to a secondary Cisco VSG, be sure to "
              "first isolate it from the other Cisco VSG in the pair to prevent any "
              "interaction with the primary Cisco VSG during the change. Power the Cisco VSG "
              "off before reconnecting it as standby.",
     "meaning": "a fresh standalone VSG is isolated, powered up, made secondary with the "
                "pair's ID, powered off, reconnected and powered up: it becomes the HA "
                "standby, never a second active of the pair",
     "steps": [*BOTH_ON, "n2.power_off", "n2.install", "link_down", "n2.power_on",
               {"until": "n2_active"}, "n2.role_secondary", "n2.ha_pair_id_same",
               "n2.power_off", "link_up", "n2.power_on"],
     "avoids": "dual_active", "expr": f"{PAIR_1} and run_eq and start_eq"},
    {"name": "StatefulFailover", "kind": "scenario",
     "guide": "When a failover occurs, the Cisco VSG HA pair configuration allows "
              "uninterrupted traffic forwarding by using a stateful failover.",
     "meaning": "a flow through the active, then the active is powered off: the HA standby "
                "takes over holding the flow",
     "steps": [*BOTH_ON, "n1.new_flow", "n1.power_off"], "expr": "n2_active and n2.flows"},
    {"name": "NativeFailureFailsOver", "kind": "scenario",
     "guide": "A failed native Cisco VSG process causes an automatic failover.",
     "meaning": "a native process fails on the active: the HA standby takes over",
     "steps": [*BOTH_ON, "n1.fail_native"], "expr": "n2_active"},
    {"name": "BorrowedProcessRestarts", "kind": "scenario",
     "guide": "processes that are borrowed by a Cisco VSG from a Virtual Supervisor Module (VSM) "
              "restart",
     "meaning": "the stateful service checkpoints, fails, and a message comes for it: it "
                "restarts from its checkpoint, the message is delivered, the VSG stays active "
                "(StartCntCounts says that Start_cnt counts it)",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n1.service_update",
               "n1.pss_checkpoint", "n1.fail_stateful", "n1.mts_message_stateful"],
     "expr": "n1_active and n1.stateful == 'running' and n1.stateful_data == 'checkpoint' "
             "and not n1.stateful_mts"},
    {"name": "StatelessProcessRestarts", "kind": "scenario",
     "guide": "When a process fails on a device, System Manager either performs a stateful "
              "restart, a stateless restart, or a failover.",
     "meaning": "the stateless service fails while the stateful one is down too: it "
                "restarts with no state, the VSG stays active",
     "steps": ["n1.power_on", {"until": "n1_active"}, "n1.stateless_update",
               "n1.fail_stateful", "n1.fail_stateless", {"until": "n1.stateless == 'running'"}],
     "expr": "n1_active and n1.stateless_data == 'none'"},
    {"name": "DualActiveResolvedByResettingPrimary", "kind": "scenario",
     "guide": "If both the primary and secondary VSG instances see each other as active at "
              "the same time, the system resolves this problem by resetting the primary "
              "Cisco VSG.",
     "meaning": "a partition makes two actives; when the link heals the primary is reset "
                "and becomes the HA standby",
     "steps": [*BOTH_ON, "link_down", {"until": "n1_active and n2_active"}, "link_up"],
     "expr": PAIR_2},
]


# Properties that mutation testing showed missing (issue 11)
PROPERTIES += [
    {"name": "DualActiveNeverResetsSecondary", "kind": "action",
     "on": [t for t, meta in TRIGGERS.items() if meta["kind"] == "internal"],
     "guide": "If both the primary and secondary VSG instances see each other as active at "
              "the same time, the system resolves this problem by resetting the primary "
              "Cisco VSG.",
     "meaning": "while the primary and the secondary see each other as active, the pair's "
                "own steps never reset the secondary",
     "require": " and ".join(f"not (pre.dual_active and pre.{n}.role == 'secondary' "
                             f"and post.{n}.state == 'booting')" for n in ("n1", "n2"))},
    {"name": "JoiningSecondaryNegotiatesWithPrimary", "kind": "action", "on": ["join_reload"],
     "guide": "The secondary Cisco VSG negotiates with the primary Cisco VSG",
     "meaning": "a VSG reloaded to join the pair comes back as the secondary, beside an "
                "active primary with the same HA pair ID that it can see, to negotiate with",
     "require": "post.self.state == 'booting' and post.self.role == 'secondary' "
                "and post.peer.role == 'primary' and post.same_pair_id and post.peer_active "
                "and post.link == 'up'"},
    {"name": "NewFlowHeldByTheActive", "kind": "action", "on": ["new_flow"],
     "guide": "The active Cisco VSG runs and controls all the system applications.",
     "meaning": "new traffic goes through an active VSG, and its flow is then in that VSG's "
                "state",
     "require": "pre.self_active and post.self.flows"},
    {"name": "TrafficThroughAnyActive", "kind": "enabled",
     "guide": "The active Cisco VSG runs and controls all the system applications.",
     "meaning": "an active VSG that the compute nodes can reach, with or without an HA "
                "standby, takes new traffic",
     "when": "self_active and self.compute == 'connected'", "on": ["new_flow"]},
    *({"name": f"{svc.capitalize()}ServiceRunsOnTheActive", "kind": "enabled",
       "guide": "The active Cisco VSG runs and controls all the system applications.",
       "meaning": f"on an active VSG, with or without an HA standby, the state of a running "
                  f"{svc} service can change",
       "when": f"self_active and self.{svc} == 'running'", "on": [trigger]}
      for svc, trigger in (("stateful", "service_update"), ("stateless", "stateless_update"))),
    {"name": "CheckpointWheneverNeeded", "kind": "enabled",
     "guide": "It functions as a database of state and run-time information, which allows "
              "services to make a checkpoint of their state information whenever needed.",
     "meaning": "on an active VSG a running service whose state changed can checkpoint it "
                "in PSS",
     "when": "self_active and self.stateful == 'running' and self.stateful_data == 'newer'",
     "on": ["pss_checkpoint"]},
    {"name": "CheckpointHoldsCurrentState", "kind": "action", "on": ["pss_checkpoint"],
     "guide": "It functions as a database of state and run-time information, which allows "
              "services to make a checkpoint of their state information whenever needed.",
     "meaning": "right after a checkpoint, PSS holds the service's current state: the state "
                "the service runs with is its checkpoint",
     "require": "post.self.pss_checkpoint and post.self.stateful_data == 'checkpoint'"},
    *(d for svc, guide, kept in (
        ("stateful", "A restarting service can recover the last known operating state that "
                     "preceded a failure.", " (only PSS keeps a checkpoint)"),
        ("stateless", "When a process fails on a device, System Manager either performs a "
                      "stateful restart, a stateless restart, or a failover.", ""))
      for d in _each_module(
        {"name": f"Failed{svc.capitalize()}ServiceHoldsNoState", "kind": "always",
         "meaning": f"a failed {svc} service holds no operating state{kept} until it is "
                    "restarted"
                    " (the guide is silent on it: our reading)",
         "expr": f"{{n}}.{svc} != 'failed' or {{n}}.{svc}_data == 'none'"})),
    *_each_module(
        {"name": "SynchronizationInProgressEnds", "kind": "leads_to",
         "guide": "The active and standby Cisco VSGs automatically synchronize",
         "meaning": "a standby whose synchronization is in progress does not stay so: it "
                    "becomes the HA standby, or restarts (or is powered off)",
         "p": "{n}.state == 'standby_syncing'", "q": "{n}.state != 'standby_syncing'"}),
    {"name": "StatelessServiceHoldsState", "kind": "reachable",
     "guide": "a stateless restart",
     "meaning": "a running stateless service can hold run-time state (which a stateless "
                "restart does not recover)",
     "expr": "n1.stateless == 'running' and n1.stateless_data == 'some'"},
]

# Service state on the HA standby (issue 11): "Applications are started and initialized in
# standby mode on the standby Cisco VSG as they are synchronized and updated on the active
# Cisco VSG."
IN_STANDBY_MODE = ("Applications are started and initialized in standby mode on the standby "
                   "Cisco VSG as they are synchronized and updated on the active Cisco VSG.")
PROPERTIES += [
    {"name": "ServicesChangeOnlyOnTheActive", "kind": "action",
     "on": ["service_update", "stateless_update", "pss_checkpoint"],
     "guide": "The active Cisco VSG runs and controls all the system applications.",
     "meaning": "a service's state changes, and it checkpoints, only on an active VSG (on a "
                "standby its services are in standby mode)",
     "require": "pre.self_active"},
    *({"name": f"{svc.capitalize()}UpdateReachesTheHAStandby", "kind": "action",
       "on": [trigger],
       "guide": "Applications are synchronized and updated on the standby Cisco VSG.",
       "meaning": f"when the active's {svc} service changes state, the HA standby's (when "
                  "it runs) holds the same state",
       "require": f"not (pre.self.state == 'active_ha_standby' and post.peer.{svc} == "
                  f"'running') or post.peer.{svc}_data == post.self.{svc}_data"}
      for svc, trigger in (("stateful", "service_update"), ("stateless", "stateless_update"))),
    {"name": "ServiceStepsReachOnlyTheHAStandby", "kind": "action",
     "on": ["service_update", "stateless_update", "pss_checkpoint", "restart_stateful",
            "restart_stateless", "restart_another_stateful", "restart_another_stateless",
                "restart_more_stateful", "restart_more_stateless"],
     "guide": "Applications are synchronized and updated on the standby Cisco VSG.",
     "meaning": "a service's step on one VSG changes the other's services only when the "
                "other is its HA standby",
     "require": "(pre.self.state == 'active_ha_standby' and pre.peer.state == 'ha_standby') "
                "or (" + _unchanged("peer.stateful_data", "peer.pss_checkpoint",
                                    "peer.stateless_data") + ")"},
    *({"name": f"{prefix}MtsStepsReachOnlyThePair", "kind": "action",
       "on": [f"mts_message_{kind}", f"mts_deliver_{kind}"],
       "guide": "The MTS handles message routing and queuing between services on and across "
                "modules and between supervisors.",
       "meaning": f"a message queued or delivered for the {kind} service on one VSG changes "
                  "the other's queue only when the two are an active and its HA standby "
                  "(our reading: MTS crosses between supervisors over the link, and a queue "
                  "is held on both only by an HA pair)",
       "require": "(pre.self.state == 'active_ha_standby' and pre.peer.state == 'ha_standby') "
                  "or (pre.self.state == 'ha_standby' and pre.peer.state == "
                  f"'active_ha_standby') or post.peer.{kind}_mts == pre.peer.{kind}_mts"}
      for kind, prefix in (("stateful", ""), ("stateless", "Stateless"))),
    {"name": "CheckpointReachesTheHAStandby", "kind": "action", "on": ["pss_checkpoint"],
     "guide": "Applications are synchronized and updated on the standby Cisco VSG.",
     "meaning": "when the active's stateful service checkpoints, an HA standby's PSS takes "
                "the checkpoint (whether its service runs or not), and its service, if it "
                "holds the same state, stays the same; no standby loses a checkpoint",
     "require": "(pre.self.state != 'active_ha_standby' or post.peer.pss_checkpoint) and "
                "(not (pre.self.state == 'active_ha_standby' and pre.peer.stateful == "
                "'running' and pre.peer.stateful_data == pre.self.stateful_data) or "
                "post.peer.stateful_data == post.self.stateful_data) and "
                "(not pre.peer.pss_checkpoint or post.peer.pss_checkpoint)"},
    *({"name": f"{svc.capitalize()}UpdateGivesState", "kind": "action", "on": [trigger],
       "meaning": f"when the {svc} service's state changes, it holds run-time state (which "
                  "a failure loses)"
                  " (the guide is silent on it: our reading)",
       "require": f"post.self.{svc}_data == {held}"}
      for svc, trigger, held in (("stateful", "service_update", "'newer'"),
                                 ("stateless", "stateless_update", "'some'"))),
    {"name": "StandbyStartsWithTheActivesServices", "kind": "action", "on": ["sync_done"],
     "guide": IN_STANDBY_MODE,
     "meaning": "a standby that finishes synchronising holds the active's PSS checkpoint, "
                "and in each service running on both the active's service state; a stateful "
                "one whose counterpart on the active is down, the checkpoint that one "
                "restarts from (a service down on the standby keeps what it had)",
     "require": "post.self.pss_checkpoint == post.peer.pss_checkpoint and "
                "(post.self.stateful != 'running' or (post.peer.stateful == 'running' and "
                "post.self.stateful_data == post.peer.stateful_data) or "
                "(post.peer.stateful != 'running' and post.self.stateful_data == "
                "(" + FROM_CHECKPOINT.format(n="post.peer") + "))) and "
                "(post.self.stateless != 'running' or post.peer.stateless != 'running' or "
                "post.self.stateless_data == post.peer.stateless_data)"},
    {"name": "StatefulFailoverKeepsServiceState", "kind": "scenario",
     "guide": "The two Cisco VSGs constantly synchronize the state and configuration to "
              "provide a stateful failover of most services.",
     "meaning": "the active's services change state and checkpoint, then it is powered off: "
                "the HA standby takes over holding the same states",
     "steps": [*BOTH_ON, "n1.service_update", "n1.pss_checkpoint", "n1.service_update",
               "n1.stateless_update", "n1.power_off", {"until": "n2_active"}],
     "expr": "n2_active and n2.stateful_data == 'newer' and n2.pss_checkpoint "
             "and n2.stateless_data == 'some'"},
    {"name": "CheckpointSurvivesFailover", "kind": "scenario",
     "guide": "A restarting service can recover the last known operating state that "
              "preceded a failure.",
     "meaning": "the active's stateful service checkpoints, the active is powered off, the "
                "new active's service fails: it restarts from the checkpoint the old active "
                "made",
     "steps": [*BOTH_ON, "n1.service_update", "n1.pss_checkpoint", "n1.power_off",
               {"until": "n2_active"}, "n2.fail_stateful",
               {"until": "n2.stateful == 'running'"}],
     "expr": "n2_active and n2.stateful_data == 'checkpoint'"},
    {"name": "QueuedMessageSurvivesFailover", "kind": "scenario",
     "guide": "It is stateful or nondisruptive because control traffic is not affected.",
     "meaning": "the active's stateful service fails, a message is queued for it, the active "
                "is powered off: the HA standby takes over holding the message (which it can "
                "then deliver: QueuedStatefulMessagesDeliverable)",
     "steps": [*BOTH_ON, "n1.fail_stateful", "n1.mts_message_stateful", "n1.power_off"],
     "expr": "n2_active and n2.stateful_mts"},
]

SERVICES_AT_BOOT = {"stateful_data": "none", "pss_checkpoint": False, "stateless_data": "none",
                    "restarts": 0, "stateful_mts": False, "stateless_mts": False,
                    "flows": False,
                    "stateful_more_down": 0, "stateless_more_down": 0}

SPEC = {
    "name": "vsg",
    "doc": "Cisco VSG HA pair (Configuring High Availability)",
    "nodes": ["module 1", "module 2"],
    # What a person sees of a VSG: its console's ``show system redundancy status``.
    "views": {"node": "hapair.specs.vsg.guide:status_view"},
    "bounds": {"MAX_RESTARTS": 1, "MORE_DOWN": 1},
    "machines": [REDUNDANCY, ROLE, STATEFUL, STATELESS, COMPUTE, LINK],
    "variables": {
        "global": {
            "same_pair_id": "bool",
            "run_eq": "bool",
            "start_eq": "bool",
            "failover_lock": "bool",
        },
        "node": {
            "admin_role": ["standalone", "primary", "secondary"],
            "saved": "bool",
            "run_is_peer_start": "bool",
            "stateful_data": ["none", "checkpoint", "newer"],
            "pss_checkpoint": "bool",
            "stateless_data": ["none", "some"],
            "restarts": "0..MAX_RESTARTS",
            "stateful_more_down": "0..MORE_DOWN",
            "stateless_more_down": "0..MORE_DOWN",
            "stateful_mts": "bool",
            "stateless_mts": "bool",
            "flows": "bool",
        },
    },
    "triggers": TRIGGERS,
    "macros": MACROS,
    "assumptions": ASSUMPTIONS,
    # The pair as the guide installs it: module 1 primary, module 2 secondary, the same
    # HA pair ID, both powered off, the same (saved) configuration.
    "initial": {
        "link": "up", "same_pair_id": True, "run_eq": True, "start_eq": True,
        "failover_lock": False,
        "n1": {"role": "primary", "admin_role": "primary", "saved": True,
               "run_is_peer_start": True, **SERVICES_AT_BOOT},
        "n2": {"role": "secondary", "admin_role": "secondary", "saved": True,
               "run_is_peer_start": True, **SERVICES_AT_BOOT},
    },
    "properties": PROPERTIES,
    # The product pictures: the two VSGs' redundancy states, without role and pair-ID
    # changes; the full graph with the link kept up too.
    "diagrams": {
        "quotient": {"assume": ["fixed_pairing"], "by": ["n1.state", "n2.state"],
                     "title": "the pair by each node's redundancy state (the link may fail)"},
        "full": {"assume": ["no_partition", "fixed_pairing"], "by": ["n1.state", "n2.state"],
                 "title": "every state of the pair (the link never fails)"},
    },
}
