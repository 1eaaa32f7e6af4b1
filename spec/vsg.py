"""The Cisco VSG HA pair, as the configuration guide ("Configuring High Availability")
describes it.  Every rule of the guide is one row here; everything else derives from it.

Two nodes, module 1 and module 2, each with three machines (redundancy, role, sysmgr),
and a global link machine.  Config contents are abstracted to the equalities that
matter (is the running config saved? do the two nodes hold the same configs?), which is
exact for two nodes and needs no bound; the only bound is the Start_cnt counter.
"""

from __future__ import annotations

ACTIVES = "('active_no_standby', 'active_ha_standby')"
STANDBYS = "('standby_syncing', 'ha_standby')"
UP = "('active_no_standby', 'active_ha_standby', 'standby_syncing', 'ha_standby')"

# A node that reboots: the administrative role becomes operational (the guide: a change
# to secondary takes effect at reload), services start afresh, MTS queues are gone.
REBOOT = {
    "self.role": "self.admin_role",
    "self.sysmgr": "'ok'",
    "self.restarts": "0",
    "self.mts_queued": "False",
}
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
# A fresh VSG: its own configuration, saved, equal to nothing the peer holds.
FRESH = {"self.saved": "True", "run_eq": "False", "start_eq": "False",
         "self.run_is_peer_start": "False", "peer.run_is_peer_start": "False",
         "same_pair_id": "True"}
# The new standby copies configuration (running and startup) from the active.
SYNC_FROM_PEER = {
    "self.saved": "peer.saved", "run_eq": "True", "start_eq": "True",
    "self.run_is_peer_start": "peer.saved", "peer.run_is_peer_start": "peer.saved",
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
        # Replacing a VSG (the guide's two procedures): a fresh VSG with the pair's ID
        # and its own fresh configuration is installed, powered off, in place of one.
        # (After the failover it causes: not while the peer is still this one's standby.)
        *({"trigger": f"replace_{r}", "source": "off", "dest": "=", "ops": ["fresh"],
           "conditions": f"peer.state not in {STANDBYS}",
           "effects": {**FRESH, "self.role": f"'{r}'", "self.admin_role": f"'{r}'"}}
          for r in ("primary", "secondary")),
        {"trigger": "power_off", "source": ["booting", "active_no_standby",
                                            "active_ha_standby", "standby_syncing",
                                            "ha_standby"],
         "dest": "off", "effects": PEER_LOSES_STANDBY},
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
         "effects": {**SYNC_FROM_PEER, "peer.state": "'active_ha_standby'",
                     "failover_lock": "False"}, "ops": ["sync_from_peer"]},
        # Automatic failover: a stable standby that loses its active takes over; an
        # unstable one restarts instead ("tries to restart the pair").
        {"trigger": "takeover", "source": "ha_standby", "dest": "active_no_standby",
         "conditions": "standby_lost_active and not failover_lock",
         "effects": {"failover_lock": "True"}, "ops": ["log_takeover"]},
        {"trigger": "restart_pair", "source": "standby_syncing", "dest": "booting",
         "conditions": "not (visible and pairable and peer_active)", "effects": REBOOT,
         "ops": ["reboot"]},
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

SYSMGR = {
    "name": "sysmgr",
    "scope": "node",
    "variable": "sysmgr",
    "initial": "ok",
    "states": ["ok", "restarting"],
    "transitions": [
        # Only processes borrowed from the VSM restart (statefully, from their PSS
        # checkpoint); Start_cnt goes up.  MTS keeps persistent messages meanwhile.
        {"trigger": "fail_borrowed", "source": "ok", "dest": "restarting",
         "conditions": f"self.state in {UP}"},
        {"trigger": "restart_service", "source": "restarting", "dest": "ok",
         "conditions": f"self.state in {UP}",
         "effects": {"self.restarts": "min(self.restarts + 1, MAX_RESTARTS)"},
         "ops": ["restart_process"]},
        {"trigger": "mts_message", "source": "restarting", "dest": "=",
         "conditions": f"self.state in {UP} and not self.mts_queued",
         "effects": {"self.mts_queued": "True"}},
        {"trigger": "mts_deliver", "source": "ok", "dest": "=",
         "conditions": f"self.state in {UP} and self.mts_queued",
         "effects": {"self.mts_queued": "False"}},
    ],
}

LINK = {
    "name": "link",
    "scope": "global",
    "variable": "link",
    "initial": "up",
    "states": ["up", "down"],
    "transitions": [
        # A partition: each active loses its HA standby at once; the standby's own
        # reaction (take over) is its next internal step.
        {"trigger": "link_down", "source": "up", "dest": "down",
         "effects": _each_node("'active_no_standby' if {n}.state == 'active_ha_standby' "
                               "else {n}.state")},
        # When the link heals, a standby whose active dropped it must synchronise again.
        {"trigger": "link_up", "source": "down", "dest": "up",
         "effects": _each_node("'standby_syncing' if {n}.state == 'ha_standby' "
                               "else {n}.state")},
    ],
}

TRIGGERS = {
    "power_on": {"kind": "physical", "doc": "power the VSG on (vSphere client)"},
    "power_off": {"kind": "physical", "doc": "power the VSG off (vSphere client)"},
    "link_down": {"kind": "physical", "doc": "the link between the pair fails"},
    "link_up": {"kind": "physical", "doc": "the link between the pair is restored"},
    "boot": {"kind": "internal", "doc": "boot negotiation ends",
             "tags": ["negotiation", "pairing"]},
    "sync_done": {"kind": "internal", "doc": "the standby is synchronised (stable)",
                  "tags": ["pairing"]},
    "takeover": {"kind": "internal", "doc": "automatic failover by a stable standby",
                 "tags": ["failover"]},
    "restart_pair": {"kind": "internal", "doc": "an unstable standby restarts"},
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
    "fail_native": {"kind": "fault", "doc": "a native process (policy_engine, inspect) fails"},
    "fail_borrowed": {"kind": "fault", "doc": "a process borrowed from the VSM fails"},
    "restart_service": {"kind": "internal", "doc": "System Manager restarts the service"},
    "mts_message": {"kind": "traffic", "doc": "a persistent MTS message for a restarting "
                                              "service"},
    "mts_deliver": {"kind": "internal", "doc": "MTS delivers a queued message"},
    "config_edit": {"kind": "operator", "doc": "a configuration line (configure mode)"},
    "copy_rs": {"kind": "operator", "doc": "copy running-config startup-config"},
    "ha_pair_id_same": {"kind": "operator", "doc": "ha-pair id N, N the peer's ID"},
    "ha_pair_id_other": {"kind": "operator", "doc": "ha-pair id N, N not the peer's ID"},
    "replace_primary": {"kind": "physical",
                        "doc": "install a fresh VSG as primary in place of a powered-off one"},
    "replace_secondary": {"kind": "physical",
                          "doc": "install a fresh VSG as secondary in place of a powered-off "
                                 "one"},
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
                     "without": ["link_down"]},
    "fixed_pairing": {"doc": "nobody changes a role or an HA pair ID, or installs a VSG",
                      "without": ["role_standalone", "role_primary", "role_secondary",
                                  "ha_pair_id_same", "ha_pair_id_other",
                                  "replace_primary", "replace_secondary"]},
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
     "meaning": "never two actives at all, when the link never fails",
     "expr": "not (n1_active and n2_active)"},
    {"name": "DualActiveOnPartition", "kind": "always", "assume": ["fixed_pairing"],
     "expect": "violated",
     "meaning": "a partition does make two actives (expected: the checker must show it)",
     "expr": "not (n1_active and n2_active)"},
    {"name": "DualActiveResetsPrimary", "kind": "action", "on": ["dual_active_reset"],
     "meaning": "a detected dual active is resolved by resetting the primary, and only it",
     "require": "pre.dual_active and pre.self.role == 'primary' "
                "and post.self.state == 'booting' and not post.dual_active "
                "and post.peer.state == pre.peer.state"},
    {"name": "DualActiveResolved", "kind": "leads_to",
     "meaning": "every dual active is eventually resolved",
     "p": "dual_active", "q": "not dual_active"},
    {"name": "SwitchoverOnlyToHAStandby", "kind": "action", "on": ["system_switchover"],
     "meaning": "a manual switchover starts only when the peer is HA standby",
     "require": "pre.link == 'up' and pre.peer.state == 'ha_standby' "
                "and post.peer_active"},
    {"name": "PrimaryPrecedence", "kind": "action", "on": ["negotiation"],
     "meaning": "at boot, the primary becomes active unless the secondary already is",
     "require": "(not (pre.self.role == 'primary' and pre.visible and pre.pairable "
                "and not pre.peer_active) or post.self_active) "
                "and not (pre.self.role == 'secondary' and pre.visible and pre.pairable "
                "and pre.peer.state == 'booting')"},
    {"name": "OneFailoverAtATime", "kind": "action", "on": ["failover"],
     "meaning": "after a failover starts, no other starts until a stable standby exists",
     "require": "not pre.failover_lock and post.failover_lock"},
    {"name": "LockHeldUntilStableStandby", "kind": "always",
     "meaning": "while a failover is in progress there is no HA standby",
     "expr": "not (failover_lock and ha_pair)"},
    {"name": "UnstableStandbyRestarts", "kind": "action", "on": ["*"],
     "meaning": "a standby that is not stable never takes over",
     "require": "not (pre.n1.state == 'standby_syncing' and post.n1_active) "
                "and not (pre.n2.state == 'standby_syncing' and post.n2_active)"},
    {"name": "PairingNeedsSameId", "kind": "action", "on": ["pairing"],
     "meaning": "a VSG becomes a standby only of a peer with the same HA pair ID",
     "require": f"post.self.state not in {STANDBYS} or pre.same_pair_id"},
    {"name": "StandaloneNeverPairs", "kind": "action", "on": ["pairing"],
     "meaning": "a standalone VSG never pairs",
     "require": f"post.self.state not in {STANDBYS} "
                "or (pre.n1.role != 'standalone' and pre.n2.role != 'standalone')"},
    {"name": "StandbyInSync", "kind": "always",
     "meaning": "an HA standby's running and startup config equal the active's",
     "expr": "not ha_pair or (run_eq and start_eq)"},
    {"name": "UnsavedConfigSurvivesFailover", "kind": "action", "on": ["failover"],
     "meaning": "the new active is the HA standby and keeps its config (the active's, by "
                "StandbyInSync), unsaved if it was",
     "require": " and ".join(
         f"(not ({BECOMES_ACTIVE.format(n=n)}) or (pre.{n}.state == 'ha_standby' "
         f"and post.{n}.saved == pre.{n}.saved "
         f"and post.{n}.run_is_peer_start == pre.{n}.run_is_peer_start))"
         for n in ("n1", "n2"))},
    {"name": "StatusConsistent", "kind": "always",
     "meaning": "operational redundancy mode is HA exactly when the active has an HA "
                "standby",
     "expr": "((n1.state == 'active_ha_standby') == (n2.state == 'ha_standby' "
             "and link == 'up' and pairable and n1_active)) and "
             "((n2.state == 'active_ha_standby') == "
             "(n1.state == 'ha_standby' and link == 'up' and pairable and n2_active))"},
    {"name": "PersistentMessagesSurviveRestart", "kind": "action", "on": ["restart_service"],
     "meaning": "MTS keeps persistent messages across a service restart",
     "require": "post.self.mts_queued == pre.self.mts_queued"},
    {"name": "BootLoadsStartup", "kind": "action", "on": ["negotiation"],
     "meaning": "a VSG that finishes booting runs its startup config",
     "require": "post.self.saved and post.self.run_is_peer_start == pre.start_eq"},
    {"name": "ConfigEqualitiesConsistent", "kind": "always",
     "meaning": "the configuration equalities the model keeps are those of four real "
                "configs (equality is transitive)",
     "expr": " and ".join(_transitive(*t) for t in (
         ("n1.saved", "n2.run_is_peer_start", "run_eq"),
         ("n1.saved", "start_eq", "n1.run_is_peer_start"),
         ("run_eq", "n2.saved", "n1.run_is_peer_start"),
         ("n2.run_is_peer_start", "n2.saved", "start_eq")))},
    {"name": "RoleChangeRule", "kind": "action", "on": ["role_change"],
     "meaning": "standalone -> primary takes effect at once; any other role change only "
                "at the next reload",
     "require": "(pre.self.role == 'standalone' and post.self.admin_role == 'primary' "
                "and post.self.role == 'primary') or (not (pre.self.role == 'standalone' "
                "and post.self.admin_role == 'primary') and post.self.role == pre.self.role)"},
    {"name": "RoleAppliedAtReload", "kind": "action", "on": ["*"],
     "meaning": "a VSG that reloads comes back with its administrative role",
     "require": "not (pre.self.state != 'booting' and post.self.state == 'booting') "
                "or post.self.role == pre.self.admin_role"},
    {"name": "SwitchoverReloadsOldActive", "kind": "action", "on": ["system_switchover"],
     "meaning": "after a manual switchover the old active reloads, its services afresh",
     "require": "post.self.state == 'booting' and post.self.sysmgr == 'ok' "
                "and not post.self.mts_queued"},
    {"name": "FailoverNeedsStableStandby", "kind": "action", "on": ["failover"],
     "meaning": "a failover starts only from an HA standby, and leaves none until a new "
                "standby is stable",
     "require": "(pre.self.state == 'ha_standby' or pre.peer.state == 'ha_standby') "
                "and post.n1.state != 'ha_standby' and post.n2.state != 'ha_standby'"},
    {"name": "AtMostOneHAStandby", "kind": "always",
     "meaning": "there is never more than one HA standby",
     "expr": "not (n1.state == 'ha_standby' and n2.state == 'ha_standby')"},
    {"name": "InternalStepsNeverPowerOff", "kind": "action",
     "on": ["boot", "sync_done", "takeover", "restart_pair", "resolve_dual_active",
            "restart_service", "mts_deliver"],
     "meaning": "only the environment powers a VSG off; its own steps restart it",
     "require": "post.self.state != 'off'"},
    {"name": "StandbyBecomesStable", "kind": "leads_to",
     "meaning": "a standby synchronising with a healthy active becomes HA standby",
     "p": " or ".join(_syncing_with_active(n, o) for n, o in (("n1", "n2"), ("n2", "n1"))),
     "q": " and ".join(f"({n}.state in ('ha_standby', 'off') or not (link == 'up' "
                       f"and pairable and {o}_active))"
                       for n, o in (("n1", "n2"), ("n2", "n1")))},
    {"name": "StartCntCounts", "kind": "action", "on": ["restart_service"],
     "meaning": "every restart of a failed borrowed process counts in Start_cnt",
     "require": "post.self.restarts == min(pre.self.restarts + 1, MAX_RESTARTS)"},
    {"name": "QueuedMessagesDelivered", "kind": "leads_to",
     "meaning": "a persistent MTS message is delivered once its service runs again",
     "p": "n1.mts_queued", "q": "not n1.mts_queued or n1.state == 'off'"},
    {"name": "EventuallyActive", "kind": "leads_to",
     "meaning": "while some node is powered, some node eventually is active",
     "p": "n1.state != 'off' or n2.state != 'off'",
     "q": "n1_active or n2_active or (n1.state == 'off' and n2.state == 'off')"},
]

SPEC = {
    "name": "vsg",
    "doc": "Cisco VSG HA pair (Configuring High Availability)",
    "nodes": ["module 1", "module 2"],
    # What a person sees of a VSG: its console's ``show system redundancy status``.
    "views": {"node": "hapair.spec.guide:status_view"},
    "bounds": {"MAX_RESTARTS": 1},
    "machines": [REDUNDANCY, ROLE, SYSMGR, LINK],
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
            "restarts": "0..MAX_RESTARTS",
            "mts_queued": "bool",
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
               "run_is_peer_start": True, "restarts": 0, "mts_queued": False},
        "n2": {"role": "secondary", "admin_role": "secondary", "saved": True,
               "run_is_peer_start": True, "restarts": 0, "mts_queued": False},
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
