"""Deliberately broken variants of the VSG spec: a checker that misses one is worthless.

Each mutant names the bug, the guide's rule it breaks, and the property that must catch
it.  ``build(mutant)`` returns the broken spec data (a deep copy; the real spec is never
touched).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from hapair.specs.vsg import spec as vsg


@dataclass(frozen=True)
class Mutant:
    name: str
    bug: str
    caught_by: str
    mutate: Callable[[dict], None]


def machine(data: dict, name: str) -> dict:
    return next(m for m in data["machines"] if m["name"] == name)


def rows(data: dict, trigger: str, machine_name: str = "redundancy") -> list[dict]:
    return [r for r in machine(data, machine_name)["transitions"] if r["trigger"] == trigger]


def row(data: dict, trigger: str, index: int = 0, machine_name: str = "redundancy") -> dict:
    return rows(data, trigger, machine_name)[index]


def _set(trigger: str, index: int = 0, machine_name: str = "redundancy", **changes):
    def mutate(data: dict) -> None:
        row(data, trigger, index, machine_name).update(copy.deepcopy(changes))
    return mutate


def _effects(trigger: str, index: int = 0, drop: tuple = (), add: dict | None = None,
             machine_name: str = "redundancy"):
    def mutate(data: dict) -> None:
        r = row(data, trigger, index, machine_name)
        effects = {k: v for k, v in r.get("effects", {}).items() if k not in drop}
        r["effects"] = {**effects, **(add or {})}
    return mutate


def _macro(name: str, text: str):
    def mutate(data: dict) -> None:
        data["macros"][name] = text
    return mutate


def _extra_takeover_from_syncing(data: dict) -> None:
    r = copy.deepcopy(row(data, "takeover"))
    r["source"] = "standby_syncing"
    machine(data, "redundancy")["transitions"].insert(0, r)


def _one_service_down_at_a_time(data: dict) -> None:
    for svc, other in (("stateful", "stateless"), ("stateless", "stateful")):
        r = row(data, f"fail_{svc}", machine_name=svc)
        r["conditions"] = f"{r['conditions']} and self.{other} == 'running'"


MUTANTS = [
    Mutant("switchover_without_ha_standby_guard",
           "system switchover is accepted whatever the standby's state",
           "SwitchoverOnlyToHAStandby",
           _set("system_switchover", source=["active_no_standby", "active_ha_standby"],
                conditions="not failover_lock")),
    Mutant("secondary_wins_boot", "the secondary, not the primary, takes precedence at boot",
           "PrimaryPrecedence",
           _set("boot", 2, conditions="visible and pairable and self.role == 'secondary' "
                                      "and peer.state == 'booting'")),
    Mutant("everyone_boots_active", "boot negotiation never waits for the peer",
           "NoDualActive", _set("boot", 0, conditions="True")),
    Mutant("unstable_standby_takes_over", "a standby still synchronising takes over",
           "UnstableStandbyRestarts", _extra_takeover_from_syncing),
    Mutant("dual_active_resets_secondary", "a dual active is resolved by resetting the "
           "secondary", "DualActiveResetsPrimary",
           _set("resolve_dual_active", conditions="self.role == 'secondary' and visible and "
                                                  "pairable and peer_active")),
    Mutant("dual_active_never_resolved", "nobody resolves a dual active",
           "DualActiveResolved", _set("resolve_dual_active", conditions="False")),
    Mutant("pairing_across_ids", "VSGs with different HA pair IDs pair",
           "PairingNeedsSameId",
           _macro("pairable", "n1.role != 'standalone' and n2.role != 'standalone' "
                              "and n1.role != n2.role")),
    Mutant("standalone_pairs", "a standalone VSG pairs with a peer", "StandaloneNeverPairs",
           _macro("pairable", "same_pair_id and n1.role != n2.role")),
    Mutant("sync_forgets_startup", "synchronisation copies the running config only",
           "StandbyInSync", _effects("sync_done", drop=("start_eq",))),
    Mutant("edit_not_mirrored", "a config line on the active is not mirrored to the HA "
           "standby", "StandbyInSync",
           _set("config_edit", 1, effects=vsg.EDIT_OWN)),
    Mutant("failover_drops_unsaved_config", "the new active restarts from its startup config",
           "UnsavedConfigSurvivesFailover", _effects("takeover", add=vsg.LOAD_STARTUP)),
    Mutant("lock_never_clears", "a failover lock that a stable standby does not clear",
           "LockHeldUntilStableStandby", _effects("sync_done", drop=("failover_lock",))),
    Mutant("failover_without_lock", "an automatic failover does not take the lock",
           "OneFailoverAtATime", _effects("takeover", drop=("failover_lock",))),
    Mutant("status_not_updated", "the active does not learn that its standby is HA",
           "StatusConsistent", _effects("sync_done", drop=("peer.state",))),
    Mutant("standby_never_takes_over", "a stable standby does not take over",
           "EventuallyActive", _set("takeover", conditions="False")),
    Mutant("mts_drops_messages", "a service restart loses its persistent MTS messages",
           "PersistentMessagesSurviveRestart",
           _effects("restart_stateful", add={"self.stateful_mts": "False"},
                    machine_name="stateful")),
    Mutant("stateless_restart_drops_messages", "a stateless restart loses the messages "
           "queued for the service", "PersistentMessagesSurviveStatelessRestart",
           _effects("restart_stateless", add={"self.stateless_mts": "False"},
                    machine_name="stateless")),
    Mutant("mts_queue_not_mirrored", "a message queued on the active is not queued on its HA "
           "standby", "MtsQueueHeldByBothSupervisors",
           _effects("mts_message_stateful", drop=("peer.stateful_mts",),
                    machine_name="stateful")),
    Mutant("mts_delivery_not_mirrored", "the active delivers the queued messages, its HA "
           "standby keeps them", "StatelessMtsQueueHeldByBothSupervisors",
           _effects("mts_deliver_stateless", drop=("peer.stateless_mts",),
                    machine_name="stateless")),
    Mutant("mts_delivery_crosses_a_partition", "a VSG that delivers its queued messages "
           "empties the other's queue, paired or not", "MtsStepsReachOnlyThePair",
           _set("mts_deliver_stateful", machine_name="stateful",
                conditions="self.stateful_mts")),
    Mutant("sync_drops_the_standbys_queue", "a standby that synchronises takes the active's "
           "MTS queue and drops its own", "MtsQueueHeldByBothSupervisors",
           _effects("sync_done", drop=("peer.stateful_mts",))),
    # The services, the flows, the procedures (issue 11).
    Mutant("stateful_restart_forgets_checkpoint", "a stateful restart starts from nothing",
           "StatefulRestartRecoversCheckpoint_m1",
           _effects("restart_stateful", add={"self.stateful_data": "'none'"},
                    machine_name="stateful")),
    Mutant("stateless_restart_keeps_state", "a stateless restart keeps what the service "
           "held", "StatelessRestartStartsFromNothing_m1",
           _effects("restart_stateless", add={"self.stateless_data": "'some'"},
                    machine_name="stateless")),
    Mutant("failure_takes_the_other_service", "a failed stateful service takes the stateless "
           "one down too", "StatefulFailureIsolated_m1",
           _effects("fail_stateful", add={"self.stateless": "'failed'"},
                    machine_name="stateful")),
    Mutant("failure_loses_checkpoint", "a failed service loses its PSS checkpoint",
           "PssOutlivesTheService_m1",
           _effects("fail_stateful", add={"self.pss_checkpoint": "False"},
                    machine_name="stateful")),
    Mutant("checkpoint_stores_nothing", "a checkpoint leaves PSS empty",
           "CheckpointKeepsState_m1",
           _effects("pss_checkpoint", drop=("self.pss_checkpoint",), machine_name="stateful")),
    Mutant("one_service_down_at_a_time", "a second service cannot fail while one is down",
           "TwoServicesDownAtOnce", _one_service_down_at_a_time),
    Mutant("flow_not_mirrored", "a new flow is not mirrored to the HA standby",
           "FlowsMirroredOnHAStandby", _set("new_flow", 1, effects=vsg.FLOW_OWN)),
    Mutant("takeover_drops_flows", "the new active starts with no flows",
           "StatefulFailoverKeepsFlows", _effects("takeover", add={"self.flows": "False"})),
    Mutant("sync_forgets_flows", "the standby synchronises configuration only",
           "FlowsMirroredOnHAStandby", _effects("sync_done", drop=("self.flows",))),
    Mutant("installed_as_primary", "a fresh VSG comes up primary, not standalone",
           "InstalledVSGIsStandalone",
           _effects("install", add={"self.role": "'primary'", "self.admin_role": "'primary'"})),
    Mutant("secondary_never_reloaded", "a VSG made secondary beside its primary is not "
           "reloaded", "AddSecondaryIsReloaded", _set("join_reload", conditions="False")),
]


def _never_delivers(data: dict) -> None:
    for r in rows(data, "mts_deliver_stateful", "stateful"):
        r["effects"] = {}


def _never_apply_role(data: dict) -> None:
    for m in data["machines"]:
        for r in m["transitions"]:
            if r.get("effects", {}).get("self.role") == "self.admin_role":
                r["effects"] = {k: v for k, v in r["effects"].items() if k != "self.role"}


def _boot_keeps_running_config(data: dict) -> None:
    for r in rows(data, "boot"):
        r["effects"] = {}


MUTANTS += [
    Mutant("boot_keeps_running_config", "a reload does not restart from the startup config",
           "BootLoadsStartup", _boot_keeps_running_config),
    Mutant("role_never_applied_at_reload", "a stored role change never takes effect",
           "RoleAppliedAtReload", _never_apply_role),
    Mutant("standalone_to_primary_deferred", "standalone -> primary waits for a reload",
           "RoleChangeRule", _set("role_primary", 0, machine_name="role", dest="=")),
    Mutant("dual_active_resets_both", "a dual active resets both VSGs",
           "DualActiveResetsPrimary",
           _effects("resolve_dual_active", add={"peer.state": "'booting'"})),
    Mutant("syncing_standby_keeps_restarting", "a synchronising standby restarts even with "
           "a healthy active", "StandbyBecomesStable", _set("restart_pair", conditions="True")),
    Mutant("unstable_standby_powers_off", "an unstable standby powers itself off instead of "
           "restarting", "InternalStepsNeverPowerOff",
           _set("restart_pair", dest="off", effects={})),
    Mutant("switchover_powers_off_old_active", "the old active powers off after a "
           "switchover instead of reloading", "SwitchoverReloadsOldActive",
           _set("system_switchover", dest="off")),
    Mutant("restart_not_counted", "a service restart does not count in Start_cnt",
           "StartCntCounts_m1", _set("restart_stateless", machine_name="stateless",
                                     effects={"self.stateless_data": "'none'"})),
    Mutant("mts_never_delivers", "queued MTS messages are never delivered",
           "QueuedMessagesDelivered", _never_delivers),
    Mutant("copy_forgets_the_peer", "copy running-config startup-config loses track of the "
           "peer's running config", "ConfigEqualitiesConsistent",
           _set("copy_rs", effects={k: v for k, v in vsg.COPY_OWN.items()
                                    if k != "peer.run_is_peer_start"})),
]


def build(mutant: Mutant) -> dict:
    data = copy.deepcopy(vsg.SPEC)
    mutant.mutate(data)
    return data
